//! Integrations with HTTP client stacks: reqwest (plain and reqwest-middleware), and what they
//! share: the body size check, clock-skew correction and 403 diagnosis.

mod client;
mod diagnosis;
mod limit;
mod skew;

#[cfg(feature = "middleware")]
mod reqwest;

pub use client::client_builder;
pub use diagnosis::Diagnosis;
pub use limit::PayloadLimit;
pub use skew::SkewCorrection;

#[cfg(feature = "middleware")]
pub use self::reqwest::{OacMiddleware, SigningMiddleware};

pub(crate) use skew::ClockOffset;
