//! `lambda-url`: AWS Lambda function URLs (AuthType `AWS_IAM`) from the command line, built on
//! the public API of `lambda-url-signer` and `lambda-url-emulator`.
//!
//! - `lambda-url invoke`: an awscurl for function URLs ([`invoke`]).
//! - `lambda-url proxy`: a SigV4 signing sidecar on loopback ([`proxy`]).
//! - `lambda-url emulator`: the offline function URL and CloudFront OAC emulator ([`emulator`]).
//! - `lambda-url edge package`: the Lambda@Edge body hasher's deployment zip ([`edge`]).
//!
//! Arguments are parsed here with clap; a usage error exits with status 2 and `--help` with 0.

// Doc comments on the clap arguments are the `--help` text, where `<url-id>` and `argv[1]` are
// meant literally, not as HTML or links.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

mod deadlines;
mod describe;
mod edge;
mod emulator;
mod invoke;
mod proxy;
mod signals;
mod target;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Call AWS Lambda function URLs (AuthType AWS_IAM) with SigV4, sign for other programs, or
/// emulate a function URL and CloudFront OAC offline.
#[derive(Debug, Parser)]
#[command(name = "lambda-url", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Call a function URL with SigV4, like curl
    ///
    /// Signs the request with SigV4 (directly, or for another host with --sign-host), or sends
    /// it unsigned with x-amz-content-sha256 for CloudFront OAC (--oac), or prints a presigned
    /// URL (--presign). The response body goes to stdout unchanged; redirects are not
    /// followed.
    Invoke(invoke::Args),
    /// A SigV4 signing sidecar: plain HTTP in on 127.0.0.1, signed requests out
    ///
    /// Listens on 127.0.0.1, prints {"listen":"http://127.0.0.1:PORT/",...} on stdout, and
    /// forwards every request to --upstream, signed. The request's path and query are
    /// appended to the upstream's; Host becomes the upstream's host; hop-by-hop headers and
    /// any Authorization or x-amz-date/-security-token/-content-sha256 the client sent are
    /// replaced.
    Proxy(proxy::Args),
    /// Run the offline function URL emulator with a CloudFront OAC distribution in front
    ///
    /// Both listen on 127.0.0.1. The function URL accepts requests signed with the credentials
    /// in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and (optionally) AWS_SESSION_TOKEN, as
    /// arn:aws:iam::123456789012:user/local; its resource policy lets the emulated
    /// distribution invoke it, which signs every origin request (OAC "always") and accepts any
    /// viewer Host. Once both listen, one JSON line goes to stdout:
    /// {"function_url":"http://127.0.0.1:N/","cloudfront":"http://127.0.0.1:M/","region":"..."}
    /// With --edge FILE, a Lambda@Edge handler runs under node as the distribution's
    /// origin-request trigger.
    Emulator(emulator::Args),
    /// The Lambda@Edge body hasher for webhooks through CloudFront OAC
    ///
    /// `lambda-url edge package` validates a config with the handler (edge/index.mjs) under
    /// node, writes the deployment zip and prints the aws CLI deployment steps.
    Edge(edge::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Invoke(args) => invoke::main(args),
        Command::Proxy(args) => proxy::main(args),
        Command::Emulator(args) => emulator::main(args),
        Command::Edge(args) => edge::main(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn subcommands_parse_their_flags() {
        let cli = Cli::try_parse_from([
            "lambda-url",
            "emulator",
            "--region",
            "eu-central-1",
            "--port=8080",
            "--cloudfront-port",
            "0",
        ])
        .expect("valid");
        assert!(matches!(cli.command, Command::Emulator(_)));
        let cli = Cli::try_parse_from([
            "lambda-url",
            "edge",
            "package",
            "--config",
            "c.json",
            "--out=e.zip",
        ])
        .expect("valid");
        assert!(matches!(cli.command, Command::Edge(_)));
        for bad in [
            &["lambda-url", "emulator", "--port", "70000"][..],
            &["lambda-url", "emulator", "--region"],
            &["lambda-url", "emulator", "--region", "r", "--verbose"],
            &[
                "lambda-url",
                "proxy",
                "--upstream",
                "u",
                "--timeout-secs",
                "0",
            ],
            &[
                "lambda-url",
                "proxy",
                "--upstream",
                "u",
                "--max-connections=0",
            ],
            &["lambda-url", "invoke", "-d", "a", "-d", "b", "http://x/"],
            &["lambda-url"],
            &["lambda-url", "edge"],
            &["lambda-url", "edge", "package", "--config", "c.json"],
            &["lambda-url", "edge", "package", "--out", "e.zip"],
        ] {
            let error = Cli::try_parse_from(bad).expect_err("a usage error");
            assert_eq!(error.exit_code(), 2, "{bad:?}: {error}");
        }
    }
}
