//! An offline AWS Lambda function URL (`AWS_IAM` or `NONE`) with an optional
//! CloudFront distribution using origin access control in front of it, on
//! 127.0.0.1, for testing SigV4 clients without an AWS account.
//!
//! This module is the *judge* of the crate's client-side signing code, so it
//! shares nothing with it: it has its own canonicalization, HMAC, policy
//! evaluation and error types, written from the published rules for how
//! Lambda verifies function URL requests.
//!
//! * [`Verifier`] is the pure SigV4 check, usable without any server.
//! * [`Emulator`] runs the function URL endpoint (and the CloudFront
//!   distribution), records every request it receives ([`ReceivedRequest`])
//!   and answers with Lambda's status codes, `x-amzn-ErrorType` headers and
//!   JSON bodies.
//! * [`ResourcePolicy`] evaluates the function's resource-based policy;
//!   the [`cloudfront_permissions`](crate::cloudfront_permissions) helper
//!   writes the statements CloudFront OAC needs.
//!
//! # Choices where AWS behaviour is not published (also on `Emulator`)
//!
//! * Check order: size limit, authentication present, its form, date
//!   format, credential scope (terminator, region, service, date), clock,
//!   access key, session token, `x-amz-content-sha256`, signature, then
//!   policies.
//! * Bodies over the limit: 413 `RequestEntityTooLargeException`,
//!   `{"message":"Request must be smaller than <limit> bytes for the InvokeFunction operation"}`
//!   (the wording of Lambda's `Invoke` API error).
//! * Expired presigned URLs: 403 `AccessDeniedException`,
//!   `{"Message":"Request has expired"}`. `X-Amz-Expires` is required and at
//!   most 604,800 seconds (`IncompleteSignatureException` otherwise).
//! * Both an `Authorization` header and presigned query parameters:
//!   `IncompleteSignatureException`.
//! * `x-amz-date` is required (a `Date` header is not accepted instead).
//! * Caller ids (`AIDA…`, `AROA…:<session>`) are derived from the ARN.
//! * A handler that panics gives 502 `Internal Server Error`.

mod canonical;
mod clock;
mod cloudfront;
mod crypto;
mod error;
mod event;
mod identity;
mod policy;
mod server;
mod sigv4;
mod verify;

pub use cloudfront::{CloudFrontConfig, OacSigning};
pub use error::EmulatorError;
pub use event::{HandlerResponse, InvokeEvent};
pub use identity::{CallerIdentity, EmulatorIdentity};
pub use policy::{PolicyError, ResourcePolicy};
pub use server::{
    AuthType, Emulator, EmulatorBuilder, ReceivedRequest, RequestOutcome, DEFAULT_MAX_PAYLOAD_BYTES,
};
pub use verify::{CanonicalParts, RawRequest, Rejection, RejectionKind, Verifier};
