//! A Node.js handler file as an origin-request trigger, in one long-lived node process.

use super::{OriginRequestTrigger, TriggerFuture};
use crate::EmulatorError;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::Mutex;

/// The runner node executes: it imports the handler, then answers one JSON line per event.
const RUNNER: &str = include_str!("runner.mjs");

/// Runs a Node.js Lambda@Edge handler file (an ES module exporting `handler`) as an
/// origin-request trigger, in one node process started by [`NodeTrigger::start`] and kept for
/// the trigger's life (killed when it is dropped). Events are handled one at a time.
///
/// ```no_run
/// use lambda_url_emulator::{CloudFrontConfig, Emulator, NodeTrigger};
///
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let trigger = NodeTrigger::start("edge/index.mjs").await?;
/// let emulator = Emulator::builder()
///     .region("eu-central-1")
///     .cloudfront(CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/E1"))
///     .origin_request_trigger(trigger)
///     .start()
///     .await?;
/// # let _ = emulator; Ok(()) }
/// ```
#[derive(Debug)]
pub struct NodeTrigger {
    io: Mutex<Io>,
    _runner_dir: RunnerFile,
}

#[derive(Debug)]
struct Io {
    _child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    next_id: u64,
}

/// The runner script written to a temporary file, removed on drop.
#[derive(Debug)]
struct RunnerFile(PathBuf);

impl Drop for RunnerFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl NodeTrigger {
    /// Starts `node` with the handler file and waits until it has loaded.
    ///
    /// # Errors
    ///
    /// [`EmulatorError::Node`] when node is not installed, or the handler cannot be loaded
    /// (a syntax error, a missing `handler` export, a config that fails at import).
    pub async fn start(handler: impl AsRef<Path>) -> Result<Self, EmulatorError> {
        let handler = handler.as_ref();
        let failed = |reason: String| EmulatorError::Node {
            handler: handler.display().to_string(),
            reason,
        };
        let absolute = std::path::absolute(handler).map_err(|e| failed(e.to_string()))?;
        let runner = RunnerFile(std::env::temp_dir().join(format!(
            "lambda-url-emulator-runner-{}-{}.mjs",
            std::process::id(),
            unique()
        )));
        std::fs::write(&runner.0, RUNNER).map_err(|e| failed(e.to_string()))?;
        let mut child = tokio::process::Command::new("node")
            .arg(&runner.0)
            .arg(&absolute)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    failed("node is not installed or not on PATH".to_owned())
                }
                _ => failed(e.to_string()),
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(failed("no pipes to node".to_owned()));
        };
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next_line().await.map_err(|e| failed(e.to_string()))?;
        let first: Value = first
            .as_deref()
            .and_then(|line| serde_json::from_str(line).ok())
            .unwrap_or(Value::Null);
        if first["ready"] != json!(true) {
            let reason = first["fatal"]
                .as_str()
                .unwrap_or("node exited before loading the handler");
            return Err(failed(reason.to_owned()));
        }
        Ok(NodeTrigger {
            io: Mutex::new(Io {
                _child: child,
                stdin,
                lines,
                next_id: 0,
            }),
            _runner_dir: runner,
        })
    }

    async fn invoke(&self, event: Value) -> Result<Value, String> {
        let mut io = self.io.lock().await;
        io.next_id += 1;
        let id = io.next_id;
        let mut line = json!({"id": id, "event": event}).to_string();
        line.push('\n');
        io.stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| format!("writing to node failed: {e}"))?;
        io.stdin
            .flush()
            .await
            .map_err(|e| format!("writing to node failed: {e}"))?;
        let reply = io
            .lines
            .next_line()
            .await
            .map_err(|e| format!("reading from node failed: {e}"))?
            .ok_or_else(|| "node exited".to_owned())?;
        let mut reply: Value =
            serde_json::from_str(&reply).map_err(|_| "node answered with no json".to_owned())?;
        if reply["id"] != json!(id) {
            return Err("node answered another request".to_owned());
        }
        if let Some(error) = reply["error"].as_str() {
            return Err(format!("the handler failed: {error}"));
        }
        Ok(reply["result"].take())
    }
}

impl OriginRequestTrigger for NodeTrigger {
    fn call(&self, event: Value) -> TriggerFuture<'_> {
        Box::pin(self.invoke(event))
    }
}

/// A number not used before in this process, for the runner's file name.
fn unique() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
