//! The command line itself: `--help` for the tool and each subcommand (exit 0, on stdout),
//! usage errors (exit 2, clap's message on stderr, nothing on stdout).

use crate::support;
use std::process::Output;

/// Runs `lambda-url` with `args` and a cleared environment.
fn lambda_url(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp dir");
    support::clean_command(home.path())
        .args(args)
        .output()
        .expect("run lambda-url")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn every_subcommand_has_help_on_stdout_with_exit_0() {
    let cases: [(&str, &str, &[&str]); 3] = [
        (
            "invoke",
            "Usage: lambda-url invoke [OPTIONS] <URL>",
            &["--request", "--header", "--data", "--region", "--presign"],
        ),
        (
            "proxy",
            "Usage: lambda-url proxy [OPTIONS] --upstream <URL>",
            &[
                "--upstream",
                "--spool-threshold",
                "--timeout-secs",
                "--max-connections",
            ],
        ),
        (
            "emulator",
            "Usage: lambda-url emulator [OPTIONS] --region <REGION>",
            &["--region", "--port", "--cloudfront-port", "--tls", "--edge"],
        ),
    ];
    for (subcommand, usage, flags) in cases {
        for help in ["--help", "-h"] {
            let output = lambda_url(&[subcommand, help]);
            let text = stdout(&output);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{subcommand} {help}: {output:?}"
            );
            assert!(output.stderr.is_empty(), "{subcommand} {help}: {output:?}");
            assert!(text.contains(usage), "{subcommand} {help}: {text}");
            for flag in flags {
                assert!(text.contains(flag), "{flag} in {subcommand} {help}: {text}");
            }
            assert!(text.contains("Exit status"), "{subcommand} {help}: {text}");
        }
        // `lambda-url help <subcommand>` too.
        let output = lambda_url(&["help", subcommand]);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert!(stdout(&output).contains(usage), "{output:?}");
    }
}

#[test]
fn the_tool_lists_its_subcommands_and_its_version() {
    let output = lambda_url(&["--help"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("Usage: lambda-url <COMMAND>"), "{text}");
    for subcommand in ["invoke", "proxy", "emulator", "edge"] {
        assert!(
            text.contains(&format!("  {subcommand} ")),
            "{subcommand} in {text}"
        );
    }
    let output = lambda_url(&["--version"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        stdout(&output).trim(),
        format!("lambda-url {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2_with_a_message_on_stderr_and_nothing_on_stdout() {
    let cases: [(&[&str], &str); 5] = [
        (&[], "Usage: lambda-url <COMMAND>"),
        (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (
            &["invoke", "--no-such-flag", "http://127.0.0.1:9/"],
            "unexpected argument '--no-such-flag'",
        ),
        (
            &["proxy", "--port", "99999", "--upstream", "u"],
            "--port <N>",
        ),
        (
            &["emulator", "--tls"],
            "a value is required for '--tls <FILE>'",
        ),
    ];
    for (args, message) in cases {
        let output = lambda_url(args);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{args:?}: {output:?}");
        assert!(text.contains(message), "{message:?} in {text}");
        assert!(!text.contains("panicked"), "{text}");
    }
}
