//! The `emulator` and `demo` examples run as child processes.

use crate::support;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Kills the child when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn emulator_command() -> Command {
    let mut command = Command::new(support::example_binary("emulator"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_example_prints_one_json_line_and_serves_both_endpoints() {
    let mut child = Child(
        emulator_command()
            .args(["--region", "eu-central-1"])
            .env("AWS_ACCESS_KEY_ID", support::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", support::SECRET_KEY)
            .env("AWS_SESSION_TOKEN", support::SESSION_TOKEN)
            .spawn()
            .expect("spawn the emulator example"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(30), line)
        .await
        .expect("the example printed its line in time")
        .expect("join")
        .expect("read");
    let config: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON line");
    assert_eq!(config.as_object().map(|o| o.len()), Some(3), "{line}");
    assert_eq!(config["region"], "eu-central-1");
    let function_url = config["function_url"].as_str().expect("function_url");
    let cloudfront = config["cloudfront"].as_str().expect("cloudfront");
    assert!(function_url.starts_with("http://127.0.0.1:") && function_url.ends_with('/'));
    assert!(cloudfront.starts_with("http://127.0.0.1:") && cloudfront.ends_with('/'));

    let signed = support::iam_client()
        .post(function_url)
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let unsigned = reqwest::get(function_url).await.unwrap();
    assert_eq!(unsigned.status(), 403);
    // Any viewer Host is accepted by the distribution, and it signs for the origin.
    let via_cloudfront = reqwest::Client::new()
        .get(cloudfront)
        .header("host", "www.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(via_cloudfront.status(), 200);
}

#[test]
fn the_emulator_example_rejects_bad_usage_with_exit_2() {
    let cases: [(&[&str], bool); 4] = [
        (&[], true),
        (&["--region"], true),
        (&["--region", "eu-central-1", "--port", "http"], true),
        (&["--region", "eu-central-1"], false),
    ];
    for (args, with_credentials) in cases {
        let mut command = emulator_command();
        command.args(args);
        if with_credentials {
            command
                .env("AWS_ACCESS_KEY_ID", support::ACCESS_KEY)
                .env("AWS_SECRET_ACCESS_KEY", support::SECRET_KEY);
        }
        let output = command.output().expect("run the example");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains(support::SECRET_KEY));
    }
}

/// Runs the example `name` with `args` to completion; returns its stdout, after checking that
/// it succeeded.
fn run_to_end(name: &'static str, args: &[&str]) -> String {
    let output = Command::new(support::example_binary(name))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run the {name} example: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn the_demo_matches_every_row() {
    let stdout = run_to_end("demo", &[]);
    assert!(
        stdout.contains("all 7 rows match the expected results"),
        "{stdout}"
    );
    assert!(!stdout.contains("MISMATCH"));
    assert!(stdout.contains("aws lambda add-permission"));
}

#[test]
fn a_5_mb_file_streams_through_the_signing_middleware_in_bounded_memory() {
    let output = Command::new(support::example_binary("memory"))
        .arg("--stream")
        .stdin(Stdio::null())
        .output()
        .expect("run the memory example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("reply: 200 OK 5000000 bytes, iam"),
        "{stdout}"
    );
    let growth: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak heap growth: "))
        .and_then(|l| l.strip_suffix(" bytes"))
        .and_then(|n| n.parse().ok())
        .expect("a peak heap growth line");
    println!("streaming 5,000,000 bytes: peak heap growth {growth} bytes");
    assert!(growth < 2 * 1024 * 1024, "{growth} bytes");
}
