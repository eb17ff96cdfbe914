//! An offline AWS Lambda function URL (`AWS_IAM` or `NONE`) with an optional
//! CloudFront distribution using origin access control in front of it, on
//! 127.0.0.1, for testing SigV4 clients without an AWS account.
//!
//! This crate is the *judge* of `lambda-url-signer`'s client-side signing
//! code, so it does not depend on it (the compiler checks that): it has its
//! own canonicalization, HMAC, ARN parsing, policy evaluation and error
//! types, written from the published rules for how Lambda verifies function
//! URL requests. Use it under `[dev-dependencies]`:
//!
//! ```toml
//! [dev-dependencies]
//! lambda-url-emulator = { path = "emulator" } # or a version, once published
//! ```
//!
//! * [`Verifier`] is the pure SigV4 check, usable without any server.
//! * [`Emulator`] runs the function URL endpoint (and the CloudFront
//!   distribution), records every request it receives ([`ReceivedRequest`])
//!   and answers with Lambda's status codes, `x-amzn-ErrorType` headers and
//!   JSON bodies.
//! * [`ResourcePolicy`] evaluates the function's resource-based policy;
//!   `lambda_url_signer::permissions::cloudfront_permissions` writes the
//!   statements CloudFront OAC needs.
//!
//! # Choices where AWS behaviour is not published
//!
//! These are the emulator's choices; the strict one where there was a choice.
//!
//! * Order of checks: payload size, then authentication present, its form,
//!   the date's format, the credential scope (terminator, region, service,
//!   date), the clock window or presigned expiry, the access key, the
//!   session token, `x-amz-content-sha256` against the body, the signature,
//!   and last the policies.
//! * Bodies over the limit: 413 `RequestEntityTooLargeException` with
//!   `{"message":"Request must be smaller than <limit> bytes for the InvokeFunction operation"}`
//!   (the wording of Lambda's `Invoke` API). Bodies whose content type is not
//!   `text/*`, JSON, XML, JavaScript or form data count as their base64 size.
//! * Presigned URLs: `X-Amz-Expires` is required and at most 604,800;
//!   an expired URL gets 403 `AccessDeniedException` with
//!   `{"Message":"Request has expired"}`.
//! * An `Authorization` header together with presigned query parameters,
//!   two `Authorization` headers, or a missing or unsigned `x-amz-date`
//!   (a `Date` header is not accepted instead): 403
//!   `IncompleteSignatureException`.
//! * A session token sent with long-term credentials, or a missing or wrong
//!   one: 403 `UnrecognizedClientException`, like an unknown key.
//! * Callers in the function's account are allowed by an implicit identity
//!   policy unless the resource policy explicitly denies them; callers in
//!   other accounts and CloudFront need an `Allow` in the resource policy
//!   (for `lambda:InvokeFunctionUrl` and, unless
//!   [`EmulatorBuilder::require_invoke_function`] is off,
//!   `lambda:InvokeFunction`).
//! * The OAC principal counts only with a signed `x-amz-source-arn`.
//! * Caller ids (`AIDA…`, `AROA…:<session>`) are derived from the ARN.
//! * A handler that panics gives 502 `Internal Server Error`.
//! * Response header names go out in lowercase (hyper's choice); HTTP
//!   header names are case-insensitive.
//! * With [`EmulatorBuilder::tls`], both endpoints serve https only (TLS 1.2
//!   and 1.3, ALPN `http/1.1`) with a server certificate for `127.0.0.1`,
//!   `localhost` and `::1`, signed by a root generated at start and handed
//!   out by [`Emulator::root_certificate_pem`]; the certificates are valid
//!   from 1975 to 4096, so the clock offset does not matter. The CloudFront
//!   to function URL hop happens in process (no socket), so it has no TLS of
//!   its own: the function URL endpoint records what an https origin request
//!   carries.
//! * The function URL answers only for its own host
//!   ([`Emulator::function_host`], `127.0.0.1:<port>` unless
//!   [`EmulatorBuilder::function_host`] sets another, compared ASCII
//!   case-insensitively): a request whose `Host`, or absolute-form authority,
//!   names another host, or that has no `Host` or two, gets the answer Lambda
//!   gives for an unknown url-id, 403 `AccessDeniedException` with
//!   `{"Message":null}` ([`RejectionKind::UnknownFunctionUrl`]), before any
//!   other check; the function is not invoked. The request is still recorded.
//! * CloudFront's refusal of a viewer `GET` or `HEAD` with a body (published
//!   for custom origins) is emulated for the Lambda origin too: a body means a
//!   `Content-Length` other than zero or chunked transfer coding. The answer is
//!   403 with an HTML page of our own wording carrying CloudFront's markers
//!   (`403 ERROR`, `The request could not be satisfied.`), `x-cache: Error
//!   from cloudfront`, `via`, `x-amz-cf-id`, and no Lambda headers; nothing
//!   reaches the function URL.
//! * Header values are canonicalized as botocore does: leading and trailing
//!   whitespace removed and every inner run of whitespace replaced by one
//!   space. On the wire only space and horizontal tab can occur (hyper refuses
//!   other control bytes, and strips leading and trailing whitespace before the
//!   verifier sees the value); the [`Verifier`] also treats CR, LF, VT and FF as
//!   whitespace. A value signed with its tabs as given (aws-sigv4 collapses only
//!   spaces) is a signature mismatch, as on Lambda.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations, unreachable_pub, rust_2018_idioms)]

mod arn;
mod canonical;
mod clock;
mod cloudfront;
mod crypto;
mod edge;
mod error;
mod event;
mod identity;
mod policy;
mod server;
mod sigv4;
mod tls;
mod verify;

pub use cloudfront::{CloudFrontConfig, OacSigning};
pub use edge::{NodeTrigger, OriginRequestTrigger, TriggerFuture};
pub use error::EmulatorError;
pub use event::{HandlerResponse, InvokeEvent, StreamingResponse};
pub use identity::{CallerIdentity, EmulatorIdentity};
pub use policy::{PolicyError, ResourcePolicy};
pub use server::{
    AuthType, Emulator, EmulatorBuilder, ReceivedRequest, RequestOutcome, DEFAULT_MAX_PAYLOAD_BYTES,
};
pub use verify::{CanonicalParts, RawRequest, Rejection, RejectionKind, Verifier};

/// The README's code blocks, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
