//! Invoking the function for an accepted request: the payload format 2.0 event it sees, and
//! what its answer becomes (a status hyper does not know, or a panic, is a 502).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::SystemTime;

use hyper::StatusCode;

use super::answer::Answer;
use super::pipeline::Buffered;
use super::{App, RequestOutcome};
use crate::canonical::{canonical_header_value, normalize_path};
use crate::clock::unix_millis;
use crate::event::{is_text_content_type, HandlerResponse, InvokeEvent};
use crate::identity::CallerIdentity;

/// Invokes the function with `request` from `caller` (`None` with auth type `NONE`): its answer,
/// and how the request ended.
pub(super) fn invoke(
    app: &App,
    request: &Buffered,
    caller: Option<CallerIdentity>,
    request_id: &str,
    now: SystemTime,
    peer_ip: &str,
) -> (Answer, RequestOutcome) {
    let event = invoke_event(app, request, caller, request_id, now, peer_ip);
    let handler = Arc::clone(&app.handler);
    let answer = match catch_unwind(AssertUnwindSafe(|| handler(&event))) {
        Ok(response) => function_answer(response, request_id),
        Err(_) => Answer {
            status: 502,
            headers: vec![
                ("content-type".to_owned(), "text/plain".to_owned()),
                ("x-amzn-RequestId".to_owned(), request_id.to_owned()),
            ],
            body: b"Internal Server Error".to_vec(),
        },
    };
    let outcome = RequestOutcome {
        status: answer.status,
        error_type: None,
        rejection: None,
        caller_arn: event.caller.as_ref().map(|c| c.user_arn.clone()),
    };
    (answer, outcome)
}

/// The event the function sees: the request without its `Authorization`, the body base64-encoded
/// unless it is UTF-8 text, and the request context.
fn invoke_event(
    app: &App,
    request: &Buffered,
    caller: Option<CallerIdentity>,
    request_id: &str,
    now: SystemTime,
    peer_ip: &str,
) -> InvokeEvent {
    let (raw_path, raw_query_string) = InvokeEvent::raw_parts(&request.target);
    // The path the signature covered (the canonical URI before its re-encoding), so the
    // function never routes on a path nobody signed: `/a/../b` arrives as `/b`.
    let raw_path = normalize_path(&raw_path);
    let content_type = canonical_header_value(&request.headers, "content-type");
    let text_body =
        is_text_content_type(content_type.as_deref()) && std::str::from_utf8(&request.body).is_ok();
    InvokeEvent {
        method: request.method.clone(),
        raw_path,
        raw_query_string,
        headers: request
            .headers
            .iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("authorization"))
            .map(|(name, value)| {
                (
                    name.to_ascii_lowercase(),
                    String::from_utf8_lossy(value).into_owned(),
                )
            })
            .collect(),
        body: request.body.clone(),
        is_base64_encoded: !request.body.is_empty() && !text_body,
        source_arn: caller.as_ref().and_then(|c| c.source_arn.clone()),
        caller,
        request_id: request_id.to_owned(),
        time_epoch_millis: unix_millis(now),
        source_ip: peer_ip.to_owned(),
        account_id: app.function_account.clone(),
        domain_name: canonical_header_value(&request.headers, "host")
            .map(|h| String::from_utf8_lossy(&h).into_owned())
            .unwrap_or_default(),
    }
}

/// The function's response as sent: its own `x-amzn-RequestId` replaced by the real one,
/// `content-type: application/json` unless it set one, 502 for a status that is not one.
fn function_answer(response: HandlerResponse, request_id: &str) -> Answer {
    let mut headers: Vec<(String, String)> = response
        .headers
        .into_iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("x-amzn-requestid"))
        .collect();
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
    }
    headers.push(("x-amzn-RequestId".to_owned(), request_id.to_owned()));
    let status = if StatusCode::from_u16(response.status).is_ok() {
        response.status
    } else {
        502
    };
    Answer {
        status,
        headers,
        body: response.body,
    }
}
