//! `lambda-url edge package`: the zip (read back with Python's zipfile), the deployment steps,
//! configs the handler refuses (no zip, no secret in the output), `--help`.

use crate::support;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's Lambda@Edge handler, which the binary embeds as its default.
const EDGE_HANDLER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../edge/index.mjs");
const SECRET: &str = "It's a Secret to Everybody";

/// `lambda-url edge <args>` in a cleared environment, with `PATH` replaced when given.
fn edge(home: &Path, args: &[&str], path: Option<&Path>) -> Output {
    let mut command = support::lambda_url("edge", home);
    command.args(args);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    command.output().expect("run lambda-url edge")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes `config` to `dir/name`; its path as text.
fn write_config(dir: &Path, name: &str, config: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, config).expect("write the config");
    path.to_str().expect("a UTF-8 temp path").to_owned()
}

fn github_config(scheme: &str) -> String {
    serde_json::json!({"routes": [
        {"path_prefix": "/github/", "verify": {"scheme": scheme, "secret": SECRET}},
        {"path_prefix": "/api/"}
    ]})
    .to_string()
}

/// The entries of the zip at `path` as Python's `zipfile` reads them (after checking every
/// CRC): name, bytes and Unix mode, in order.
fn read_zip(path: &Path) -> Vec<(String, Vec<u8>, u32)> {
    let script = r#"
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None, "bad CRC"
    print(json.dumps([
        [i.filename, z.read(i).hex(), i.external_attr >> 16, i.compress_type]
        for i in z.infolist()
    ]))
"#;
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .expect("run python3");
    assert!(output.status.success(), "python3: {}", text(&output.stderr));
    let entries: Vec<(String, String, u32, u32)> =
        serde_json::from_slice(&output.stdout).expect("python's JSON");
    entries
        .into_iter()
        .map(|(name, data, mode, method)| {
            assert_eq!(method, 0, "{name} is stored");
            let data = hex::decode(data).expect("hex");
            (name, data, mode)
        })
        .collect()
}

#[test]
fn package_writes_a_zip_with_the_handler_and_the_config_and_prints_the_steps() {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = github_config("github");
    let config_path = write_config(dir.path(), "config.json", &config);
    let out: PathBuf = dir.path().join("build-edge.zip");
    let output = edge(
        home.path(),
        &[
            "package",
            "--config",
            &config_path,
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));

    let handler = std::fs::read(EDGE_HANDLER).expect("edge/index.mjs");
    let entries = read_zip(&out);
    assert_eq!(
        entries,
        vec![
            ("index.mjs".to_owned(), handler, 0o100_644),
            ("config.json".to_owned(), config.into_bytes(), 0o100_644),
        ]
    );
    // The zip holds secrets: readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    for expected in [
        "origin-request",
        "\"IncludeBody\": true",
        "edgelambda.amazonaws.com",
        "lambda.amazonaws.com",
        "us-east-1",
        "--runtime nodejs22.x",
        "--handler index.handler",
        &format!("--zip-file fileb://{}", out.display()),
        "aws lambda create-function",
        "aws lambda publish-version",
        "create-origin-request-policy",
        "x-hub-signature-256",
        "stripe-signature",
        "x-slack-signature",
        "x-slack-request-timestamp",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "sts:AssumeRole",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in {stdout}");
    }
    assert!(!stdout.contains(SECRET), "{stdout}");
    // The trust policy, as printed between the heredoc markers, is JSON with both principals.
    let trust = stdout
        .split("cat > trust.json <<'JSON'\n")
        .nth(1)
        .and_then(|rest| rest.split("\nJSON\n").next())
        .expect("the trust policy");
    let trust: serde_json::Value = serde_json::from_str(trust).expect("trust policy JSON");
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        serde_json::json!(["lambda.amazonaws.com", "edgelambda.amazonaws.com"])
    );

    // Packaging again replaces the zip with the same bytes.
    let first = std::fs::read(&out).unwrap();
    let again = edge(
        home.path(),
        &[
            "package",
            "--config",
            &config_path,
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(std::fs::read(&out).unwrap(), first);
}

#[test]
fn package_takes_another_handler_with_handler() {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = write_config(dir.path(), "routes.json", "{\"routes\": []}");
    let handler = dir.path().join("custom.mjs");
    let source = "export const handler = async (event) => event.Records[0].cf.request;\n";
    std::fs::write(&handler, source).unwrap();
    let out = dir.path().join("edge.zip");
    let output = edge(
        home.path(),
        &[
            "package",
            "--config",
            &config_path,
            "--out",
            out.to_str().unwrap(),
            "--handler",
            handler.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let names: Vec<_> = read_zip(&out)
        .into_iter()
        .map(|(name, data, _)| (name, data))
        .collect();
    assert_eq!(
        names,
        vec![
            ("index.mjs".to_owned(), source.as_bytes().to_vec()),
            ("config.json".to_owned(), b"{\"routes\": []}".to_vec()),
        ]
    );
}

#[test]
fn a_config_the_handler_refuses_exits_2_writes_no_zip_and_never_shows_the_secret() {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let throwing = dir.path().join("throws.mjs");
    std::fs::write(&throwing, "throw new Error('cannot load');\n").unwrap();
    let no_handler = dir.path().join("no-handler.mjs");
    std::fs::write(&no_handler, "export const other = 1;\n").unwrap();
    let cases: [(&str, String, Option<&Path>, &str); 6] = [
        // An unknown scheme: the handler's own cold-start check says so, naming keys only.
        (
            "unknown-scheme.json",
            github_config("gitlab"),
            None,
            "routes[0].verify.scheme must be one of github, stripe, slack, standard-webhooks",
        ),
        // tolerance_secs on github, whose signature has no timestamp.
        (
            "tolerance.json",
            serde_json::json!({"routes": [{"path_prefix": "/github/", "verify":
                {"scheme": "github", "secret": SECRET, "tolerance_secs": 300}}]})
            .to_string(),
            None,
            "tolerance_secs",
        ),
        // Not JSON: only the position is reported, never the text around it.
        (
            "broken.json",
            format!("{{\"routes\": [{{\"path_prefix\": \"/g/\", \"verify\": {{\"secret\": \"{SECRET}\" \"x\"}}}}]}}"),
            None,
            "is not valid JSON (line 1, column",
        ),
        (
            "ok-but-throwing-handler.json",
            github_config("github"),
            Some(&throwing),
            "cannot load",
        ),
        (
            "ok-but-no-handler-export.json",
            github_config("github"),
            Some(&no_handler),
            "does not export a function named \"handler\"",
        ),
        (
            "ok-but-missing-handler.json",
            github_config("github"),
            Some(&dir.path().join("missing.mjs")),
            "cannot read the handler",
        ),
    ];
    for (name, config, handler, message) in cases {
        let config_path = write_config(dir.path(), name, &config);
        let out = dir.path().join(format!("{name}.zip"));
        let mut args = vec![
            "package".to_owned(),
            "--config".to_owned(),
            config_path,
            "--out".to_owned(),
            out.to_str().unwrap().to_owned(),
        ];
        if let Some(handler) = handler {
            args.extend(["--handler".to_owned(), handler.to_str().unwrap().to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = edge(home.path(), &args, None);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(output.stdout.is_empty(), "{name}: {}", text(&output.stdout));
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{name}: one line: {stderr}"
        );
        assert!(stderr.starts_with("lambda-url edge package: "), "{stderr}");
        assert!(stderr.contains(message), "{name}: {message:?} in {stderr}");
        assert!(!stderr.contains(SECRET), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(!out.exists(), "{name}: no zip");
    }
    // --out naming the config itself is refused before anything is written.
    let config_path = write_config(dir.path(), "same.json", &github_config("github"));
    let output = edge(
        home.path(),
        &["package", "--config", &config_path, "--out", &config_path],
        None,
    );
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        text(&output.stderr).contains("is an input file"),
        "{output:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&config_path).unwrap(),
        github_config("github")
    );
    // Nothing but the inputs was left in the directory (no temporary zip).
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".zip") || name.contains(".tmp"))
        .collect();
    left.sort();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn without_node_package_refuses_with_exit_2_and_writes_nothing() {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let empty_path = tempfile::tempdir().expect("an empty PATH");
    let config_path = write_config(dir.path(), "config.json", &github_config("github"));
    let out = dir.path().join("edge.zip");
    let output = edge(
        home.path(),
        &[
            "package",
            "--config",
            &config_path,
            "--out",
            out.to_str().unwrap(),
        ],
        Some(empty_path.path()),
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("node is not installed"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn an_unwritable_out_exits_1() {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = write_config(dir.path(), "config.json", &github_config("github"));
    let out = dir.path().join("no-such-dir").join("edge.zip");
    let output = edge(
        home.path(),
        &[
            "package",
            "--config",
            &config_path,
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        stderr.starts_with("lambda-url edge package: cannot write"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[test]
fn help_exits_0_and_usage_errors_exit_2() {
    let home = tempfile::tempdir().expect("temp dir");
    for (args, expected) in [
        (
            &["--help"][..],
            &["Usage: lambda-url edge <COMMAND>", "package"][..],
        ),
        (
            &["package", "--help"],
            &[
                "Usage: lambda-url edge package [OPTIONS] --config <FILE> --out <FILE>",
                "--handler <FILE>",
                "Exit status",
            ],
        ),
    ] {
        let output = edge(home.path(), args, None);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {output:?}");
        for expected in expected {
            assert!(stdout.contains(expected), "{expected:?} in {stdout}");
        }
    }
    for (args, message) in [
        (&[][..], "Usage: lambda-url edge <COMMAND>"),
        (&["package", "--out", "x.zip"], "--config <FILE>"),
        (&["package", "--config", "c.json"], "--out <FILE>"),
        (&["unpack"], "unrecognized subcommand 'unpack'"),
    ] {
        let output = edge(home.path(), args, None);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(stderr.contains(message), "{message:?} in {stderr}");
    }
}
