//! The body deadlines that `proxy` and `emulator` share: how long a client may pause inside a
//! request body, and how long the whole body may take, before the server answers 408.

use std::time::Duration;

/// `--body-idle-timeout-secs` and `--body-timeout-secs`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub(crate) struct BodyDeadlines {
    /// Answer 408 when a request body pauses longer than N seconds
    #[arg(
        long = "body-idle-timeout-secs",
        value_name = "N",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    idle_secs: u64,
    /// Answer 408 when a request body takes longer than N seconds in all
    #[arg(
        long = "body-timeout-secs",
        value_name = "N",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    total_secs: u64,
}

impl BodyDeadlines {
    /// The longest pause inside a body.
    pub(crate) fn idle(self) -> Duration {
        Duration::from_secs(self.idle_secs)
    }

    /// The longest a whole body may take.
    pub(crate) fn total(self) -> Duration {
        Duration::from_secs(self.total_secs)
    }
}
