//! What the reqwest middleware and the tower layer share: clock-skew correction and reading
//! Lambda's error answers.

#[cfg(any(feature = "middleware", feature = "tower"))]
mod attempt;
mod diagnosis;
#[cfg(any(feature = "middleware", feature = "tower"))]
mod skew;

pub use diagnosis::Diagnosis;
#[cfg(any(feature = "middleware", feature = "tower"))]
pub use skew::SkewCorrection;

#[cfg(any(feature = "middleware", feature = "tower"))]
pub(crate) use attempt::{body_hash, AfterBody, AfterResponse, Attempt};
#[cfg(any(feature = "middleware", feature = "tower"))]
pub(crate) use diagnosis::error_type;
#[cfg(any(feature = "middleware", feature = "tower"))]
pub(crate) use skew::ClockOffset;
