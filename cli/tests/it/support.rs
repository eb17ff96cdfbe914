//! Helpers shared by the `lambda-url` tests: the binary in a clean environment, test
//! credentials and the emulator that accepts them, raw HTTP/1.1 on loopback, secret checks.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};

/// The `lambda-url` binary Cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_lambda-url");

/// `lambda-url` with a cleared environment: only `PATH`, `HOME` set to `home` (where no AWS
/// config or credentials file is), instance metadata disabled; no standard input, stdout and
/// stderr piped. Tests add the arguments and the variables they need (`Command::env`).
pub fn clean_command(home: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// `lambda-url <subcommand>` with a cleared environment (see [`clean_command`]).
pub fn lambda_url(subcommand: &str, home: &Path) -> Command {
    let mut command = clean_command(home);
    command.arg(subcommand);
    command
}

/// The variables with the session test credentials the test emulator accepts.
pub fn session_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN.to_owned()),
    ]
}

/// A client that signs with [`signer`].
pub fn iam_client() -> reqwest_middleware::ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(
        lambda_url_signer::reqwest::client_builder()
            .build()
            .expect("client"),
    )
    .with(lambda_url_signer::middleware::SigningMiddleware::new(
        signer(),
    ))
    .build()
}

#[path = "../../../tests/common/fixtures.rs"]
mod fixtures;
pub use fixtures::*;

#[path = "../../../tests/common/raw_http.rs"]
mod raw_http;
pub use raw_http::*;
