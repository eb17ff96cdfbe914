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
//!   distribution), records the last requests it receives ([`ReceivedRequest`],
//!   see [`Emulator::received`]) and answers with Lambda's status codes,
//!   `x-amzn-ErrorType` headers and JSON bodies.
//!
//! # Limits
//!
//! The emulator is meant for tests, but it is a server on a socket, so what a client can make
//! it hold is bounded. Each setting is on [`EmulatorBuilder`] (and a `lambda-url emulator`
//! flag):
//!
//! | setting | default | what it bounds |
//! |---|---|---|
//! | [`record_limit`](EmulatorBuilder::record_limit) | 1,000 ([`DEFAULT_RECORD_LIMIT`]) | requests kept by [`Emulator::received`]: a ring, the oldest pushed out first |
//! | [`record_body_limit`](EmulatorBuilder::record_body_limit) | 1 MiB ([`DEFAULT_RECORD_BODY_LIMIT`]) | body bytes kept per record ([`ReceivedRequest::body_len`] has the whole length) |
//! | [`max_connections`](EmulatorBuilder::max_connections) | 4,096 per endpoint ([`DEFAULT_MAX_CONNECTIONS`]) | connections served at once, an idle kept-alive one included; more wait in the backlog |
//! | [`body_idle_timeout`](EmulatorBuilder::body_idle_timeout) | 10 s ([`DEFAULT_BODY_IDLE_TIMEOUT`]) | the pause between two pieces of a body, else 408 |
//! | [`body_timeout`](EmulatorBuilder::body_timeout) | 60 s ([`DEFAULT_BODY_TIMEOUT`]) | a whole body, else 408 |
//! | [`max_payload_bytes`](EmulatorBuilder::max_payload_bytes) | 6,291,456 ([`DEFAULT_MAX_PAYLOAD_BYTES`]) | a body held while a request is judged, else 413 |
//!
//! A request head (and, on a kept-alive connection, the wait for the next one) has 30 seconds
//! (hyper's header read timeout), after which the connection is closed without an answer. At
//! the defaults the record holds at most about 1,000 × (1 MiB + the head), and the requests in
//! flight at most 512 × 6 MB per endpoint: lower the limits for long runs.
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
//! * A presigned URL that gives one of its authentication parameters
//!   (`X-Amz-Algorithm`, `-Credential`, `-Date`, `-Expires`, `-SignedHeaders`,
//!   `-Signature`, `-Security-Token`; names compared exactly) more than once,
//!   such as a second `X-Amz-Signature=junk` after a valid one: 403
//!   `IncompleteSignatureException` with
//!   `{"message":"The query parameter 'X-Amz-Signature' must be given only once."}`,
//!   before any other check of its form. The reference says nothing about
//!   repeated presign parameters; which copy would count is a guess, so none
//!   does (the [`Verifier`] refuses it too).
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
//! * One effective host per request: the authority of an absolute-form request
//!   target (`POST http://127.0.0.1:PORT/ HTTP/1.1`), whose `Host` is then
//!   ignored as RFC 9112 §3.2.2 requires of a server, else the `Host` header.
//!   Exactly one `Host` line is required in either form (RFC 9112 §3.2). That
//!   host is what the host check compares, what the signature's `host` is
//!   computed over, and what the function sees (`headers.host`,
//!   `requestContext.domainName`); only the record keeps `Host` as received.
//!   The reference says nothing about absolute-form targets.
//! * The function URL answers only for its own host
//!   ([`Emulator::function_host`], `127.0.0.1:<port>` unless
//!   [`EmulatorBuilder::function_host`] sets another, compared ASCII
//!   case-insensitively): a request whose effective host names another host,
//!   or that has no `Host` or two, gets the answer Lambda
//!   gives for an unknown url-id, 403 `AccessDeniedException` with
//!   `{"Message":null}` ([`RejectionKind::UnknownFunctionUrl`]), before any
//!   other check; the function is not invoked. The request is still recorded.
//! * The event's `rawPath` is the path the signature covered: the path from
//!   the request line with its `.` and `..` segments and empty segments removed
//!   (the canonical URI's rule; the reference: "the raw path from the request
//!   line, dot-segments removed"), still percent-encoded as received, so a
//!   request for `/a/../b`, signed as `/b`, reaches the function as `/b`, never
//!   as a path nobody signed. The reference does not say what Lambda puts in
//!   `rawPath` for such a path; the same rule applies with auth type `NONE`.
//!   [`ReceivedRequest::target`] keeps the request line as sent.
//! * A request body that pauses longer than
//!   [`EmulatorBuilder::body_idle_timeout`] (default 10 s) between two pieces,
//!   or is not in full within [`EmulatorBuilder::body_timeout`] (default 60 s):
//!   408 `RequestTimeoutException` with
//!   `{"message":"No part of the request body arrived within 10s."}` (or
//!   `"The request body did not arrive in full within 60s."`), `x-amzn-RequestId`
//!   and `connection: close`; nothing is judged, invoked or recorded. The
//!   distribution answers a slow viewer body with its own 408 error page. Lambda
//!   publishes no such timeouts.
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
    AuthType, Emulator, EmulatorBuilder, ReceivedRequest, RequestOutcome,
    DEFAULT_BODY_IDLE_TIMEOUT, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_RECORD_BODY_LIMIT, DEFAULT_RECORD_LIMIT,
};
pub use verify::{CanonicalParts, RawRequest, Rejection, RejectionKind, Verifier};

/// The README's code blocks, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
