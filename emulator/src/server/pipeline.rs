//! The function URL endpoint's pipeline: buffer the request, decide (see `decide`), refuse with
//! Lambda's error answer or invoke the function (see `invoke`), record the request, answer.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::time::Instant;

use super::answer::{error_answer, to_response, with_date, Answer};
use super::decide::decide;
use super::invoke::invoke;
use super::{App, ReceivedRequest, RequestOutcome};
use crate::crypto::Rng;
use crate::verify::redact_target;

/// A buffered HTTP request.
pub(super) struct Buffered {
    pub(super) method: String,
    pub(super) target: String,
    pub(super) headers: Vec<(String, Vec<u8>)>,
    pub(super) body: Vec<u8>,
    /// How many body bytes were read (more than `body.len()` when `truncated`).
    pub(super) body_len: usize,
    /// More body bytes arrived than were kept.
    pub(super) truncated: bool,
    /// The authority of an absolute-form request target (`GET http://host/ HTTP/1.1`), which
    /// takes the place of `Host` (RFC 9112 §3.2.2).
    pub(super) authority: Option<String>,
}

/// Why a request body was not read whole.
pub(super) enum BodyError {
    /// The connection failed or the body's framing was broken.
    Read(hyper::Error),
    /// No part of the body arrived within the idle timeout.
    Idle(Duration),
    /// The body was still arriving at the body deadline.
    Deadline(Duration),
}

impl BodyError {
    /// The `{"message":…}` body of the 408 for a body too slow, `None` for a broken one.
    pub(super) fn timeout_json(&self) -> Option<String> {
        let message = match self {
            BodyError::Read(_) => return None,
            BodyError::Idle(idle) => {
                format!("No part of the request body arrived within {idle:?}.")
            }
            BodyError::Deadline(total) => {
                format!("The request body did not arrive in full within {total:?}.")
            }
        };
        Some(serde_json::json!({ "message": message }).to_string())
    }
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::Read(error) => write!(f, "{error}"),
            BodyError::Idle(idle) => write!(f, "no part of the body within {idle:?}"),
            BodyError::Deadline(total) => write!(f, "the body not in full within {total:?}"),
        }
    }
}

/// Reads `request` whole, keeping at most `keep` body bytes (the rest is drained up to a
/// bound, so the client can read a 413), within `idle` between two pieces of the body and
/// `total` for all of it.
pub(super) async fn buffer(
    request: Request<Incoming>,
    keep: usize,
    idle: Duration,
    total: Duration,
) -> Result<Buffered, BodyError> {
    let (parts, mut body) = request.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    let authority = parts.uri.authority().map(|a| a.as_str().to_owned());
    let mut kept = Vec::new();
    let mut read: usize = 0;
    // Drain somewhat past the limit so the client can read the 413, then stop.
    let drain_limit = keep.saturating_mul(4).saturating_add(1 << 20);
    let started = Instant::now();
    // A deadline too far to represent is a century away.
    let deadline = started
        .checked_add(total)
        .unwrap_or_else(|| started + Duration::from_secs(100 * 365 * 86_400));
    loop {
        let wait = idle.min(deadline.saturating_duration_since(Instant::now()));
        let frame = match tokio::time::timeout(wait, body.frame()).await {
            Ok(Some(frame)) => frame.map_err(BodyError::Read)?,
            Ok(None) => break,
            Err(_) if Instant::now() >= deadline => return Err(BodyError::Deadline(total)),
            Err(_) => return Err(BodyError::Idle(idle)),
        };
        if let Ok(data) = frame.into_data() {
            read = read.saturating_add(data.len());
            let room = keep.saturating_sub(kept.len());
            kept.extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
            if read > drain_limit {
                break;
            }
        }
    }
    Ok(Buffered {
        method: parts.method.as_str().to_owned(),
        target,
        headers,
        truncated: read > kept.len(),
        body: kept,
        body_len: read,
        authority,
    })
}

/// Answers a request to the function URL endpoint.
pub(super) async fn handle_function(
    app: &App,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    with_date(app, handle_function_inner(app, request, peer).await)
}

async fn handle_function_inner(
    app: &App,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let buffered = buffer(
        request,
        app.max_payload_bytes.saturating_add(1),
        app.body_idle_timeout,
        app.body_timeout,
    )
    .await;
    match buffered {
        Ok(buffered) => to_response(process(app, buffered, &peer.ip().to_string(), false)),
        Err(error) => {
            tracing::debug!(%error, "could not read the request body");
            let request_id = Rng::new().uuid();
            let mut answer = match error.timeout_json() {
                Some(json) => error_answer(408, "RequestTimeoutException", json, &request_id),
                None => error_answer(
                    400,
                    "InvalidRequestContentException",
                    r#"{"message":"Could not read the request body."}"#.to_owned(),
                    &request_id,
                ),
            };
            // The rest of the body is not read: the connection cannot carry another request.
            answer
                .headers
                .push(("connection".to_owned(), "close".to_owned()));
            to_response(answer)
        }
    }
}

/// Runs a buffered request through the function URL endpoint: size limit,
/// authentication, authorization, the function. Records it.
///
/// With an absolute-form target, the target's authority replaces the value of `Host` for
/// everything but the record (RFC 9112 §3.2.2: the server ignores the received `Host`): the host
/// check, the signature's `host` and the function's event all see the same host.
pub(super) fn process(
    app: &App,
    mut request: Buffered,
    peer_ip: &str,
    via_cloudfront: bool,
) -> Answer {
    let received_headers = request.authority.take().map(|authority| {
        let effective = request
            .headers
            .iter()
            .map(|(name, value)| {
                if name.eq_ignore_ascii_case("host") {
                    (name.clone(), authority.as_bytes().to_vec())
                } else {
                    (name.clone(), value.clone())
                }
            })
            .collect();
        std::mem::replace(&mut request.headers, effective)
    });
    let request_id = Rng::new().uuid();
    let now = app.now();
    let result = decide(app, &request, now);
    let (answer, outcome) = match result {
        Err(rejection) => {
            let answer = error_answer(
                rejection.status(),
                rejection.error_type(),
                rejection.body_json(),
                &request_id,
            );
            let outcome = RequestOutcome {
                status: rejection.status(),
                error_type: Some(rejection.error_type().to_owned()),
                rejection: Some(rejection.kind()),
                caller_arn: None,
            };
            (answer, outcome)
        }
        Ok(caller) => invoke(app, &request, caller, &request_id, now, peer_ip),
    };
    tracing::debug!(
        // The target it had before the server was split into modules; traces are filtered by it.
        target: "lambda_url_emulator::server",
        method = %request.method,
        target = %redact_target(&request.target),
        status = outcome.status,
        error_type = ?outcome.error_type,
        via_cloudfront,
        "function url request"
    );
    app.record(ReceivedRequest {
        method: request.method,
        target: request.target,
        headers: received_headers.unwrap_or(request.headers),
        body: request.body,
        body_len: request.body_len,
        body_truncated: false,
        request_id,
        via_cloudfront,
        outcome,
    });
    answer
}
