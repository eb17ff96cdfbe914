//! `proxy`: a SigV4 signing sidecar for AWS Lambda function URLs, built on this crate's public
//! API only. Services in any language send plain HTTP to it on loopback; it signs and forwards.
//!
//! ```text
//! cargo run --example proxy --all-features -- --upstream URL [OPTIONS]
//! ```
//!
//! It listens on 127.0.0.1, prints one JSON line with its address on stdout, then serves until
//! SIGTERM or Ctrl-C, after which it stops accepting and finishes the requests in flight. Every
//! request is forwarded to the upstream with its path and query appended to the upstream's, in
//! the crate's wire form, and signed (IAM), signed for another host (`--sign-host`), or given
//! only `x-amz-content-sha256` (`--oac`). Request bodies are hashed while they are read, kept in
//! memory when small and spooled to an unnamed temporary file otherwise; responses stream back as
//! they arrive. One JSON log line per request goes to stderr. Run with `--help` for the options.
//!
//! Exit status: 0 after a signal, 2 for a usage or configuration error, 1 when it cannot listen.

mod forward;
mod spool;

#[path = "../common/cli.rs"]
mod cli;

use cli::describe;

use forward::{Proxy, Settings};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use lambda_url_signer::{CredentialsCache, Error, FunctionUrl, Signer};
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

const USAGE: &str = "\
proxy: a SigV4 signing sidecar for AWS Lambda function URLs (AuthType AWS_IAM)

Usage: proxy --upstream <URL> [OPTIONS]

Listens on 127.0.0.1, prints {\"listen\":\"http://127.0.0.1:PORT/\",...} on stdout,
and forwards every request to URL, signed. The request's path and query are
appended to URL's; Host becomes URL's host; hop-by-hop headers and any
Authorization or x-amz-date/-security-token/-content-sha256 the client sent are
replaced.

Options:
      --upstream <URL>     the function URL to forward to (with --oac or
                           --sign-host: the CloudFront distribution)
      --region <REGION>    the signing region; required unless the host (or the
                           --sign-host) is <url-id>.lambda-url.<region>.on.aws
      --port <N>           the port on 127.0.0.1 (default 0: any free port)
      --oac                CloudFront OAC: send only x-amz-content-sha256 and let
                           CloudFront sign; needs no credentials
      --sign-host <HOST>   OAC no-override: sign for HOST (the function URL host)
                           while sending to --upstream
      --spool-threshold <BYTES>
                           request bodies larger than this are spooled to a
                           temporary file in $TMPDIR (default 262144)
      --timeout-secs <N>   wait at most N seconds for the upstream's response
                           head, else answer 504 (default 30)
      --max-connections <N>
                           client connections served at once; more wait to be
                           accepted (default 512)
  -h, --help               print this help

Credentials (IAM and --sign-host): the default AWS chain (environment
variables first, then profile, SSO, web identity, container, instance
metadata), fetched once at start and refreshed before they expire.

Answers of its own, with a JSON body {\"error\": ...}: 400 for a query that is
not UTF-8, 413 for a body over the function URL limit (6,291,456 bytes as
Lambda counts them; nothing is sent), 502 when the upstream is unreachable,
504 on timeout. An upstream 403 passes through with x-lambda-url-signer-diagnosis.
Exit status: 0 after SIGTERM or Ctrl-C (in-flight requests finish first), 2 for
usage or configuration errors, 1 when it cannot listen.
";

const EXIT_RUNTIME: u8 = 1;
/// The most a client connection buffers while reading (request head and body frames).
const READ_BUFFER: usize = 64 * 1024;
const EXIT_USAGE: u8 = 2;

/// The command line, as parsed.
#[derive(Debug)]
struct Options {
    upstream: Option<String>,
    region: Option<String>,
    port: u16,
    oac: bool,
    sign_host: Option<String>,
    spool_threshold: usize,
    timeout: Duration,
    max_connections: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            upstream: None,
            region: None,
            port: 0,
            oac: false,
            sign_host: None,
            spool_threshold: 256 * 1024,
            timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

/// Why the proxy stopped before serving.
enum Failure {
    /// Bad arguments or configuration. Exit 2.
    Usage(String),
    /// It could not listen. Exit 1.
    Runtime(String),
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// Parses the arguments; `None` for `--help`.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, Failure> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let mut value = || match inline.clone() {
            Some(value) => Ok(value),
            None => args
                .next()
                .ok_or_else(|| usage(format!("{name} needs a value"))),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--oac" => options.oac = true,
            "--upstream" => options.upstream = Some(value()?),
            "--region" => options.region = Some(value()?),
            "--sign-host" => options.sign_host = Some(value()?),
            "--port" => options.port = number(&name, &value()?)?,
            "--spool-threshold" => options.spool_threshold = number(&name, &value()?)?,
            "--timeout-secs" => {
                let secs: u64 = number(&name, &value()?)?;
                if secs == 0 {
                    return Err(usage("--timeout-secs must be at least 1"));
                }
                options.timeout = Duration::from_secs(secs);
            }
            "--max-connections" => {
                options.max_connections = number(&name, &value()?)?;
                if options.max_connections == 0 {
                    return Err(usage("--max-connections must be at least 1"));
                }
            }
            other => return Err(usage(format!("unknown argument `{other}`"))),
        }
    }
    Ok(Some(options))
}

fn number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, Failure> {
    text.parse()
        .map_err(|_| usage(format!("{name} takes a whole number, not `{text}`")))
}

fn main() -> ExitCode {
    let result = match parse_args(std::env::args().skip(1)) {
        Ok(None) => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(USAGE.as_bytes());
            let _ = stdout.flush();
            return ExitCode::SUCCESS;
        }
        Ok(Some(options)) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::Runtime(format!("cannot start the runtime: {e}")))
            .and_then(|runtime| runtime.block_on(run(options))),
        Err(failure) => Err(failure),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            log_line(&serde_json::json!({ "error": message, "see": "--help" }));
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Runtime(message)) => {
            log_line(&serde_json::json!({ "error": message }));
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

/// Writes one JSON line to stderr; a closed stderr is ignored.
pub(crate) fn log_line(value: &serde_json::Value) {
    let mut line = value.to_string();
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

async fn run(options: Options) -> Result<(), Failure> {
    let upstream_text = options
        .upstream
        .as_deref()
        .ok_or_else(|| usage("no --upstream given"))?;
    if options.oac && options.sign_host.is_some() {
        return Err(usage(
            "--oac and --sign-host exclude each other: with --oac CloudFront signs, with --sign-host the proxy does",
        ));
    }
    let (upstream, signer, mode) = if options.oac {
        (
            oac_upstream(upstream_text, options.region.as_deref())?,
            None,
            "oac",
        )
    } else {
        let (url, region) = cli::resolve(
            upstream_text,
            options.region.as_deref(),
            options.sign_host.as_deref(),
        )
        .map_err(usage)?;
        let signer = signer(&region, options.sign_host.as_deref()).await?;
        let mode = if options.sign_host.is_some() {
            "sign-host"
        } else {
            "iam"
        };
        (url, Some(signer), mode)
    };
    if upstream.uri().scheme_str() == Some("https") && !cfg!(feature = "rustls") {
        return Err(usage(
            "an https upstream needs TLS: run the example with --features rustls (or --all-features)",
        ));
    }
    let region = signer.as_ref().and_then(|s| s.region().map(str::to_owned));
    let proxy = Arc::new(
        Proxy::new(
            upstream,
            signer,
            Settings {
                spool_threshold: options.spool_threshold,
                timeout: options.timeout,
                via_cloudfront: options.oac || options.sign_host.is_some(),
            },
        )
        .map_err(|e| usage(describe(&e)))?,
    );

    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))
        .await
        .map_err(|e| Failure::Runtime(format!("cannot listen on port {}: {e}", options.port)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Runtime(format!("cannot read the listening address: {e}")))?;
    let mut term = signal(SignalKind::terminate())
        .map_err(|e| Failure::Runtime(format!("cannot handle SIGTERM: {e}")))?;
    let mut interrupt = signal(SignalKind::interrupt())
        .map_err(|e| Failure::Runtime(format!("cannot handle SIGINT: {e}")))?;
    {
        let line = serde_json::json!({
            "listen": format!("http://{addr}/"),
            "upstream": proxy.upstream().as_str(),
            "mode": mode,
            "region": region,
        });
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();
    }

    let stop = async move {
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        }
    };
    tokio::pin!(stop);
    let limit = Arc::new(Semaphore::new(options.max_connections));
    let (shutdown, _) = watch::channel(false);
    let mut connections = JoinSet::new();
    let signal = loop {
        let permit = tokio::select! {
            signal = &mut stop => break signal,
            permit = Arc::clone(&limit).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break "closed",
            },
        };
        let stream = tokio::select! {
            signal = &mut stop => break signal,
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
            serve(stream, proxy, &mut shutdown).await;
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
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Serves one client connection; on shutdown, finishes the request in flight and closes.
async fn serve(
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
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

/// The upstream for `--oac`: CloudFront signs, so the region is only needed to parse the URL.
fn oac_upstream(upstream: &str, region: Option<&str>) -> Result<FunctionUrl, Failure> {
    let parsed = match region {
        Some(region) => FunctionUrl::with_region(upstream, region),
        None => FunctionUrl::parse(upstream).or_else(|error| match error {
            // Nothing is signed with it: CloudFront signs for its own origin.
            Error::MissingRegion { .. } => FunctionUrl::with_region(upstream, "us-east-1"),
            other => Err(other),
        }),
    };
    parsed.map_err(|e| usage(describe(&e)))
}

/// A signer with the default credential chain, which must yield credentials now.
async fn signer(region: &str, sign_host: Option<&str>) -> Result<Signer, Failure> {
    let cache = CredentialsCache::default_chain(None, Some(region)).await;
    cache
        .credentials()
        .await
        .map_err(|e| usage(format!("no credentials: {}", describe(&e))))?;
    let mut builder = Signer::builder().region(region).credentials_cache(cache);
    if let Some(host) = sign_host {
        builder = builder.sign_host(host);
    }
    builder.build().map_err(|e| usage(describe(&e)))
}
