//! What the emulated function receives and returns.

use std::fmt;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::canonical::{percent_decode, split_target};
use super::clock::format_request_time;
use super::identity::CallerIdentity;
use super::verify::{redact_target, DebugHeaders};

/// Whether Lambda would pass a body with this content type as text (else it
/// base64-encodes it into the event).
pub(crate) fn is_text_content_type(content_type: Option<&[u8]>) -> bool {
    let Some(raw) = content_type else {
        return false;
    };
    let lower = String::from_utf8_lossy(raw).to_ascii_lowercase();
    let essence = lower
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    essence.starts_with("text/")
        || essence.contains("json")
        || essence.contains("xml")
        || essence.contains("javascript")
        || essence == "application/x-www-form-urlencoded"
}

/// The invocation event the function receives, with everything needed to
/// render the Lambda payload format 2.0 ([`InvokeEvent::to_json`]).
///
/// `Debug` redacts `x-amz-security-token` and shows only the body's length.
///
/// # Example
///
/// ```
/// use lambda_url_emulator::{Emulator, HandlerResponse};
///
/// let builder = Emulator::builder()
///     .region("us-east-1")
///     .handler(|event| {
///         let json = event.to_json();
///         HandlerResponse::json(200, serde_json::json!({
///             "path": event.raw_path,
///             "version": json["version"],
///         }))
///     });
/// # let _ = builder;
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct InvokeEvent {
    /// The request method, e.g. `POST`.
    pub method: String,
    /// The path the signature covered: the path from the request line, still percent-encoded
    /// as received, with its `.` and `..` segments and empty segments removed, as in the
    /// canonical URI (`/a/../b//c/` arrives as `/b/c/`). The request line as sent is in
    /// [`ReceivedRequest::target`](crate::ReceivedRequest::target).
    pub raw_path: String,
    /// The raw query string as received, without `?` (empty if none).
    pub raw_query_string: String,
    /// Headers with lowercase names in received order, without
    /// `authorization`; values as UTF-8 (lossy).
    pub headers: Vec<(String, String)>,
    /// The body bytes as received.
    pub body: Vec<u8>,
    /// Whether the event carries the body base64-encoded (its content type
    /// is not text, JSON, XML, JavaScript or form data).
    pub is_base64_encoded: bool,
    /// The signer, for `AWS_IAM` function URLs; `None` with auth type `NONE`.
    pub caller: Option<CallerIdentity>,
    /// For calls made through CloudFront OAC: the distribution ARN.
    pub source_arn: Option<String>,
    /// The request id (also in the `x-amzn-RequestId` response header).
    pub request_id: String,
    /// When the request arrived, in milliseconds since the Unix epoch
    /// (server clock, including any configured offset).
    pub time_epoch_millis: i64,
    /// The connecting IP address.
    pub source_ip: String,
    /// The function's account id (`requestContext.accountId` for signed
    /// calls; Lambda writes `anonymous` there for auth type `NONE`).
    pub account_id: String,
    /// The `Host` the request was sent to (for an absolute-form request target, its
    /// authority; the `host` entry of `headers` carries it too).
    pub domain_name: String,
}

impl fmt::Debug for InvokeEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(String, Vec<u8>)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
            .collect();
        f.debug_struct("InvokeEvent")
            .field("method", &self.method)
            .field("raw_path", &self.raw_path)
            .field(
                "raw_query_string",
                &redact_target(&format!("/?{}", self.raw_query_string)).trim_start_matches("/?"),
            )
            .field("headers", &DebugHeaders(&headers))
            .field("body_len", &self.body.len())
            .field("is_base64_encoded", &self.is_base64_encoded)
            .field("caller", &self.caller)
            .field("source_arn", &self.source_arn)
            .field("request_id", &self.request_id)
            .finish()
    }
}

impl InvokeEvent {
    /// The first value of header `name` (case-insensitive).
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{Emulator, HandlerResponse};
    /// let builder = Emulator::builder().region("us-east-1").handler(|event| {
    ///     let agent = event.header("user-agent").unwrap_or("unknown").to_owned();
    ///     HandlerResponse::text(200, &agent)
    /// });
    /// # let _ = builder;
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The event in Lambda payload format 2.0, as a function URL delivers it:
    /// `version`, `routeKey`, `rawPath`, `rawQueryString`, `cookies` (from
    /// `cookie` headers), `headers` (repeated headers joined with `,`),
    /// `queryStringParameters` (decoded, repeated keys joined with `,`),
    /// `requestContext` (with `http` and, for `AWS_IAM`,
    /// `authorizer.iam`), `body` (base64 when not text) and
    /// `isBase64Encoded`.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{Emulator, HandlerResponse};
    /// let builder = Emulator::builder().region("us-east-1").handler(|event| {
    ///     let json = event.to_json();
    ///     assert_eq!(json["version"], "2.0");
    ///     assert_eq!(json["routeKey"], "$default");
    ///     HandlerResponse::json(200, json)
    /// });
    /// # let _ = builder;
    /// ```
    pub fn to_json(&self) -> Value {
        let mut headers = Map::new();
        let mut cookies: Vec<Value> = Vec::new();
        for (name, value) in &self.headers {
            if name == "cookie" {
                cookies.extend(
                    value
                        .split(';')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(|c| Value::String(c.to_owned())),
                );
                continue;
            }
            match headers.get_mut(name) {
                Some(Value::String(existing)) => {
                    existing.push(',');
                    existing.push_str(value);
                }
                _ => {
                    headers.insert(name.clone(), Value::String(value.clone()));
                }
            }
        }

        let mut event = Map::new();
        event.insert("version".into(), json!("2.0"));
        event.insert("routeKey".into(), json!("$default"));
        event.insert("rawPath".into(), json!(self.raw_path));
        event.insert("rawQueryString".into(), json!(self.raw_query_string));
        if !cookies.is_empty() {
            event.insert("cookies".into(), Value::Array(cookies));
        }
        event.insert("headers".into(), Value::Object(headers));
        if !self.raw_query_string.is_empty() {
            let mut params = Map::new();
            for piece in self.raw_query_string.split('&').filter(|p| !p.is_empty()) {
                let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
                let name = String::from_utf8_lossy(&percent_decode(name)).into_owned();
                let value = String::from_utf8_lossy(&percent_decode(value)).into_owned();
                match params.get_mut(&name) {
                    Some(Value::String(existing)) => {
                        existing.push(',');
                        existing.push_str(&value);
                    }
                    _ => {
                        params.insert(name, Value::String(value));
                    }
                }
            }
            event.insert("queryStringParameters".into(), Value::Object(params));
        }

        let domain_prefix = self
            .domain_name
            .split(['.', ':'])
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut context = Map::new();
        context.insert("accountId".into(), json!("anonymous"));
        context.insert("apiId".into(), json!(domain_prefix));
        if let Some(caller) = &self.caller {
            context.insert(
                "authorizer".into(),
                json!({
                    "iam": {
                        "accessKey": caller.access_key,
                        "accountId": caller.account_id,
                        "callerId": caller.caller_id,
                        "cognitoIdentity": null,
                        "principalOrgId": null,
                        "userArn": caller.user_arn,
                        "userId": caller.caller_id,
                    }
                }),
            );
            context.insert("accountId".into(), json!(self.account_id));
        }
        context.insert("domainName".into(), json!(self.domain_name));
        context.insert("domainPrefix".into(), json!(domain_prefix));
        context.insert(
            "http".into(),
            json!({
                "method": self.method,
                "path": self.raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": self.source_ip,
                "userAgent": self.header("user-agent").unwrap_or_default(),
            }),
        );
        context.insert("requestId".into(), json!(self.request_id));
        context.insert("routeKey".into(), json!("$default"));
        context.insert("stage".into(), json!("$default"));
        context.insert(
            "time".into(),
            json!(format_request_time(self.time_epoch_millis.div_euclid(1000))),
        );
        context.insert("timeEpoch".into(), json!(self.time_epoch_millis));
        event.insert("requestContext".into(), Value::Object(context));

        if !self.body.is_empty() {
            let body = if self.is_base64_encoded {
                base64::engine::general_purpose::STANDARD.encode(&self.body)
            } else {
                String::from_utf8_lossy(&self.body).into_owned()
            };
            event.insert("body".into(), Value::String(body));
        }
        event.insert("isBase64Encoded".into(), json!(self.is_base64_encoded));
        Value::Object(event)
    }

    pub(crate) fn raw_parts(target: &str) -> (String, String) {
        let (path, query) = split_target(target);
        (path.to_owned(), query.unwrap_or_default().to_owned())
    }
}

/// What the emulated function answers: status, headers and body.
///
/// # Example
///
/// ```
/// use lambda_url_emulator::HandlerResponse;
///
/// let ok = HandlerResponse::json(200, serde_json::json!({"ok": true}));
/// assert_eq!(ok.status, 200);
/// let teapot = HandlerResponse::text(418, "short and stout").with_header("x-kind", "teapot");
/// assert_eq!(teapot.body, b"short and stout");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandlerResponse {
    /// The HTTP status.
    pub status: u16,
    /// Response headers (name, value).
    pub headers: Vec<(String, String)>,
    /// The response body.
    pub body: Vec<u8>,
}

impl HandlerResponse {
    /// A response with `status`, no headers and an empty body.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::HandlerResponse;
    /// let r = HandlerResponse::new(204);
    /// assert!(r.body.is_empty());
    /// ```
    pub fn new(status: u16) -> Self {
        HandlerResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response (`content-type: application/json`).
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::HandlerResponse;
    /// let r = HandlerResponse::json(201, serde_json::json!({"id": 1}));
    /// assert_eq!(r.body, br#"{"id":1}"#);
    /// ```
    pub fn json(status: u16, value: Value) -> Self {
        HandlerResponse::new(status)
            .with_header("content-type", "application/json")
            .with_body(value.to_string().into_bytes())
    }

    /// A plain-text response (`content-type: text/plain; charset=utf-8`).
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::HandlerResponse;
    /// let r = HandlerResponse::text(200, "hi");
    /// assert_eq!(r.headers[0].1, "text/plain; charset=utf-8");
    /// ```
    pub fn text(status: u16, text: &str) -> Self {
        HandlerResponse::new(status)
            .with_header("content-type", "text/plain; charset=utf-8")
            .with_body(text.as_bytes().to_vec())
    }

    /// Adds a header.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::HandlerResponse;
    /// let r = HandlerResponse::new(200).with_header("x-a", "1");
    /// assert_eq!(r.headers, vec![("x-a".to_owned(), "1".to_owned())]);
    /// ```
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::HandlerResponse;
    /// let r = HandlerResponse::new(200).with_body(vec![0, 1, 2]);
    /// assert_eq!(r.body.len(), 3);
    /// ```
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
}

/// What a streaming function answers (a function URL with `InvokeMode: RESPONSE_STREAM`): the
/// status and headers at once, then the body as chunks arrive on a channel, each sent to the
/// client as soon as it is received, until every sender is dropped.
///
/// The head's own body, if any, goes out first. The response has no `content-length` (HTTP/1.1
/// chunked transfer encoding).
///
/// # Example
///
/// ```
/// use lambda_url_emulator::{Emulator, HandlerResponse, StreamingResponse};
///
/// let builder = Emulator::builder().region("us-east-1").streaming_handler(|_event| {
///     let (chunks, receiver) = tokio::sync::mpsc::channel(4);
///     tokio::spawn(async move {
///         for part in ["one ", "two ", "three"] {
///             let _ = chunks.send(part.as_bytes().to_vec()).await;
///         }
///     });
///     StreamingResponse::new(HandlerResponse::new(200).with_header("content-type", "text/plain"), receiver)
/// });
/// # let _ = builder;
/// ```
#[non_exhaustive]
pub struct StreamingResponse {
    /// The status, the headers and the first bytes of the body.
    pub head: HandlerResponse,
    /// The rest of the body, chunk by chunk.
    pub chunks: tokio::sync::mpsc::Receiver<Vec<u8>>,
}

impl StreamingResponse {
    /// A streamed response: `head` now, then every chunk `chunks` yields.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{HandlerResponse, StreamingResponse};
    /// let (_sender, receiver) = tokio::sync::mpsc::channel(1);
    /// let response = StreamingResponse::new(HandlerResponse::new(200), receiver);
    /// assert_eq!(response.head.status, 200);
    /// ```
    pub fn new(head: HandlerResponse, chunks: tokio::sync::mpsc::Receiver<Vec<u8>>) -> Self {
        StreamingResponse { head, chunks }
    }
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

/// The emulator's default function: echoes what it received.
pub(crate) fn echo_handler(event: &InvokeEvent) -> HandlerResponse {
    HandlerResponse::json(
        200,
        json!({
            "method": event.method,
            "rawPath": event.raw_path,
            "rawQueryString": event.raw_query_string,
            "bodySha256": super::crypto::sha256_hex(&event.body),
            "callerArn": event.caller.as_ref().map(|c| c.user_arn.clone()),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types() {
        assert!(is_text_content_type(Some(b"text/plain")));
        assert!(is_text_content_type(Some(
            b"application/json; charset=utf-8"
        )));
        assert!(is_text_content_type(Some(b"application/vnd.api+json")));
        assert!(is_text_content_type(Some(
            b"application/x-www-form-urlencoded"
        )));
        assert!(is_text_content_type(Some(b"Application/XML")));
        assert!(!is_text_content_type(Some(b"application/octet-stream")));
        assert!(!is_text_content_type(None));
    }
}
