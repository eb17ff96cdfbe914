//! `lambda-url emulator` run as a child process: its one JSON line, both endpoints, its exit
//! statuses.

use crate::support;
use std::io::{BufRead, BufReader};
use std::process::Command;
use std::time::{Duration, Instant};

/// Kills the child when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `lambda-url emulator` in a clean environment (see [`support::lambda_url`]).
fn emulator_command(home: &std::path::Path) -> Command {
    support::lambda_url("emulator", home)
}

/// Starts the emulator with `args` and the session test credentials; the child and its first
/// stdout line as JSON.
async fn start(home: &std::path::Path, args: &[&str]) -> (Child, serde_json::Value) {
    let mut child = Child(
        emulator_command(home)
            .args(args)
            .envs(support::session_env())
            .spawn()
            .expect("spawn lambda-url emulator"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(30), line)
        .await
        .expect("the emulator printed its line in time")
        .expect("join")
        .expect("read");
    let config = serde_json::from_str(line.trim()).expect("one JSON line");
    (child, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_prints_one_json_line_and_serves_both_endpoints() {
    let home = tempfile::tempdir().expect("temp dir");
    let (_child, config) = start(home.path(), &["--region", "eu-central-1"]).await;
    assert_eq!(config.as_object().map(|o| o.len()), Some(3), "{config}");
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
fn the_json_line_keeps_its_field_order() {
    // The line is written by hand in this order, which a JSON map would not keep: read the
    // raw text.
    let home = tempfile::tempdir().expect("temp dir");
    let mut child = Child(
        emulator_command(home.path())
            .args(["--region", "eu-central-1"])
            .envs(support::session_env())
            .spawn()
            .expect("spawn lambda-url emulator"),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let function_url = line.find("\"function_url\":").expect("function_url");
    let cloudfront = line.find("\"cloudfront\":").expect("cloudfront");
    let region = line.find("\"region\":\"eu-central-1\"").expect("region");
    assert!(function_url < cloudfront && cloudfront < region, "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_it_with_exit_0() {
    let home = tempfile::tempdir().expect("temp dir");
    let (mut child, _) = start(home.path(), &["--region", "eu-central-1"]).await;
    let status = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "still running");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn configuration_errors_exit_2_with_one_line() {
    let home = tempfile::tempdir().expect("temp dir");
    let cases: [(&[&str], bool, &str); 2] = [
        (&["--region", "eu-central-1"], false, "AWS_ACCESS_KEY_ID"),
        (&["--region", "EU Central"], true, "invalid region"),
    ];
    for (args, with_credentials, message) in cases {
        let mut command = emulator_command(home.path());
        command.args(args);
        if with_credentials {
            command.envs(support::session_env());
        }
        let output = command.output().expect("run lambda-url emulator");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with("lambda-url emulator: "), "{stderr}");
        assert!(stderr.contains(message), "{message:?} in {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains(support::SECRET_KEY));
    }
}

#[test]
fn bad_usage_exits_2_with_clap_s_message() {
    let home = tempfile::tempdir().expect("temp dir");
    let cases: [(&[&str], &str); 4] = [
        (&[], "--region <REGION>"),
        (&["--region"], "a value is required for '--region <REGION>'"),
        (
            &["--region", "eu-central-1", "--port", "http"],
            "invalid value 'http' for '--port <PORT>'",
        ),
        (
            &["--region", "eu-central-1", "--cloudfront-port", "70000"],
            "invalid value '70000' for '--cloudfront-port <PORT>'",
        ),
    ];
    for (args, message) in cases {
        let output = emulator_command(home.path())
            .args(args)
            .envs(support::session_env())
            .output()
            .expect("run lambda-url emulator");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(message), "{message:?} in {stderr}");
    }
}

#[test]
fn a_port_in_use_exits_1() {
    let home = tempfile::tempdir().expect("temp dir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let output = emulator_command(home.path())
        .args(["--region", "eu-central-1", "--port", &port])
        .envs(support::session_env())
        .output()
        .expect("run lambda-url emulator");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("lambda-url emulator: "), "{stderr}");
}
