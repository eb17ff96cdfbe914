//! `lambda-url emulator`: the offline Lambda function URL emulator with a CloudFront OAC
//! distribution in front of it, for trying clients by hand.
//!
//! ```text
//! AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret \
//!   lambda-url emulator --region eu-central-1 [--port N] [--cloudfront-port M] [--tls FILE] \
//!     [--edge FILE] [--max-connections N] [--record-limit N] [--record-body-limit BYTES] \
//!     [--body-idle-timeout-secs N] [--body-timeout-secs N]
//! ```
//!
//! The limits are the emulator crate's (`EmulatorBuilder::max_connections`, `record_limit`,
//! `record_body_limit`, `body_idle_timeout`, `body_timeout`) with the same defaults: 512
//! connections per endpoint (more wait to be accepted), the last 1,000 requests recorded with
//! up to 1 MiB of body each, and 408 for a request body that pauses 10 s or takes 60 s in all.
//! Nothing reads the record from the command line; `--record-limit 0` turns it off.
//!
//! With `--tls FILE` both endpoints serve https with a certificate signed by a root generated
//! at start, whose PEM is written to `FILE` before the JSON line (pass it to
//! `lambda-url invoke --cacert FILE`, or `curl --cacert FILE`).
//!
//! The function URL accepts requests signed with the credentials from `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY` and (optionally) `AWS_SESSION_TOKEN`, as
//! `arn:aws:iam::123456789012:user/local`. The function's resource policy is what
//! `cloudfront_permissions` writes for the emulated distribution, which signs every origin
//! request (`always`) and accepts any viewer `Host`.
//!
//! With `--edge FILE`, the distribution runs `FILE`, a Node.js Lambda@Edge handler (an ES
//! module exporting `handler`, such as the repository's `edge/index.mjs`), as its
//! origin-request trigger with the body included, in one `node` process started before the
//! servers (see `lambda_url_emulator::NodeTrigger`). What the handler prints goes to stderr.
//!
//! Once both servers listen, exactly one JSON line goes to stdout (with `--edge`, an `"edge"`
//! field naming the handler file as given follows `region`):
//!
//! ```text
//! {"function_url":"http://127.0.0.1:N/","cloudfront":"http://127.0.0.1:M/","region":"eu-central-1"}
//! ```
//!
//! It then runs until Ctrl-C (or SIGTERM); closing stdin does not stop it. Usage errors print
//! one line on stderr and exit with status 2; a failure to start (a port in use, no `node`, an
//! edge handler that fails to load) prints one line and exits with status 1.

use crate::deadlines::BodyDeadlines;
use crate::signals::Stop;
use lambda_url_emulator::{
    CloudFrontConfig, Emulator, EmulatorError, EmulatorIdentity, NodeTrigger, OacSigning,
    ResourcePolicy,
};
use lambda_url_signer::permissions::cloudfront_permissions;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

const PROGRAM: &str = "lambda-url emulator";
const ACCOUNT: &str = "123456789012";
const CALLER_ARN: &str = "arn:aws:iam::123456789012:user/local";
const DISTRIBUTION_ARN: &str = "arn:aws:cloudfront::123456789012:distribution/EEMULATOR0LOCAL";
const EXIT_START: u8 = 1;
const EXIT_USAGE: u8 = 2;

const AFTER_HELP: &str = "\
Credentials: the caller the function URL accepts has the keys in AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN, if set); sign with the same ones.

With --edge FILE, node must be installed; the handler's console output goes to stderr.

Runs until Ctrl-C or SIGTERM. Exit status: 0 after a signal, 2 for usage errors
(one line on stderr), 1 when it cannot start (a port in use, no node, an edge handler that
fails to load).";

/// The command line of `lambda-url emulator`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The region of the emulated function URL (there is no default region)
    #[arg(long, value_name = "REGION")]
    region: String,
    /// The function URL's port on 127.0.0.1 (0: any free port)
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    port: u16,
    /// The CloudFront distribution's port on 127.0.0.1 (0: any free port)
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    cloudfront_port: u16,
    /// Serve https with a root generated at start, whose PEM is written to FILE before the
    /// JSON line (for `lambda-url invoke --cacert FILE` or `curl --cacert FILE`)
    #[arg(long, value_name = "FILE")]
    tls: Option<PathBuf>,
    /// Run FILE, a Node.js Lambda@Edge handler such as edge/index.mjs (with its config.json
    /// beside it), under node as the distribution's origin-request trigger, body included
    #[arg(long, value_name = "FILE")]
    edge: Option<PathBuf>,
    /// Connections each endpoint serves at once; more wait to be accepted
    #[arg(
        long,
        value_name = "N",
        default_value_t = 4096,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    max_connections: u32,
    /// Keep only the last N requests in the emulator's record (0: none)
    #[arg(long, value_name = "N", default_value_t = 1000)]
    record_limit: usize,
    /// Keep at most BYTES of each recorded request's body
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    record_body_limit: usize,
    #[command(flatten)]
    body_deadlines: BodyDeadlines,
}

/// Runs `lambda-url emulator`; the process's exit status.
pub fn main(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{PROGRAM}: cannot start the runtime: {error}");
            return ExitCode::from(EXIT_START);
        }
    };
    runtime.block_on(run(args))
}

fn valid_region(region: &str) -> bool {
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The caller identity from the standard AWS environment variables.
fn identity_from_env() -> Result<EmulatorIdentity, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) else {
        return Err(
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and optionally AWS_SESSION_TOKEN)"
                .to_owned(),
        );
    };
    let identity = EmulatorIdentity::new(key, secret, CALLER_ARN);
    Ok(match var("AWS_SESSION_TOKEN") {
        Some(token) => identity.with_session_token(token),
        None => identity,
    })
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("{PROGRAM}: {message} (see --help)");
    ExitCode::from(EXIT_USAGE)
}

async fn run(args: Args) -> ExitCode {
    let region = args.region;
    if !valid_region(&region) {
        return usage_error(&format!("invalid region {region:?}"));
    }
    let identity = match identity_from_env() {
        Ok(identity) => identity,
        Err(message) => return usage_error(&message),
    };

    let function_arn = format!("arn:aws:lambda:{region}:{ACCOUNT}:function:emulated");
    let policy = match cloudfront_permissions(&function_arn, DISTRIBUTION_ARN)
        .map(|p| p.policy_json())
        .map_err(|e| e.to_string())
        .and_then(|json| ResourcePolicy::from_json(&json).map_err(|e| e.to_string()))
    {
        Ok(policy) => policy,
        Err(message) => return usage_error(&message),
    };
    // The trigger first: a handler that cannot load stops the start before any port is taken.
    let trigger = match &args.edge {
        Some(path) => match NodeTrigger::start(path).await {
            Ok(trigger) => Some(trigger),
            Err(error) => {
                eprintln!("{PROGRAM}: {}", crate::describe::describe(&error));
                return ExitCode::from(EXIT_START);
            }
        },
        None => None,
    };
    let mut builder = Emulator::builder()
        .region(&region)
        .function_arn(&function_arn)
        .identity(identity)
        .resource_policy(policy)
        .cloudfront(CloudFrontConfig::new(DISTRIBUTION_ARN).signing(OacSigning::Always))
        .port(args.port)
        .cloudfront_port(args.cloudfront_port)
        .tls(args.tls.is_some())
        .max_connections(usize::try_from(args.max_connections).unwrap_or(usize::MAX))
        .record_limit(args.record_limit)
        .record_body_limit(args.record_body_limit)
        .body_idle_timeout(args.body_deadlines.idle())
        .body_timeout(args.body_deadlines.total());
    if let Some(trigger) = trigger {
        builder = builder.origin_request_trigger(trigger);
    }
    let started = builder.start().await;
    let emulator = match started {
        Ok(emulator) => emulator,
        Err(error @ (EmulatorError::MissingRegion | EmulatorError::InvalidRegion { .. })) => {
            return usage_error(&error.to_string());
        }
        Err(error) => {
            eprintln!("{PROGRAM}: {}", crate::describe::describe(&error));
            return ExitCode::from(EXIT_START);
        }
    };

    if let (Some(path), Some(root)) = (&args.tls, emulator.root_certificate_pem()) {
        if let Err(error) = std::fs::write(path, root) {
            eprintln!(
                "{PROGRAM}: cannot write the root certificate to {}: {error}",
                path.display()
            );
            return ExitCode::from(EXIT_START);
        }
    }
    // Before the line: whoever reads it may signal at once.
    let stop = Stop::register();

    // In this order, whatever a JSON map would do with it.
    let json = |text: &str| serde_json::Value::from(text).to_string();
    let mut line = format!(
        "{{\"function_url\":{},\"cloudfront\":{},\"region\":{}",
        json(emulator.function_url()),
        json(emulator.cloudfront_url().unwrap_or_default()),
        json(emulator.region()),
    );
    if let Some(path) = &args.edge {
        line.push_str(&format!(",\"edge\":{}", json(&path.to_string_lossy())));
    }
    line.push('}');
    {
        let mut stdout = std::io::stdout().lock();
        // Nobody may read stdout; keep serving anyway.
        let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
    }
    eprintln!("{PROGRAM}: listening (Ctrl-C to stop)");

    match stop {
        Ok(mut stop) => {
            stop.wait().await;
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    emulator.shutdown().await;
    ExitCode::SUCCESS
}
