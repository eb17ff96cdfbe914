//! Listening on 127.0.0.1: the first stdout line, the connection limit, one HTTP/1.1
//! connection per client, and the graceful stop on SIGTERM or Ctrl-C.

use super::forward::Proxy;
use super::log_line;
use super::strict_lf::StrictLf;
use crate::signals::Stop;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// The most a client connection buffers while reading (request head and body frames).
const READ_BUFFER: usize = 64 * 1024;

/// Listens on `127.0.0.1:port`, prints `announce(address, proxy)` as one line on stdout, and
/// serves until SIGTERM or SIGINT; then stops accepting and waits for the requests in flight,
/// at most `shutdown_timeout`, after which the connections still open are closed.
/// The error is a message for the command line (exit 1).
pub(super) async fn serve(
    proxy: Arc<Proxy>,
    port: u16,
    max_connections: usize,
    shutdown_timeout: Duration,
    announce: impl FnOnce(SocketAddr, &Proxy) -> serde_json::Value,
) -> Result<(), String> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|e| format!("cannot listen on port {port}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    proxy.guard().listening_on(addr.port());
    let mut stop = Stop::register()?;
    {
        let line = announce(addr, &proxy);
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();
    }

    let limit = Arc::new(Semaphore::new(max_connections));
    let (shutdown, _) = watch::channel(false);
    let mut connections = JoinSet::new();
    let signal = loop {
        let permit = tokio::select! {
            signal = stop.wait() => break signal,
            permit = Arc::clone(&limit).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break "closed",
            },
        };
        let stream = tokio::select! {
            signal = stop.wait() => break signal,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    log_line(&serde_json::json!({ "event": "accept failed", "error": error.to_string() }));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let proxy = Arc::clone(&proxy);
        let mut shutdown = shutdown.subscribe();
        connections.spawn(async move {
            let _permit = permit;
            connection(stream, proxy, &mut shutdown).await;
        });
        while connections.try_join_next().is_some() {}
    };
    drop(listener);
    while connections.try_join_next().is_some() {}
    let in_flight = connections.len();
    log_line(
        &serde_json::json!({ "event": "shutdown", "signal": signal, "open_connections": in_flight }),
    );
    let _ = shutdown.send(true);
    let drained = tokio::time::timeout(shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        log_line(&serde_json::json!({
            "event": "shutdown deadline",
            "closed_connections": connections.len(),
            "timeout_secs": shutdown_timeout.as_secs(),
        }));
        connections.shutdown().await;
    }
    Ok(())
}

/// Serves one client connection; on shutdown, finishes the request in flight and closes.
async fn connection(
    stream: tokio::net::TcpStream,
    proxy: Arc<Proxy>,
    shutdown: &mut watch::Receiver<bool>,
) {
    let service = service_fn(move |request| {
        let proxy = Arc::clone(&proxy);
        async move { Ok::<_, std::convert::Infallible>(proxy.handle(request).await) }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        // Caps the read buffer (hyper's default grows to about 400 KiB per connection), and so
        // the size of each body frame; request heads must fit too.
        .max_buf_size(READ_BUFFER)
        .serve_connection(TokioIo::new(StrictLf::new(stream)), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}
