//! `lambda-url edge`: the Lambda@Edge body hasher (`edge/index.mjs` of the repository), which
//! lets webhooks reach a function URL through CloudFront OAC.
//!
//! ```text
//! lambda-url edge package --config config.json --out edge.zip [--handler edge/index.mjs]
//! ```
//!
//! `package` checks the configuration with the handler's own cold-start validation (it imports
//! a copy of the handler, with the config beside it, under `node`), writes the deployment zip
//! (`index.mjs` and `config.json` at its root) and prints the deployment steps on stdout.
//!
//! The default handler is the `edge/index.mjs` this binary was built from, embedded through
//! the symbolic link `cli/src/edge/index.mjs` → `../../../edge/index.mjs` (rustc follows it
//! in a checkout, and `cargo package` stores the file's content, so the published crate
//! carries the handler too). A checkout without symbolic links (Windows with
//! `core.symlinks=false`) would embed the link's text instead: pass `--handler` there.

mod steps;
pub mod zip;

use crate::describe::one_line;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The handler this binary was built with: the repository's `edge/index.mjs`.
pub const EMBEDDED_HANDLER: &str = include_str!("index.mjs");

const PROGRAM: &str = "lambda-url edge package";
const EXIT_WRITE: u8 = 1;
const EXIT_INPUT: u8 = 2;
/// How long the handler may take to load under node before the check gives up.
const NODE_TIMEOUT: Duration = Duration::from_secs(30);

/// Imports the handler (argv[1]) the way Lambda does at cold start, and reports on stdout, as
/// one JSON line, `{"ok":true,"node":"vX"}` or `{"error":"<message>"}`. Anything the handler
/// prints is dropped (a handler could print its config).
const CHECK_SCRIPT: &str = r#"
import { pathToFileURL } from 'node:url';
// stdout carries the one report line: keep its writer and silence whatever the handler prints.
const write = process.stdout.write.bind(process.stdout);
for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace']) console[name] = () => {};
process.stdout.write = () => true;
const report = (message, code) => write(`${JSON.stringify(message)}\n`, () => process.exit(code));
try {
  const module = await import(pathToFileURL(process.argv[1]).href);
  if (typeof module.handler !== 'function') {
    throw new Error('the handler file does not export a function named "handler"');
  }
  report({ ok: true, node: process.version }, 0);
} catch (err) {
  report({ error: err instanceof Error ? err.message : String(err) }, 1);
}
"#;

const AFTER_HELP: &str = "\
The config is judged by the handler itself: node imports a copy of the handler with the
config beside it, exactly as Lambda@Edge does at cold start, so node (20 or later) must be
installed. Its message names keys and route indexes, never a secret.

Without --handler, the zip holds the edge/index.mjs this binary was built with.

Exit status: 0 when the zip is written (the deployment steps follow on stdout), 2 for usage
errors, an unreadable or invalid config or handler, or no node (nothing is written), 1 when
the zip cannot be written.";

/// The command line of `lambda-url edge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: EdgeCommand,
}

#[derive(Debug, clap::Subcommand)]
enum EdgeCommand {
    /// Build the Lambda@Edge deployment zip and print the deployment steps
    ///
    /// Validates the config with the handler's own cold-start check under node, writes a zip
    /// holding index.mjs and config.json at its root, and prints on stdout the aws CLI steps
    /// to deploy it: the execution role, the function in us-east-1, a numbered version, an
    /// origin request policy forwarding the signature headers, and the origin-request
    /// association with IncludeBody.
    Package(PackageArgs),
}

/// The command line of `lambda-url edge package`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct PackageArgs {
    /// The handler's configuration (routes and webhook secrets); stored as config.json
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Where to write the zip (replaced if it exists; written only when the config is valid)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The handler, stored as index.mjs (default: the edge/index.mjs embedded in this binary)
    #[arg(long, value_name = "FILE")]
    handler: Option<PathBuf>,
}

/// Runs `lambda-url edge`; the process's exit status.
pub fn main(args: Args) -> ExitCode {
    match args.command {
        EdgeCommand::Package(args) => match package(&args) {
            Ok(summary) => {
                print!("{}", steps::report(&summary));
                ExitCode::SUCCESS
            }
            Err((code, message)) => {
                eprintln!("{PROGRAM}: {}", one_line(&message));
                ExitCode::from(code)
            }
        },
    }
}

/// What was written, for the report.
pub struct Summary {
    pub out: PathBuf,
    pub zip_len: usize,
    pub handler: String,
    pub handler_len: usize,
    pub config_len: usize,
    pub node: String,
}

type Failure = (u8, String);

fn input_error(message: String) -> Failure {
    (EXIT_INPUT, message)
}

fn package(args: &PackageArgs) -> Result<Summary, Failure> {
    // `--out config.json` would replace the config (or the handler) with the zip.
    let out = std::fs::canonicalize(&args.out).ok();
    for input in std::iter::once(&args.config).chain(&args.handler) {
        if out.is_some() && std::fs::canonicalize(input).ok() == out {
            return Err(input_error(format!(
                "--out {} is an input file",
                args.out.display()
            )));
        }
    }
    let config = std::fs::read(&args.config).map_err(|error| {
        input_error(format!(
            "cannot read the config {}: {error}",
            args.config.display()
        ))
    })?;
    let (handler_name, handler) = match &args.handler {
        Some(path) => (
            path.display().to_string(),
            std::fs::read(path).map_err(|error| {
                input_error(format!(
                    "cannot read the handler {}: {error}",
                    path.display()
                ))
            })?,
        ),
        None => (
            "the embedded edge/index.mjs".to_owned(),
            EMBEDDED_HANDLER.as_bytes().to_vec(),
        ),
    };
    // Whatever the handler does with it, config.json must be JSON. Only the position is
    // reported: never a piece of the text, which holds secrets.
    if let Err(error) = serde_json::from_slice::<serde_json::Value>(&config) {
        return Err(input_error(format!(
            "the config {} is not valid JSON (line {}, column {})",
            args.config.display(),
            error.line(),
            error.column()
        )));
    }
    let node = check_with_node(&handler, &config).map_err(|error| match error {
        Check::Unavailable(message) => input_error(format!("{message}; nothing was written")),
        Check::Refused(message) => input_error(format!(
            "the handler ({handler_name}) refuses the config {}: {message}",
            args.config.display()
        )),
    })?;
    let zip = zip::stored(&[("index.mjs", &handler), ("config.json", &config)])
        .map_err(|error| input_error(format!("cannot build the zip: {error}")))?;
    write_atomically(&args.out, &zip).map_err(|error| {
        (
            EXIT_WRITE,
            format!("cannot write {}: {error}", args.out.display()),
        )
    })?;
    Ok(Summary {
        out: args.out.clone(),
        zip_len: zip.len(),
        handler: handler_name,
        handler_len: handler.len(),
        config_len: config.len(),
        node,
    })
}

/// Why [`check_with_node`] did not pass.
enum Check {
    /// The check could not run (no node, no temporary directory).
    Unavailable(String),
    /// The handler failed to load with this config: its message.
    Refused(String),
}

/// Imports a copy of the handler with the config beside it (a private temporary directory,
/// removed afterwards) under node; node's version, or why the handler failed to load.
fn check_with_node(handler: &[u8], config: &[u8]) -> Result<String, Check> {
    let unavailable = Check::Unavailable;
    let dir = tempfile::Builder::new()
        .prefix("lambda-url-edge-")
        .tempdir()
        .map_err(|error| unavailable(format!("cannot create a temporary directory: {error}")))?;
    let index = dir.path().join("index.mjs");
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.path().join(name), bytes)
            .map_err(|error| unavailable(format!("cannot write a temporary {name}: {error}")))
    };
    write("index.mjs", handler)?;
    write("config.json", config)?;
    let stdout_path = dir.path().join("check.out");
    let stdout = std::fs::File::create(&stdout_path)
        .map_err(|error| unavailable(format!("cannot create a temporary file: {error}")))?;
    let mut child = Command::new("node")
        .args(["--input-type=module", "-e", CHECK_SCRIPT, "--"])
        .arg(&index)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| {
            unavailable(match error.kind() {
                std::io::ErrorKind::NotFound => "node is not installed or not on PATH (the \
                     config is checked by the handler itself, under node 20 or later)"
                    .to_owned(),
                _ => format!("cannot run node: {error}"),
            })
        })?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > NODE_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Check::Refused(format!(
                    "it did not finish loading within {} s",
                    NODE_TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(unavailable(format!("cannot wait for node: {error}"))),
        }
    };
    let text = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let report: serde_json::Value = text
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or(serde_json::Value::Null);
    if let Some(message) = report["error"].as_str() {
        return Err(Check::Refused(message.to_owned()));
    }
    match (
        status.success(),
        report["ok"].as_bool(),
        report["node"].as_str(),
    ) {
        (true, Some(true), Some(version)) => Ok(version.to_owned()),
        _ => Err(Check::Refused(format!(
            "node exited ({status}) before the handler finished loading"
        ))),
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a reader
/// never sees half a zip, and a failure leaves no file behind. Readable by its owner only.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".lambda-url-edge-")
        .suffix(".zip.tmp")
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    // The zip keeps the temporary file's mode, 0600 on Unix: it holds the webhook secrets.
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_handler_is_the_repository_s() {
        assert!(EMBEDDED_HANDLER.contains("export const handler"));
        // In a checkout (not in the published crate), it is edge/index.mjs byte for byte.
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../edge/index.mjs");
        if let Ok(text) = std::fs::read_to_string(&source) {
            assert_eq!(text, EMBEDDED_HANDLER);
        }
    }
}
