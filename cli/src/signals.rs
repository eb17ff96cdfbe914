//! How `proxy` and `emulator` are told to stop: SIGTERM or Ctrl-C (SIGINT).

use tokio::signal::unix::{signal, Signal, SignalKind};

/// SIGTERM and SIGINT handlers, registered at once so that a signal arriving before the wait
/// is not lost.
pub struct Stop {
    term: Signal,
    interrupt: Signal,
}

impl Stop {
    /// Registers both handlers; the error is a message for the command line.
    pub fn register() -> Result<Stop, String> {
        let term =
            signal(SignalKind::terminate()).map_err(|e| format!("cannot handle SIGTERM: {e}"))?;
        let interrupt =
            signal(SignalKind::interrupt()).map_err(|e| format!("cannot handle SIGINT: {e}"))?;
        Ok(Stop { term, interrupt })
    }

    /// Waits for the first of the two; its name (`SIGTERM` or `SIGINT`).
    pub async fn wait(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}
