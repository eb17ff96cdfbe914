//! Integrations with HTTP client stacks: reqwest (plain and reqwest-middleware) and tower, and
//! what they share: the body size check, clock-skew correction and 403 diagnosis.

#[cfg(feature = "reqwest")]
mod client;
mod diagnosis;
mod limit;
mod skew;

#[cfg(feature = "middleware")]
mod reqwest;
#[cfg(feature = "tower")]
mod tower;

#[cfg(feature = "reqwest")]
pub use client::client_builder;
pub use diagnosis::Diagnosis;
pub use limit::PayloadLimit;
pub use skew::SkewCorrection;

#[cfg(feature = "middleware")]
pub use self::reqwest::{OacMiddleware, SigningMiddleware};
#[cfg(feature = "tower")]
pub use self::tower::{
    LayerError, OacFuture, OacLayer, OacService, SignableBody, SigningLayer, SigningResponseBody,
    SigningService,
};

pub(crate) use limit::{check_declared_length, refuse_body_on_get_or_head};
pub(crate) use skew::ClockOffset;
