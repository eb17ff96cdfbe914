//! `lambda-url proxy`: a SigV4 signing sidecar for AWS Lambda function URLs. Services in any
//! language send plain HTTP to it on loopback; it signs and forwards.
//!
//! ```text
//! lambda-url proxy --upstream URL [OPTIONS]
//! ```
//!
//! It listens on 127.0.0.1, prints one JSON line with its address on stdout, then serves until
//! SIGTERM or Ctrl-C, after which it stops accepting and finishes the requests in flight. Every
//! request is forwarded to the upstream with its path and query appended to the upstream's, in
//! the signer's wire form, and signed (IAM), signed for another host (`--sign-host`), or given
//! only `x-amz-content-sha256` (`--oac`). Request bodies are hashed while they are read, kept in
//! memory when small and spooled to an unnamed temporary file otherwise; responses stream back as
//! they arrive. One JSON log line per request goes to stderr.
//!
//! Exit status: 0 after a signal, 2 for a usage or configuration error, 1 when it cannot listen.

mod forward;
mod guard;
mod refusal;
mod server;
mod spool;
mod strict_lf;

use crate::deadlines::BodyDeadlines;
use crate::describe::describe;
use crate::target::{self, EnvRegion};
use forward::{Proxy, Settings};
use guard::Guard;
use lambda_url_signer::{CredentialsCache, Error, FunctionUrl, Signer};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const EXIT_RUNTIME: u8 = 1;
const EXIT_USAGE: u8 = 2;

const AFTER_HELP: &str = "\
Region: --region, else the one in the upstream's host (or the --sign-host), else
AWS_REGION, else AWS_DEFAULT_REGION.

Credentials (IAM and --sign-host): the default AWS chain (environment
variables first, then profile, SSO, web identity, container, instance
metadata), fetched once at start and refreshed before they expire.

Answers of its own, with a JSON body {\"error\": ...}, nothing sent upstream:
400 for what cannot be signed (a query or header value that is not UTF-8) or
OPTIONS *, 405 for CONNECT, 403 for a browser request (an Origin not allowed
with --allow-origin), 421 for a Host it does not listen as (127.0.0.1,
localhost, --allow-host names: DNS rebinding), 408 for a body that pauses or
takes too long, 413 for a body over the function URL limit (6,291,456 bytes as
Lambda counts them; at once when Content-Length says so, even after
Expect: 100-continue); 502 when the upstream is unreachable, 504 on timeout. An upstream 403 passes through with x-lambda-url-signer-diagnosis.
Exit status: 0 after SIGTERM or Ctrl-C (in-flight requests finish first), 2 for
usage or configuration errors, 1 when it cannot listen.";

/// The command line of `lambda-url proxy`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The function URL to forward to (with --oac or --sign-host: the CloudFront distribution)
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// The signing region; needed unless the host (or the --sign-host) is
    /// <url-id>.lambda-url.<region>.on.aws or AWS_REGION or AWS_DEFAULT_REGION is set
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// The port on 127.0.0.1 (0: any free port)
    #[arg(long, value_name = "N", default_value_t = 0)]
    port: u16,
    /// CloudFront OAC: send only x-amz-content-sha256 and let CloudFront sign; needs no
    /// credentials
    #[arg(long)]
    oac: bool,
    /// OAC no-override: sign for HOST (the function URL host) while sending to --upstream
    #[arg(long, value_name = "HOST")]
    sign_host: Option<String>,
    /// Request bodies larger than this are spooled to a temporary file in $TMPDIR
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024)]
    spool_threshold: usize,
    /// Wait at most N seconds for the upstream's response head, else answer 504
    #[arg(
        long,
        value_name = "N",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    timeout_secs: u64,
    /// Client connections served at once; more wait to be accepted
    #[arg(
        long,
        value_name = "N",
        default_value_t = 512,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    max_connections: u32,
    /// Also answer requests whose Host is NAME (besides 127.0.0.1 and localhost); repeatable
    #[arg(long, value_name = "NAME")]
    allow_host: Vec<String>,
    /// Serve browser requests with this Origin (`*` for any); repeatable. Without it, a request
    /// carrying an Origin header is refused
    #[arg(long, value_name = "ORIGIN")]
    allow_origin: Vec<String>,
    #[command(flatten)]
    body_deadlines: BodyDeadlines,
    /// Request bodies held in memory at once take at most BYTES; past that they are spooled
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    body_memory_bytes: usize,
    /// After SIGTERM or Ctrl-C, wait at most N seconds for requests in flight, then close them
    #[arg(long, value_name = "N", default_value_t = 30)]
    shutdown_timeout_secs: u64,
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

/// Runs `lambda-url proxy`; the process's exit status.
pub fn main(args: Args) -> ExitCode {
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the runtime: {e}")))
        .and_then(|runtime| runtime.block_on(run(args, EnvRegion::from_env())));
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
fn log_line(value: &serde_json::Value) {
    let mut line = value.to_string();
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

async fn run(args: Args, env_region: Option<EnvRegion>) -> Result<(), Failure> {
    if args.oac && args.sign_host.is_some() {
        return Err(usage(
            "--oac and --sign-host exclude each other: with --oac CloudFront signs, with --sign-host the proxy does",
        ));
    }
    let (upstream, signer, mode) = if args.oac {
        (
            oac_upstream(&args.upstream, args.region.as_deref())?,
            None,
            "oac",
        )
    } else {
        let (url, region) = target::resolve(
            &args.upstream,
            args.region.as_deref(),
            args.sign_host.as_deref(),
            env_region.as_ref(),
        )
        .map_err(usage)?;
        let signer = signer(&region, args.sign_host.as_deref()).await?;
        let mode = if args.sign_host.is_some() {
            "sign-host"
        } else {
            "iam"
        };
        (url, Some(signer), mode)
    };
    let region = signer.as_ref().and_then(|s| s.region().map(str::to_owned));
    let proxy = Proxy::new(
        upstream,
        signer,
        Settings {
            bodies: spool::Limits::new(
                args.spool_threshold,
                args.body_deadlines.idle(),
                args.body_deadlines.total(),
                args.body_memory_bytes,
            ),
            timeout: Duration::from_secs(args.timeout_secs),
            via_cloudfront: args.oac || args.sign_host.is_some(),
        },
        Guard::new(args.allow_host, args.allow_origin),
    )
    .map_err(|e| usage(describe(&e)))?;
    let max_connections = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    server::serve(
        Arc::new(proxy),
        args.port,
        max_connections,
        Duration::from_secs(args.shutdown_timeout_secs),
        |addr, proxy| {
            serde_json::json!({
                "listen": format!("http://{addr}/"),
                "upstream": proxy.upstream().as_str(),
                "mode": mode,
                "region": region,
            })
        },
    )
    .await
    .map_err(Failure::Runtime)
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
