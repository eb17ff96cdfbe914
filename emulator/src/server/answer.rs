//! The answers: what a response is before it becomes a hyper one, Lambda's error answer
//! (`x-amzn-RequestId`, `x-amzn-ErrorType`, JSON body), and the `Date` every answer carries.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Response, StatusCode};

use super::App;
use crate::clock::{format_http_date, unix_secs};

/// A response before it becomes a hyper response.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

/// A refusal as Lambda sends it: `content-type: application/json`, `x-amzn-RequestId`, and
/// `x-amzn-ErrorType` unless `error_type` is empty.
pub(super) fn error_answer(
    status: u16,
    error_type: &str,
    body: String,
    request_id: &str,
) -> Answer {
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("x-amzn-RequestId".to_owned(), request_id.to_owned()),
    ];
    if !error_type.is_empty() {
        headers.push(("x-amzn-ErrorType".to_owned(), error_type.to_owned()));
    }
    Answer {
        status,
        headers,
        body: body.into_bytes(),
    }
}

/// The hyper response for `answer` (a status hyper does not know becomes 502; header names
/// or values it refuses are left out).
pub(super) fn to_response(answer: Answer) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    response
}

/// Sets `Date` from the emulator's clock (with its offset), as the service's clock would; the
/// middleware's clock-skew correction reads it.
pub(super) fn with_date(app: &App, mut response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    if let Ok(value) = HeaderValue::from_str(&format_http_date(unix_secs(app.now()))) {
        response.headers_mut().insert(hyper::header::DATE, value);
    }
    response
}
