//! What the sidecar refuses before it reads a body or signs anything: requests for a `Host` it
//! does not serve (DNS rebinding), browser requests (an `Origin` it was not told to allow),
//! `CONNECT` and `OPTIONS *`, and a body declared over the payload limit by a client waiting for
//! `100 Continue` (it gets 413 instead, before it sends the body).

use super::refusal::Refusal;
use http::header::{self, HeaderMap};
use http::{Method, StatusCode};
use lambda_url_signer::{Error, PayloadLimit};
use std::sync::OnceLock;

/// The names the sidecar answers for and the origins it serves.
pub(crate) struct Guard {
    /// Host names (without port) accepted besides `127.0.0.1` and `localhost`.
    extra_hosts: Vec<String>,
    /// Browser origins allowed to call (`*` for any); none by default.
    origins: Vec<String>,
    /// The port listened on, set once bound; a `Host` with another port is refused.
    port: OnceLock<u16>,
}

impl Guard {
    pub(crate) fn new(extra_hosts: Vec<String>, origins: Vec<String>) -> Guard {
        Guard {
            extra_hosts: extra_hosts
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            origins,
            port: OnceLock::new(),
        }
    }

    /// Records the port the sidecar listens on.
    pub(crate) fn listening_on(&self, port: u16) {
        let _ = self.port.set(port);
    }

    /// Screens a request head; the refusal is sent as it is, nothing goes upstream.
    pub(crate) fn screen(
        &self,
        method: &Method,
        uri: &http::Uri,
        headers: &HeaderMap,
    ) -> Result<(), Refusal> {
        if *method == Method::CONNECT {
            return Err(Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed",
                serde_json::json!({ "detail": "CONNECT is never forwarded" }),
            ));
        }
        if uri.path() == "*" || uri == "*" {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "bad request",
                serde_json::json!({ "detail": "an asterisk-form target (OPTIONS *) is not forwarded" }),
            ));
        }
        self.check_host(headers)?;
        self.check_origin(headers)?;
        check_declared_size(headers)
    }

    /// One `Host`, naming `127.0.0.1`, `localhost` or an allowed name, with the listening port
    /// (or none).
    fn check_host(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let mut hosts = headers.get_all(header::HOST).iter();
        let (Some(host), None) = (hosts.next(), hosts.next()) else {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "bad request",
                serde_json::json!({ "detail": "a request needs exactly one Host header" }),
            ));
        };
        let host = host.to_str().unwrap_or("").to_ascii_lowercase();
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) if !name.ends_with(']') || name.starts_with('[') => {
                (name.to_owned(), Some(port.to_owned()))
            }
            _ => (host.clone(), None),
        };
        let known =
            matches!(name.as_str(), "127.0.0.1" | "localhost") || self.extra_hosts.contains(&name);
        let port_ok = match (port, self.port.get()) {
            (None, _) => true,
            (Some(port), Some(listening)) => port.parse::<u16>().ok() == Some(*listening),
            (Some(_), None) => false,
        };
        if known && port_ok {
            Ok(())
        } else {
            Err(host_refusal(
                "the Host names no address this proxy listens as (127.0.0.1, localhost, or a name given with --allow-host)",
            ))
        }
    }

    /// No `Origin` (not a browser), or an allowed one.
    fn check_origin(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin.to_str().unwrap_or("");
        if self.origins.iter().any(|o| o == "*" || o == origin) {
            return Ok(());
        }
        Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "origin not allowed",
            serde_json::json!({ "detail": "browser requests are refused unless --allow-origin names their Origin" }),
        ))
    }
}

fn host_refusal(detail: &str) -> Refusal {
    Refusal::new(
        StatusCode::MISDIRECTED_REQUEST,
        "host not served",
        serde_json::json!({ "detail": detail }),
    )
}

/// A client waiting for `100 Continue` with a declared `Content-Length` over the payload limit
/// gets 413 at once, before it sends the body (without `Expect`, the body is read and dropped
/// so that the client, still sending, can read the 413).
fn check_declared_size(headers: &HeaderMap) -> Result<(), Refusal> {
    let expects_continue = headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let Some(len) = super::spool::content_length(headers).filter(|_| expects_continue) else {
        return Ok(());
    };
    match PayloadLimit::default().check(headers, len) {
        Err(Error::BodyTooLarge { size, limit, .. }) => Err(Refusal::too_large(size, limit)),
        _ => Ok(()),
    }
}
