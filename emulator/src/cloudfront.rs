//! The emulated CloudFront distribution with origin access control (OAC).

use super::canonical::{canonical_header_value, header_values};
use super::crypto::{Rng, EMPTY_SHA256};
use super::error::EmulatorError;
use super::identity::EmulatorIdentity;
use super::sigv4::{authorization, SignRequest};
use crate::arn::distribution_arn_account;

/// When the distribution signs origin requests (the OAC "signing behavior").
///
/// # Example
///
/// ```
/// use lambda_url_emulator::{CloudFrontConfig, OacSigning};
///
/// let config = CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE")
///     .signing(OacSigning::NoOverride);
/// assert_eq!(config.signing_behavior(), OacSigning::NoOverride);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OacSigning {
    /// Sign every origin request, replacing any viewer `Authorization`.
    #[default]
    Always,
    /// Never sign: forward the viewer's request with `Host` rewritten and
    /// `via`, `x-amz-cf-id` and `x-forwarded-for` added (no
    /// `x-amz-source-*` headers, which belong to OAC signing).
    Never,
    /// Sign only when the viewer sent no `Authorization`; a viewer-signed
    /// request passes through unchanged except for headers CloudFront adds,
    /// which are not in its `SignedHeaders`.
    NoOverride,
}

/// An emulated CloudFront distribution in front of the function URL.
///
/// The emulated distribution accepts any viewer `Host` and forwards to the
/// function URL endpoint in process, exactly as the origin request would
/// arrive: `Host` rewritten to the origin (`127.0.0.1:<port>`), hop-by-hop
/// headers dropped, `via: 1.1 <random>.cloudfront.net (CloudFront)`,
/// `x-amz-cf-id`, `x-forwarded-for` (appended to the viewer's), and — unless
/// the behavior is [`OacSigning::Never`] — `x-amz-source-arn` and
/// `x-amz-source-account` (viewer-sent copies are replaced). When it signs,
/// it replaces any viewer `Authorization`, `x-amz-date` and
/// `x-amz-security-token`, and signs `host`, `x-amz-date`,
/// `x-amz-security-token`, `x-amz-source-arn`, `x-amz-source-account` and,
/// only if the viewer sent it, `x-amz-content-sha256`. It never hashes the
/// body: the payload hash it signs is the viewer's `x-amz-content-sha256`,
/// or the empty-body hash. So an unsigned `GET` works, and a `POST` with a
/// body but without the header fails at the origin with
/// `InvalidSignatureException`.
///
/// A viewer `GET` or `HEAD` that carries a body (a `Content-Length` other than zero, or
/// chunked transfer coding) is refused by the distribution itself, as CloudFront does: 403
/// with CloudFront's HTML error page ("403 ERROR", "The request could not be satisfied."),
/// `x-cache: Error from cloudfront`, no `x-amzn-ErrorType` and no `x-amzn-RequestId`; the
/// function URL receives nothing.
///
/// The distribution signs origin requests with its own generated OAC
/// identity (temporary credentials of
/// `arn:aws:sts::<account>:assumed-role/OriginAccessControlRole/OriginAccessSession`,
/// where `<account>` is the distribution's account); Lambda sees the
/// principal `cloudfront.amazonaws.com` with `AWS:SourceArn` = the
/// distribution ARN, so the function's resource policy must allow it.
///
/// # Example
///
/// ```
/// use lambda_url_emulator::{CloudFrontConfig, OacSigning};
///
/// let config = CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE");
/// assert_eq!(config.signing_behavior(), OacSigning::Always);
/// assert_eq!(config.distribution_arn(), "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CloudFrontConfig {
    distribution_arn: String,
    signing: OacSigning,
}

impl CloudFrontConfig {
    /// A distribution with ARN `arn:aws:cloudfront::<account>:distribution/<id>`
    /// that signs always. The ARN is checked when the emulator starts.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::CloudFrontConfig;
    /// let config = CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/E1");
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn new(distribution_arn: impl Into<String>) -> Self {
        CloudFrontConfig {
            distribution_arn: distribution_arn.into(),
            signing: OacSigning::Always,
        }
    }

    /// Sets the signing behavior.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{CloudFrontConfig, OacSigning};
    /// let config = CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/E1")
    ///     .signing(OacSigning::Never);
    /// assert_eq!(config.signing_behavior(), OacSigning::Never);
    /// ```
    #[must_use]
    pub fn signing(mut self, signing: OacSigning) -> Self {
        self.signing = signing;
        self
    }

    /// The distribution ARN.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::CloudFrontConfig;
    /// let config = CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/E1");
    /// assert!(config.distribution_arn().ends_with("/E1"));
    /// ```
    pub fn distribution_arn(&self) -> &str {
        &self.distribution_arn
    }

    /// The signing behavior.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{CloudFrontConfig, OacSigning};
    /// let config = CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/E1");
    /// assert_eq!(config.signing_behavior(), OacSigning::Always);
    /// ```
    pub fn signing_behavior(&self) -> OacSigning {
        self.signing
    }
}

/// A started distribution: its config, account and OAC identity.
#[derive(Debug)]
pub(crate) struct Distribution {
    pub(crate) arn: String,
    pub(crate) account: String,
    pub(crate) signing: OacSigning,
    pub(crate) identity: EmulatorIdentity,
}

impl Distribution {
    pub(crate) fn new(config: &CloudFrontConfig) -> Result<Self, EmulatorError> {
        let account = distribution_arn_account(&config.distribution_arn).map_err(|reason| {
            EmulatorError::InvalidArn {
                what: "distribution",
                arn: config.distribution_arn.clone(),
                reason,
            }
        })?;
        Ok(Distribution {
            arn: config.distribution_arn.clone(),
            identity: EmulatorIdentity::generate_oac(&account),
            account,
            signing: config.signing,
        })
    }
}

/// Headers CloudFront does not forward as received: hop-by-hop headers and
/// the ones it sets itself.
fn dropped_always(name: &str) -> bool {
    matches!(
        name,
        "host"
            | "connection"
            | "keep-alive"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "upgrade"
            | "transfer-encoding"
            | "via"
            | "x-amz-cf-id"
            | "x-forwarded-for"
            | "x-amz-source-arn"
            | "x-amz-source-account"
    )
}

/// The origin request CloudFront sends for a viewer request.
pub(crate) struct OriginRequest {
    pub(crate) headers: Vec<(String, Vec<u8>)>,
}

/// Everything CloudFront needs to build the origin request.
pub(crate) struct ViewerRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) target: &'a str,
    pub(crate) headers: &'a [(String, Vec<u8>)],
    pub(crate) body_len: usize,
    pub(crate) peer_ip: &'a str,
}

/// Builds the headers of the origin request, signing them when the
/// behavior says so. CloudFront never hashes the body: it signs with the
/// viewer's `x-amz-content-sha256` if present, else the empty-body hash.
pub(crate) fn origin_request(
    distribution: &Distribution,
    viewer: &ViewerRequest<'_>,
    origin_host: &str,
    region: &str,
    service: &str,
    now_secs: i64,
) -> OriginRequest {
    let viewer_signed = !header_values(viewer.headers, "authorization").is_empty();
    let sign = match distribution.signing {
        OacSigning::Always => true,
        OacSigning::Never => false,
        OacSigning::NoOverride => !viewer_signed,
    };
    let add_source = !matches!(distribution.signing, OacSigning::Never);

    let mut headers: Vec<(String, Vec<u8>)> =
        vec![("host".to_owned(), origin_host.as_bytes().to_vec())];
    let mut has_length = false;
    for (name, value) in viewer.headers {
        let name = name.to_ascii_lowercase();
        if dropped_always(&name)
            || (sign
                && matches!(
                    name.as_str(),
                    "authorization" | "x-amz-date" | "x-amz-security-token"
                ))
        {
            continue;
        }
        has_length |= name == "content-length";
        headers.push((name, value.clone()));
    }
    if !has_length && viewer.body_len > 0 {
        headers.push((
            "content-length".to_owned(),
            viewer.body_len.to_string().into_bytes(),
        ));
    }

    let mut rng = Rng::new();
    let forwarded_for = match canonical_header_value(viewer.headers, "x-forwarded-for") {
        Some(previous) if !previous.is_empty() => {
            format!("{}, {}", String::from_utf8_lossy(&previous), viewer.peer_ip)
        }
        _ => viewer.peer_ip.to_owned(),
    };
    headers.push(("via".to_owned(), cloudfront_via(&mut rng).into_bytes()));
    headers.push((
        "x-amz-cf-id".to_owned(),
        cloudfront_request_id(&mut rng).into_bytes(),
    ));
    headers.push(("x-forwarded-for".to_owned(), forwarded_for.into_bytes()));
    if add_source {
        headers.push((
            "x-amz-source-arn".to_owned(),
            distribution.arn.as_bytes().to_vec(),
        ));
        headers.push((
            "x-amz-source-account".to_owned(),
            distribution.account.as_bytes().to_vec(),
        ));
    }

    if sign {
        let amz_date = super::clock::format_amz_date(now_secs);
        headers.push(("x-amz-date".to_owned(), amz_date.into_bytes()));
        if let Some(token) = distribution.identity.session_token() {
            headers.push(("x-amz-security-token".to_owned(), token.as_bytes().to_vec()));
        }
        let viewer_hash = canonical_header_value(viewer.headers, "x-amz-content-sha256");
        let payload_hash = viewer_hash
            .as_deref()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .unwrap_or_else(|| EMPTY_SHA256.to_owned());
        let mut signed = vec![
            "host",
            "x-amz-date",
            "x-amz-source-account",
            "x-amz-source-arn",
        ];
        if viewer_hash.is_some() {
            signed.push("x-amz-content-sha256");
        }
        if distribution.identity.session_token().is_some() {
            signed.push("x-amz-security-token");
        }
        let value = authorization(
            &SignRequest {
                method: viewer.method,
                target: viewer.target,
                headers: &headers,
                signed: &signed,
                payload_hash: &payload_hash,
                region,
                service,
                time_secs: now_secs,
            },
            &distribution.identity,
        );
        headers.push(("authorization".to_owned(), value.into_bytes()));
    }
    OriginRequest { headers }
}

/// A `via` value as CloudFront writes it: `1.1 <32 hex digits>.cloudfront.net (CloudFront)`.
pub(crate) fn cloudfront_via(rng: &mut Rng) -> String {
    format!(
        "1.1 {}.cloudfront.net (CloudFront)",
        rng.string(b"0123456789abcdef", 32)
    )
}

/// A CloudFront request id (`x-amz-cf-id`): 54 base64url characters and `==`.
pub(crate) fn cloudfront_request_id(rng: &mut Rng) -> String {
    format!(
        "{}==",
        rng.string(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            54
        )
    )
}

/// Whether a viewer request is a `GET` or `HEAD` that carries a body: a `Content-Length`
/// other than zero, chunked transfer coding, or body bytes. CloudFront refuses those itself
/// with a 403 before calling any origin.
pub(crate) fn get_or_head_with_body(
    method: &str,
    headers: &[(String, Vec<u8>)],
    body_len: usize,
) -> bool {
    if method != "GET" && method != "HEAD" {
        return false;
    }
    let nonzero_length = header_values(headers, "content-length")
        .iter()
        .any(|value| value.iter().any(|b| *b != b'0'));
    let chunked = header_values(headers, "transfer-encoding")
        .iter()
        .any(|value| {
            value
                .split(|b| *b == b',')
                .any(|coding| coding.trim_ascii().eq_ignore_ascii_case(b"chunked"))
        });
    body_len > 0 || nonzero_length || chunked
}

/// The HTML page CloudFront sends with an error it answers itself.
pub(crate) fn error_page(status: u16, request_id: &str) -> String {
    format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n\
         <HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>\n\
         <H1>{status} ERROR</H1>\n\
         <H2>The request could not be satisfied.</H2>\n\
         <HR noshade size=\"1px\">\n\
         Bad request.\n\
         <HR noshade size=\"1px\">\n\
         <PRE>\nGenerated by cloudfront (CloudFront)\nRequest ID: {request_id}\n</PRE>\n\
         </BODY></HTML>\n"
    )
}
