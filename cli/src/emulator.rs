//! Runs the offline Lambda function URL emulator with a CloudFront OAC
//! distribution in front of it, for trying clients by hand.
//!
//! ```text
//! AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret \
//!   cargo run --example emulator --all-features -- --region eu-central-1 [--port N] [--cloudfront-port M] [--tls FILE]
//! ```
//!
//! With `--tls FILE` both endpoints serve https with a certificate signed by a
//! root generated at start, whose PEM is written to `FILE` before the JSON line
//! (pass it to `invoke --cacert FILE`, or `curl --cacert FILE`).
//!
//! The function URL accepts requests signed with the credentials from
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and (optionally)
//! `AWS_SESSION_TOKEN`, as `arn:aws:iam::123456789012:user/local`. The
//! function's resource policy is what `cloudfront_permissions` writes for the
//! emulated distribution, which signs every origin request (`always`) and
//! accepts any viewer `Host`.
//!
//! Once both servers listen, exactly one JSON line goes to stdout:
//!
//! ```text
//! {"function_url":"http://127.0.0.1:N/","cloudfront":"http://127.0.0.1:M/","region":"eu-central-1"}
//! ```
//!
//! It then runs until Ctrl-C (or SIGTERM); closing stdin does not stop it.
//! Usage errors print one line on stderr and exit with status 2; a failure
//! to start (a port in use) exits with status 1.

use std::io::Write as _;
use std::process::ExitCode;

use lambda_url_signer::permissions::cloudfront_permissions;
use lambda_url_emulator::{
    CloudFrontConfig, Emulator, EmulatorError, EmulatorIdentity, OacSigning, ResourcePolicy,
};

const ACCOUNT: &str = "123456789012";
const CALLER_ARN: &str = "arn:aws:iam::123456789012:user/local";
const DISTRIBUTION_ARN: &str = "arn:aws:cloudfront::123456789012:distribution/EEMULATOR0LOCAL";
const USAGE: &str = "usage: emulator --region <region> [--port <port>] [--cloudfront-port <port>] [--tls <root.pem>] (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN)";

/// What the command line asked for.
#[derive(Debug, Default)]
struct Options {
    region: Option<String>,
    port: u16,
    cloudfront_port: u16,
    tls: Option<std::path::PathBuf>,
}

/// Parses `--name value` and `--name=value` arguments by hand.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        if !matches!(
            name.as_str(),
            "--region" | "--port" | "--cloudfront-port" | "--tls"
        ) {
            return Err(format!("unknown argument {arg:?}"));
        }
        let value = match inline.or_else(|| args.next()) {
            Some(value) => value,
            None => return Err(format!("{name} needs a value")),
        };
        match name.as_str() {
            "--region" => options.region = Some(value),
            "--port" => options.port = parse_port(&name, &value)?,
            "--tls" => options.tls = Some(value.into()),
            _ => options.cloudfront_port = parse_port(&name, &value)?,
        }
    }
    Ok(Some(options))
}

fn parse_port(name: &str, value: &str) -> Result<u16, String> {
    value
        .parse::<u16>()
        .map_err(|_| format!("{name} must be a port number from 0 to 65535, not {value:?}"))
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

/// A JSON string literal (the values here are plain ASCII, but be exact).
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("emulator: {message}; {USAGE}");
    ExitCode::from(2)
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => return usage_error(&message),
    };
    let Some(region) = options.region else {
        return usage_error("--region is required (there is no default region)");
    };
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
    let started = Emulator::builder()
        .region(&region)
        .function_arn(&function_arn)
        .identity(identity)
        .resource_policy(policy)
        .cloudfront(CloudFrontConfig::new(DISTRIBUTION_ARN).signing(OacSigning::Always))
        .port(options.port)
        .cloudfront_port(options.cloudfront_port)
        .tls(options.tls.is_some())
        .start()
        .await;
    let emulator = match started {
        Ok(emulator) => emulator,
        Err(error @ (EmulatorError::MissingRegion | EmulatorError::InvalidRegion { .. })) => {
            return usage_error(&error.to_string());
        }
        Err(error) => {
            let cause = std::error::Error::source(&error)
                .map(|source| format!(": {source}"))
                .unwrap_or_default();
            eprintln!("emulator: {error}{cause}");
            return ExitCode::from(1);
        }
    };

    if let (Some(path), Some(root)) = (&options.tls, emulator.root_certificate_pem()) {
        if let Err(error) = std::fs::write(path, root) {
            eprintln!("emulator: cannot write the root certificate to {path:?}: {error}");
            return ExitCode::from(1);
        }
    }

    let cloudfront = emulator.cloudfront_url().unwrap_or_default();
    let line = format!(
        "{{\"function_url\":{},\"cloudfront\":{},\"region\":{}}}",
        json_string(emulator.function_url()),
        json_string(cloudfront),
        json_string(emulator.region()),
    );
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        // Nobody reads stdout; keep serving anyway.
    }
    drop(stdout);
    eprintln!("emulator: listening (Ctrl-C to stop)");

    wait_for_stop().await;
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Option<Options>, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_arguments() {
        let o = args(&[
            "--region",
            "eu-central-1",
            "--port=8080",
            "--cloudfront-port",
            "0",
        ])
        .expect("valid")
        .expect("not help");
        assert_eq!(o.region.as_deref(), Some("eu-central-1"));
        assert_eq!((o.port, o.cloudfront_port), (8080, 0));
        assert!(args(&["--help"]).expect("help").is_none());
        assert!(args(&["--port", "70000"]).is_err());
        assert!(args(&["--port"]).is_err());
        assert!(args(&["--verbose"]).is_err());
    }
}
