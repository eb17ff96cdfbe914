//! The listeners on 127.0.0.1, the accept loop (with the TLS handshake when the emulator serves
//! https) and serving each connection as HTTP/1.1 with hyper, dispatching to an endpoint.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use super::cloudfront_edge::handle_cloudfront;
use super::pipeline::handle_function;
use super::streaming::streamed;
use super::App;
use crate::error::EmulatorError;
use crate::tls::{handshake, Tls};

/// How long a request head may take to arrive, and an idle kept-alive connection may wait
/// for the next one: 30 seconds (hyper's default, set here so it does not change unseen).
pub(super) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Which server a listener is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Endpoint {
    Function,
    CloudFront,
}

/// Binds `port` (0: any free port) on 127.0.0.1.
pub(super) async fn bind(server: &'static str, port: u16) -> Result<TcpListener, EmulatorError> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|source| EmulatorError::Bind {
            server,
            port,
            source,
        })
}

/// The address `listener` is bound to.
pub(super) fn local_addr(
    server: &'static str,
    port: u16,
    listener: &TcpListener,
) -> Result<SocketAddr, EmulatorError> {
    listener.local_addr().map_err(|source| EmulatorError::Bind {
        server,
        port,
        source,
    })
}

/// Accepts connections until `shutdown`, serving each on its own task, at most
/// `app.max_connections` at once (further ones wait in the listen backlog until a slot is
/// free); then closes the listener and ends those tasks.
pub(super) async fn accept_loop(
    listener: TcpListener,
    app: Arc<App>,
    endpoint: Endpoint,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(
        app.max_connections.min(Semaphore::MAX_PERMITS),
    ));
    let mut connections = JoinSet::new();
    loop {
        // A free slot first, then the next connection: excess clients stay in the backlog.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
                continue;
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let app = Arc::clone(&app);
                    match app.tls.as_ref().map(Tls::acceptor) {
                        None => connections.spawn(async move {
                            let _slot = slot;
                            serve_connection(stream, peer, app, endpoint).await;
                        }),
                        Some(acceptor) => connections.spawn(async move {
                            let _slot = slot;
                            if let Some(stream) = handshake(acceptor, stream).await {
                                serve_connection(stream, peer, app, endpoint).await;
                            }
                        }),
                    };
                }
                Err(error) => {
                    tracing::debug!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// Serves one connection (plain or TLS) as HTTP/1.1.
async fn serve_connection<S>(stream: S, peer: SocketAddr, app: Arc<App>, endpoint: Endpoint)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request: Request<Incoming>| {
        let app = Arc::clone(&app);
        async move {
            let response = match endpoint {
                Endpoint::Function => handle_function(&app, request, peer).await,
                Endpoint::CloudFront => handle_cloudfront(&app, request, peer).await,
            };
            Ok::<_, Infallible>(streamed(&app, response))
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        // A request head (or, between requests, the next one) must arrive in full within this;
        // else hyper closes the connection without an answer.
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    if let Err(error) = connection.await {
        tracing::debug!(%error, "connection ended with an error");
    }
}
