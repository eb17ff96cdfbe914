//! The function URL endpoint's pipeline: buffer the request, decide (see `decide`), refuse with
//! Lambda's error answer or invoke the function (see `invoke`), record the request, answer.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};

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
    /// More body bytes arrived than were kept.
    pub(super) truncated: bool,
    /// The authority of an absolute-form request target (`GET http://host/ HTTP/1.1`), which
    /// takes precedence over `Host`.
    pub(super) authority: Option<String>,
}

/// Reads `request` whole, keeping at most `keep` body bytes (the rest is drained up to a
/// bound, so the client can read a 413).
pub(super) async fn buffer(
    request: Request<Incoming>,
    keep: usize,
) -> Result<Buffered, hyper::Error> {
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
    let mut total: usize = 0;
    // Drain somewhat past the limit so the client can read the 413, then stop.
    let drain_limit = keep.saturating_mul(4).saturating_add(1 << 20);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            total = total.saturating_add(data.len());
            let room = keep.saturating_sub(kept.len());
            kept.extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
            if total > drain_limit {
                break;
            }
        }
    }
    Ok(Buffered {
        method: parts.method.as_str().to_owned(),
        target,
        headers,
        truncated: total > kept.len(),
        body: kept,
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
    match buffer(request, app.max_payload_bytes.saturating_add(1)).await {
        Ok(buffered) => to_response(process(app, buffered, &peer.ip().to_string(), false)),
        Err(error) => {
            tracing::debug!(%error, "could not read the request body");
            to_response(error_answer(
                400,
                "InvalidRequestContentException",
                r#"{"message":"Could not read the request body."}"#.to_owned(),
                &Rng::new().uuid(),
            ))
        }
    }
}

/// Runs a buffered request through the function URL endpoint: size limit,
/// authentication, authorization, the function. Records it.
pub(super) fn process(app: &App, request: Buffered, peer_ip: &str, via_cloudfront: bool) -> Answer {
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
        method = %request.method,
        target = %redact_target(&request.target),
        status = outcome.status,
        error_type = ?outcome.error_type,
        via_cloudfront,
        "function url request"
    );
    app.received().push(ReceivedRequest {
        method: request.method,
        target: request.target,
        headers: request.headers,
        body: request.body,
        request_id,
        via_cloudfront,
        outcome,
    });
    answer
}
