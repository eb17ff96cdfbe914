//! What the reqwest middleware and the tower layer share: clock-skew correction and reading
//! Lambda's error answers.

mod attempt;
mod diagnosis;
mod skew;

pub use diagnosis::Diagnosis;
pub use skew::SkewCorrection;

pub(crate) use attempt::{body_hash, AfterBody, AfterResponse, Attempt};
pub(crate) use diagnosis::error_type;
pub(crate) use skew::ClockOffset;
