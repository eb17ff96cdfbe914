//! The sidecar's own answers: a status and a JSON body `{"error": …, …detail}`.

use super::spool::BodyError;
use crate::describe::describe;
use http::header::{self, HeaderValue};
use http::{Response, StatusCode};
use lambda_url_signer::Error;

/// A request the proxy answers itself, with a JSON body `{"error": …, …detail}`.
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) error: &'static str,
    /// More fields for the body (an object).
    pub(crate) detail: serde_json::Value,
}

impl Refusal {
    pub(crate) fn new(
        status: StatusCode,
        error: &'static str,
        detail: serde_json::Value,
    ) -> Refusal {
        Refusal {
            status,
            error,
            detail,
        }
    }

    /// 413: the body is over the function URL payload limit (nothing is sent).
    pub(crate) fn too_large(size: u64, limit: u64) -> Refusal {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload too large",
            serde_json::json!({
                "size": size,
                "limit": limit,
                "detail": "function urls accept at most 6,291,456 bytes; bodies whose content type is not text count base64-encoded",
            }),
        )
    }

    pub(crate) fn bad_request(error: &Error) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            error: "bad request",
            detail: serde_json::json!({ "detail": describe(error) }),
        }
    }

    pub(crate) fn body(error: BodyError) -> Refusal {
        match error {
            BodyError::TooLarge { size, limit } => Refusal::too_large(size, limit),
            BodyError::Timeout(which) => Refusal::new(
                StatusCode::REQUEST_TIMEOUT,
                "request body timeout",
                serde_json::json!({ "detail": which }),
            ),
            BodyError::Read(error) => Refusal {
                status: StatusCode::BAD_REQUEST,
                error: "cannot read the request body",
                detail: serde_json::json!({ "detail": describe(&error) }),
            },
            BodyError::Spool(error) => Refusal {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                error: "cannot spool the request body",
                detail: serde_json::json!({ "detail": describe(&error) }),
            },
        }
    }

    pub(crate) fn response(self) -> Response<reqwest::Body> {
        let mut body = serde_json::json!({ "error": self.error });
        if let (Some(body), serde_json::Value::Object(detail)) = (body.as_object_mut(), self.detail)
        {
            body.extend(detail);
        }
        let mut response = Response::new(reqwest::Body::from(body.to_string()));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}
