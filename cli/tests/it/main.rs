//! The `lambda-url` binary's tests: every subcommand run as a child process
//! (`CARGO_BIN_EXE_lambda-url`), against the emulator on loopback.

mod support;

mod edge;
mod emulator;
mod invoke;
mod proxy;
mod usage;
