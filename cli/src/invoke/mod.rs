//! `lambda-url invoke`: an awscurl for Lambda function URLs.
//!
//! ```text
//! lambda-url invoke [OPTIONS] <URL>
//! ```
//!
//! Signs the request with SigV4 (directly, or for another host with `--sign-host`), or sends it
//! unsigned with `x-amz-content-sha256` for CloudFront OAC (`--oac`), or prints a presigned URL
//! (`--presign`). The response body goes to stdout unchanged.
//!
//! Exit status: 0 for 2xx/3xx, 22 for an HTTP status of 400 or more (as `curl --fail`), 2 for a
//! usage or configuration error (nothing is sent), 1 for a transport error.

mod client;
mod input;
mod send;
mod verbose;

use crate::describe::{describe, one_line};
use crate::target::{self, EnvRegion};
use http::Method;
use lambda_url_signer::middleware::{OacMiddleware, SigningMiddleware};
use lambda_url_signer::{PayloadHash, Signer};
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const PROGRAM: &str = "lambda-url invoke";
const EXIT_TRANSPORT: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_HTTP_ERROR: u8 = 22;

const AFTER_HELP: &str = "\
Region: --region, else the one in the host (or the --sign-host), else AWS_REGION,
else AWS_DEFAULT_REGION; with none of these, nothing is sent (exit 2).

Credentials: the default AWS chain (environment variables, profile, SSO, web
identity, container, instance metadata).

The response body goes to stdout unchanged; redirects are not followed.
Exit status: 0 for 2xx/3xx, 22 for HTTP 400 or more (the body is still printed
and a diagnosis goes to stderr), 2 for usage or configuration errors (nothing
is sent), 1 for transport errors.";

/// The command line of `lambda-url invoke`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// HTTP method (default GET, or POST when a body is given)
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    /// Send this header as given (repeatable)
    #[arg(
        short = 'H',
        long = "header",
        value_name = "'Name: value'",
        allow_hyphen_values = true,
        value_parser = clap::value_parser!(OsString)
    )]
    headers: Vec<OsString>,
    /// The body, sent byte for byte with nothing added; @FILE reads a file, @- reads standard
    /// input
    #[arg(
        short = 'd',
        long = "data",
        value_name = "DATA",
        allow_hyphen_values = true,
        value_parser = clap::value_parser!(OsString)
    )]
    data: Option<OsString>,
    /// The signing region; needed unless the host is <url-id>.lambda-url.<region>.on.aws
    /// (CloudFront, custom domains, a local emulator) or AWS_REGION or AWS_DEFAULT_REGION is
    /// set
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// CloudFront OAC: send unsigned with x-amz-content-sha256 (CloudFront signs); needs no
    /// credentials and no region
    #[arg(long)]
    oac: bool,
    /// OAC no-override: sign for HOST (the function URL host), send to URL; the region comes
    /// from HOST, else --region
    #[arg(long, value_name = "HOST")]
    sign_host: Option<String>,
    /// Print a presigned URL (1 to 604800 seconds) instead of sending; the body's hash is
    /// signed, so send that exact body with it; -H headers are not part of the URL
    #[arg(long, value_name = "SECONDS")]
    presign: Option<u64>,
    /// Credentials from this profile (default: the default chain, environment variables
    /// first)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Retry transient failures (5xx, 408, 429, connection errors) up to N times, waiting
    /// 1 s, 2 s, 4 s ... (at most 30 s); every attempt is signed afresh
    #[arg(long, value_name = "N")]
    retries: Option<u32>,
    /// For https, trust only the PEM root certificate(s) in FILE (e.g. the emulator's), as
    /// curl --cacert
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Print the status line and response headers first
    #[arg(short, long)]
    include: bool,
    /// Print the request, the canonical request, the string to sign and the response headers
    /// to stderr (never the secret key, the session token or the signature)
    #[arg(short, long)]
    verbose: bool,
    /// The function URL (or a CloudFront, custom domain or emulator URL)
    #[arg(value_name = "URL")]
    url: String,
}

/// Why `invoke` stopped without an HTTP answer.
#[derive(Debug)]
enum Failure {
    /// Bad arguments; nothing was sent. Exit 2.
    Usage(String),
    /// Bad configuration (URL, region, credentials, body, expiry); nothing was sent. Exit 2.
    Config(String),
    /// The request could not be sent or the response not read. Exit 1.
    Transport(String),
    /// Writing to stdout failed (a closed pipe). Exit 1, quietly.
    Output,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

fn config(message: impl Into<String>) -> Failure {
    Failure::Config(message.into())
}

/// Runs `lambda-url invoke`; the process's exit status.
pub fn main(args: Args) -> ExitCode {
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Transport(format!("cannot start the runtime: {e}")))
        .and_then(|runtime| runtime.block_on(run(args, EnvRegion::from_env())));
    match result {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            complain(&format!("{message} (see --help)"));
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Config(message)) => {
            complain(&message);
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Transport(message)) => {
            complain(&message);
            ExitCode::from(EXIT_TRANSPORT)
        }
        Err(Failure::Output) => ExitCode::from(EXIT_TRANSPORT),
    }
}

/// Writes `lambda-url invoke: <message>` to stderr on one line; a closed stderr is ignored
/// (never a panic).
fn complain(message: &str) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "{PROGRAM}: {}", one_line(message));
}

async fn run(args: Args, env_region: Option<EnvRegion>) -> Result<ExitCode, Failure> {
    if args.oac && args.sign_host.is_some() {
        return Err(usage("--oac and --sign-host exclude each other: with --oac CloudFront signs, with --sign-host you do"));
    }
    if args.oac && args.presign.is_some() {
        return Err(usage(
            "--oac and --presign exclude each other: a presigned URL needs credentials",
        ));
    }
    let body = args.data.as_deref().map(input::read_body).transpose()?;
    let method = match &args.method {
        Some(method) => Method::from_bytes(method.as_bytes())
            .map_err(|_| usage(format!("`{method}` is not an HTTP method")))?,
        None if body.is_some() => Method::POST,
        None => Method::GET,
    };
    let headers = input::parse_headers(&args.headers)?;
    let raw_url = args.url.as_str();

    if args.oac {
        let url = reqwest::Url::parse(raw_url)
            .map_err(|e| config(format!("invalid url `{raw_url}`: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(config(format!(
                "invalid url `{raw_url}`: the scheme must be http or https"
            )));
        }
        let mut client = client::builder(&args)?.with(OacMiddleware::new());
        if args.verbose {
            client = client.with(verbose::Verbose::new(None));
        }
        let client = client.build();
        return send::send(&client, method, url.as_str(), headers, body, &args).await;
    }

    let (url, region) = target::resolve(
        raw_url,
        args.region.as_deref(),
        args.sign_host.as_deref(),
        env_region.as_ref(),
    )
    .map_err(config)?;
    let cache = client::credentials(args.profile.as_deref(), &region).await;
    // Fetch before anything else, so that nothing is sent (or presigned) without credentials.
    let credentials = cache
        .credentials()
        .await
        .map_err(|e| config(format!("no credentials: {}", describe(&e))))?;
    let mut builder = Signer::builder()
        .region(region.as_str())
        .credentials_cache(cache.clone());
    if let Some(host) = &args.sign_host {
        builder = builder.sign_host(host.as_str());
    }
    let signer = builder.build().map_err(|e| config(describe(&e)))?;
    if args.verbose {
        verbose::trace(&format!(
            "* signing for region {region}, service lambda, host {}, access key {}{}\n",
            signer.sign_host().unwrap_or(url.host()),
            credentials.access_key_id(),
            if credentials.session_token().is_some() {
                " (with a session token)"
            } else {
                ""
            },
        ));
    }

    if let Some(seconds) = args.presign {
        let hash = PayloadHash::of(body.as_deref().unwrap_or_default());
        let presigned = signer
            .presign(&method, &url, &hash, Duration::from_secs(seconds))
            .await
            .map_err(|e| config(describe(&e)))?;
        if args.verbose {
            verbose::trace(&format!(
                "* presigned {method} for {seconds} s with payload hash {hash}\n"
            ));
        }
        let mut stdout = io::stdout().lock();
        stdout
            .write_all(presigned.as_str().as_bytes())
            .and_then(|()| stdout.write_all(b"\n"))
            .and_then(|()| stdout.flush())
            .map_err(|_| Failure::Output)?;
        return Ok(ExitCode::SUCCESS);
    }

    let mut client = client::builder(&args)?.with(SigningMiddleware::new(signer.clone()));
    if args.verbose {
        client = client.with(verbose::Verbose::new(Some((signer, cache))));
    }
    let client = client.build();
    send::send(&client, method, url.as_str(), headers, body, &args).await
}
