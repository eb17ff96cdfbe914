//! One request: read and hash the body, build and sign the upstream request, send it, and
//! stream the answer back; the proxy's own answers are JSON.

use super::guard::Guard;
use super::log_line;
use super::refusal::Refusal;
use super::spool;
use crate::describe::describe;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use lambda_url_signer::reqwest::Diagnosis;
use lambda_url_signer::{Error, FunctionUrl, Signer};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The response header that carries the crate's [`Diagnosis`] of an upstream 403.
const DIAGNOSIS_HEADER: &str = "x-lambda-url-signer-diagnosis";
/// Error bodies up to this size are read to diagnose a 403; larger ones stream through.
const DIAGNOSE_LIMIT: u64 = 64 * 1024;
/// Headers of the client's own signature, replaced by the proxy's.
const SIGNING_HEADERS: [&str; 4] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];
/// Hop-by-hop headers (RFC 9110 section 7.6.1) and those the proxy sets itself.
const HOP_BY_HOP: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
];

/// The proxy's knobs.
pub(crate) struct Settings {
    /// How request bodies are read: spool threshold, deadlines, the memory budget.
    pub(crate) bodies: spool::Limits,
    /// How long to wait for the upstream's response head.
    pub(crate) timeout: Duration,
    /// The upstream is a CloudFront distribution (`--oac`, `--sign-host`).
    pub(crate) via_cloudfront: bool,
}

/// The proxy's configuration and upstream client, shared by every connection.
pub(crate) struct Proxy {
    upstream: FunctionUrl,
    /// The upstream's path without its trailing slash, prefixed to every request path.
    base_path: String,
    /// The upstream's query, put before every request's query.
    base_query: String,
    /// `None` in OAC mode: CloudFront signs.
    signer: Option<Signer>,
    client: reqwest::Client,
    settings: Settings,
    guard: Guard,
}

/// How a request ended, for the log line.
#[derive(Default)]
struct Outcome {
    upstream: Option<Duration>,
    error: Option<&'static str>,
    spooled: bool,
}

impl Proxy {
    pub(crate) fn new(
        upstream: FunctionUrl,
        signer: Option<Signer>,
        settings: Settings,
        guard: Guard,
    ) -> Result<Proxy, reqwest::Error> {
        let (path, query) = upstream
            .path_and_query()
            .split_once('?')
            .unwrap_or((upstream.path_and_query(), ""));
        // Redirects off: passed back to the client, never followed with signing headers.
        let client = lambda_url_signer::reqwest::client_builder()
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .read_timeout(settings.timeout)
            .build()?;
        Ok(Proxy {
            base_path: path.trim_end_matches('/').to_owned(),
            base_query: query.to_owned(),
            upstream,
            signer,
            client,
            settings,
            guard,
        })
    }

    /// The request screening (the listening port is recorded there once bound).
    pub(crate) fn guard(&self) -> &Guard {
        &self.guard
    }

    pub(crate) fn upstream(&self) -> &FunctionUrl {
        &self.upstream
    }

    /// Handles one request; every path ends in exactly one log line.
    pub(crate) async fn handle(&self, request: Request<Incoming>) -> Response<Logged> {
        let started = Instant::now();
        let method = request.method().to_string();
        let path = request.uri().path().to_owned();
        let mut outcome = Outcome::default();
        let response = match self.forward(request, &mut outcome).await {
            Ok(response) => response,
            Err(refusal) => {
                outcome.error = Some(refusal.error);
                refusal.response()
            }
        };
        let status = response.status().as_u16();
        response.map(|inner| Logged {
            inner,
            line: Some(LogLine {
                method,
                path,
                status,
                started,
                outcome,
            }),
        })
    }

    async fn forward(
        &self,
        request: Request<Incoming>,
        outcome: &mut Outcome,
    ) -> Result<Response<reqwest::Body>, Refusal> {
        let (parts, body) = request.into_parts();
        self.guard
            .screen(&parts.method, &parts.uri, &parts.headers)?;
        let body = spool::read(body, &parts.headers, &self.settings.bodies)
            .await
            .map_err(Refusal::body)?;
        outcome.spooled = body.spooled();
        let raw = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let url = self.target(raw).map_err(|e| Refusal::bad_request(&e))?;
        let bodyless = matches!(parts.method, http::Method::GET | http::Method::HEAD);
        if self.settings.via_cloudfront && bodyless && body.len > 0 {
            // CloudFront itself answers 403 to these; say why instead.
            return Err(Refusal::bad_request(&Error::BodyNotAllowed {
                method: parts.method.to_string(),
            }));
        }
        let upstream = self
            .upstream_request(parts, url, body)
            .await
            .map_err(|e| match e {
                // What the client sent cannot be signed: its error, not the proxy's.
                Error::InvalidHeaderValue { .. }
                | Error::InvalidQuery { .. }
                | Error::InvalidUrl { .. }
                | Error::UrlNotRepresentable { .. } => Refusal::bad_request(&e),
                other => Refusal {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    error: "signing failed",
                    detail: serde_json::json!({ "detail": describe(&other) }),
                },
            })?;
        let sent = Instant::now();
        let result =
            tokio::time::timeout(self.settings.timeout, self.client.execute(upstream)).await;
        outcome.upstream = Some(sent.elapsed());
        match result {
            Ok(Ok(response)) => Ok(self.relay(response).await),
            Ok(Err(error)) if !error.is_timeout() => Err(Refusal {
                status: StatusCode::BAD_GATEWAY,
                error: "upstream unreachable",
                detail: serde_json::json!({ "detail": describe(&error.without_url()) }),
            }),
            Ok(Err(_)) | Err(_) => Err(Refusal {
                status: StatusCode::GATEWAY_TIMEOUT,
                error: "upstream timeout",
                detail: serde_json::json!({ "timeout_secs": self.settings.timeout.as_secs() }),
            }),
        }
    }

    /// The upstream URL for a request's raw path and query, in wire form: the request's path
    /// normalized on its own (so `..` cannot climb out of the upstream's path), then appended.
    fn target(&self, raw: &str) -> Result<FunctionUrl, Error> {
        let joined = self.upstream.join(raw)?;
        if self.base_path.is_empty() && self.base_query.is_empty() {
            return Ok(joined);
        }
        let (path, query) = joined
            .path_and_query()
            .split_once('?')
            .unwrap_or((joined.path_and_query(), ""));
        let mut pq = String::with_capacity(
            self.base_path.len() + joined.path_and_query().len() + self.base_query.len() + 2,
        );
        pq.push_str(&self.base_path);
        pq.push_str(path);
        for (i, part) in [self.base_query.as_str(), query]
            .into_iter()
            .filter(|q| !q.is_empty())
            .enumerate()
        {
            pq.push(if i == 0 { '?' } else { '&' });
            pq.push_str(part);
        }
        self.upstream.join(&pq)
    }

    /// The signed (or, for OAC, hashed) upstream request.
    async fn upstream_request(
        &self,
        parts: http::request::Parts,
        url: FunctionUrl,
        body: spool::Body,
    ) -> Result<reqwest::Request, Error> {
        let url = reqwest::Url::parse(url.as_str()).map_err(|_| Error::UrlNotRepresentable {
            reason: "the upstream url is not a valid reqwest url",
        })?;
        // A body is sent when the client framed one (even an empty one).
        let framed = body.len > 0
            || parts.headers.contains_key(header::CONTENT_LENGTH)
            || parts.headers.contains_key(header::TRANSFER_ENCODING);
        let mut request = reqwest::Request::new(parts.method, url);
        *request.headers_mut() = forwarded_headers(parts.headers);
        let hash = body.hash;
        if framed {
            request
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len));
            *request.body_mut() = Some(body.into_reqwest());
        }
        match &self.signer {
            Some(signer) => signer.sign_with_hash(&mut request, &hash).await?,
            None => {
                // 64 lowercase hex characters: always a valid header value.
                if let Ok(value) = HeaderValue::from_str(hash.as_str()) {
                    request.headers_mut().insert("x-amz-content-sha256", value);
                }
            }
        }
        Ok(request)
    }

    /// The upstream's answer for the client: streamed as it arrives, hop-by-hop headers
    /// dropped; a 403 gets its diagnosis in a header.
    async fn relay(&self, response: reqwest::Response) -> Response<reqwest::Body> {
        let small = response
            .content_length()
            .is_some_and(|n| n <= DIAGNOSE_LIMIT);
        if response.status() == StatusCode::FORBIDDEN && small {
            let status = response.status();
            let version = response.version();
            let mut headers = response.headers().clone();
            if let Ok((diagnosis, bytes)) = Diagnosis::from_response(response).await {
                if let Some(diagnosis) = diagnosis {
                    headers.insert(DIAGNOSIS_HEADER, header_text(&diagnosis.to_string()));
                }
                strip_hop_by_hop(&mut headers);
                let mut out = Response::new(reqwest::Body::from(bytes));
                *out.status_mut() = status;
                *out.version_mut() = version;
                *out.headers_mut() = headers;
                return out;
            }
            return Refusal {
                status: StatusCode::BAD_GATEWAY,
                error: "upstream response broke off",
                detail: serde_json::Value::Null,
            }
            .response();
        }
        let mut response: Response<reqwest::Body> = response.into();
        strip_hop_by_hop(response.headers_mut());
        response
    }
}

/// The client's headers minus `host`, hop-by-hop headers (and those `Connection` names),
/// `content-length` (set from the body read) and the client's own signing headers.
fn forwarded_headers(mut headers: HeaderMap) -> HeaderMap {
    strip_hop_by_hop(&mut headers);
    headers.remove(header::HOST);
    headers.remove(header::CONTENT_LENGTH);
    for name in SIGNING_HEADERS {
        headers.remove(name);
    }
    headers
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// `text` as a header value: visible ASCII kept, anything else replaced by `?`.
fn header_text(text: &str) -> HeaderValue {
    let clean: String = text
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect();
    HeaderValue::from_str(&clean).unwrap_or_else(|_| HeaderValue::from_static("unavailable"))
}

/// What the log line says about a request, written once its response body has been sent.
struct LogLine {
    method: String,
    path: String,
    status: u16,
    started: Instant,
    outcome: Outcome,
}

impl LogLine {
    fn write(self, complete: bool) {
        let ms = |d: Duration| (d.as_micros() as f64) / 1000.0;
        let mut line = serde_json::json!({
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "total_ms": ms(self.started.elapsed()),
            "upstream_ms": self.outcome.upstream.map(ms),
        });
        if let Some(error) = self.outcome.error {
            line["error"] = error.into();
        }
        if self.outcome.spooled {
            line["spooled"] = true.into();
        }
        if !complete {
            line["incomplete"] = true.into();
        }
        log_line(&line);
    }
}

/// A response body that writes the request's log line when it ends (or is dropped unfinished).
pub(crate) struct Logged {
    inner: reqwest::Body,
    line: Option<LogLine>,
}

impl Logged {
    fn finish(&mut self, complete: bool) {
        if let Some(line) = self.line.take() {
            line.write(complete);
        }
    }
}

impl hyper::body::Body for Logged {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, reqwest::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => self.finish(true),
            Poll::Ready(Some(Err(_))) => self.finish(false),
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => self.finish(true),
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        // A HEAD response has no body to send: hyper drops it unread.
        let head = self.line.as_ref().is_some_and(|l| l.method == "HEAD");
        let complete = head || self.inner.is_end_stream();
        self.finish(complete);
    }
}
