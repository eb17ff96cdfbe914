//! `--verbose`: every attempt as sent, and how its signature came about, on stderr (never the
//! secret key, the session token or the signature).

use crate::describe::describe;
use http::header::{HeaderName, HeaderValue};
use http::Extensions;
use lambda_url_signer::{CredentialsCache, PayloadHash, Signer};
use reqwest_middleware::{Middleware, Next};
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Writes a block (several lines) to stderr; a closed stderr is ignored.
pub(super) fn trace(block: &str) {
    let _ = std::io::stderr().lock().write_all(block.as_bytes());
}

/// `--verbose`: attached after the signer, so it sees every attempt exactly as sent, and
/// explains each signature for the same request and the same time.
pub(super) struct Verbose {
    /// The signer and its credentials; `None` in OAC mode, where CloudFront signs.
    signing: Option<(Signer, CredentialsCache)>,
}

impl Verbose {
    /// `signing` is the signer and its credentials, `None` in OAC mode.
    pub(super) fn new(signing: Option<(Signer, CredentialsCache)>) -> Verbose {
        Verbose { signing }
    }
}

#[async_trait::async_trait]
impl Middleware for Verbose {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let mut out = format!("> {} {}\n", req.method(), req.url());
        for (name, value) in req.headers() {
            let _ = writeln!(out, "> {name}: {}", shown_value(name, value));
        }
        if let Some((signer, cache)) = &self.signing {
            match explain(signer, cache, &req).await {
                Ok(details) => {
                    let _ = write!(
                        out,
                        "* canonical request:\n{}\n* string to sign:\n{}\n* signed headers: {}\n",
                        details.canonical_request_redacted(),
                        details.string_to_sign(),
                        details.signed_headers()
                    );
                }
                Err(reason) => {
                    let _ = writeln!(out, "* cannot explain the signature: {reason}");
                }
            }
        }
        trace(&out);
        let response = next.run(req, extensions).await?;
        trace(&response_head(&response));
        Ok(response)
    }
}

fn response_head(response: &reqwest::Response) -> String {
    let mut out = format!("< {:?} {}\n", response.version(), response.status());
    for (name, value) in response.headers() {
        let _ = writeln!(
            out,
            "< {name}: {}",
            String::from_utf8_lossy(value.as_bytes())
        );
    }
    out
}

/// A header value for display: the session token hidden, the signature cut off.
fn shown_value(name: &HeaderName, value: &HeaderValue) -> String {
    let text = String::from_utf8_lossy(value.as_bytes());
    match name.as_str() {
        "x-amz-security-token" => "<redacted>".to_owned(),
        "authorization" => match text.find("Signature=") {
            Some(i) => format!("{}Signature=<redacted>", &text[..i]),
            None => "<redacted>".to_owned(),
        },
        _ => text.into_owned(),
    }
}

async fn explain(
    signer: &Signer,
    cache: &CredentialsCache,
    req: &reqwest::Request,
) -> Result<lambda_url_signer::SigningDetails, String> {
    let date = req
        .headers()
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or("the request has no x-amz-date")?;
    let time = parse_amz_date(date).ok_or("the request's x-amz-date is malformed")?;
    let hash = match req
        .headers()
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
        .and_then(PayloadHash::from_hex)
    {
        Some(hash) => hash,
        None => PayloadHash::of(req.body().and_then(|b| b.as_bytes()).unwrap_or_default()),
    };
    let credentials = cache.credentials().await.map_err(|e| describe(&e))?;
    signer
        .explain_at(req, &hash, &credentials, time)
        .map_err(|e| describe(&e))
}

/// Parses an `x-amz-date` (`YYYYMMDDTHHMMSSZ`).
fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())
            .flatten()
    };
    let (year, month, day) = (number(0..4)?, number(4..6)?, number(6..8)?);
    let (hour, minute, second) = (number(9..11)?, number(11..13)?, number(13..15)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // Days since 1970-01-01 in the proleptic Gregorian calendar.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_parse_to_their_instant() {
        let time = parse_amz_date("20150830T123600Z").expect("valid");
        assert_eq!(
            time.duration_since(UNIX_EPOCH)
                .expect("after 1970")
                .as_secs(),
            1_440_938_160
        );
        for bad in [
            "20150830T123600",
            "20151330T123600Z",
            "2015083OT123600Z",
            "",
        ] {
            assert!(parse_amz_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_signature_and_the_session_token_are_never_shown() {
        let authorization = HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=abc123",
        );
        let shown = shown_value(&http::header::AUTHORIZATION, &authorization);
        assert!(shown.ends_with("Signature=<redacted>"), "{shown}");
        assert!(!shown.contains("abc123"));
        let token = HeaderName::from_static("x-amz-security-token");
        assert_eq!(
            shown_value(&token, &HeaderValue::from_static("secret")),
            "<redacted>"
        );
    }
}
