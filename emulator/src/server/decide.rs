//! What Lambda answers when: the order of the function URL's checks. The host first (another
//! host is an unknown url-id), then the payload size, then, for `AWS_IAM`, the signature (see
//! `Verifier::verify`) and last the policies.

use std::time::SystemTime;

use super::pipeline::Buffered;
use super::{App, AuthType};
use crate::canonical::{canonical_header_value, header_values};
use crate::event::is_text_content_type;
use crate::identity::CallerIdentity;
use crate::policy::{Decision, PolicyRequest, RequestPrincipal};
use crate::verify::{RawRequest, Rejection, RejectionKind};

/// The verdict on a request: the caller (if signed) or why it is refused.
pub(super) fn decide(
    app: &App,
    request: &Buffered,
    now: SystemTime,
) -> Result<Option<CallerIdentity>, Rejection> {
    if !names_function_host(app, request) {
        return Err(Rejection::unknown_function_url());
    }
    let content_type = canonical_header_value(&request.headers, "content-type");
    let text = is_text_content_type(content_type.as_deref());
    if request.truncated || effective_size(request.body.len(), text) > app.max_payload_bytes {
        return Err(Rejection::new(
            RejectionKind::PayloadTooLarge,
            format!(
                "Request must be smaller than {} bytes for the InvokeFunction operation",
                app.max_payload_bytes
            ),
        ));
    }
    match app.auth_type {
        AuthType::None => Ok(None),
        AuthType::AwsIam => {
            let raw = RawRequest::new(
                &request.method,
                &request.target,
                &request.headers,
                &request.body,
            );
            let caller = app.verifier.verify(&raw, now)?;
            if authorized(app, &caller) {
                Ok(Some(caller))
            } else {
                Err(Rejection::forbidden(RejectionKind::AccessDenied))
            }
        }
    }
}

/// Whether the request is addressed to the function URL: its one `Host` header (which
/// `process` has set to the authority of an absolute-form target) equals the function host
/// (ASCII case-insensitively). No `Host`, or several, names no function URL (RFC 9112 §3.2
/// requires exactly one, in either form).
fn names_function_host(app: &App, request: &Buffered) -> bool {
    match header_values(&request.headers, "host").as_slice() {
        [host] => host.eq_ignore_ascii_case(app.function_host.as_bytes()),
        _ => false,
    }
}

/// Resource policy (and implicit identity policy) check for a verified caller.
fn authorized(app: &App, caller: &CallerIdentity) -> bool {
    let principal = match &caller.service_principal {
        Some(service) => {
            if caller.source_arn.is_none() {
                return false;
            }
            RequestPrincipal::Service(service)
        }
        None => RequestPrincipal::Aws {
            arn: &caller.user_arn,
            account: &caller.account_id,
        },
    };
    // An identity in the function's own account is allowed by its identity
    // policy (the emulator assumes one that allows invoking); anyone else
    // needs the resource policy.
    let identity_allows =
        caller.service_principal.is_none() && caller.account_id == app.function_account;
    let mut actions = vec!["lambda:InvokeFunctionUrl"];
    if app.require_invoke_function {
        actions.push("lambda:InvokeFunction");
    }
    actions.into_iter().all(|action| {
        let request = PolicyRequest {
            principal: principal.clone(),
            action,
            resource: &app.function_arn,
            source_arn: caller.source_arn.as_deref(),
            source_account: caller.source_account.as_deref(),
            auth_type: app.auth_type.as_str(),
            invoked_via_function_url: true,
        };
        match app.policy.evaluate(&request) {
            Decision::Allow => true,
            Decision::Deny => false,
            Decision::NotApplicable => identity_allows,
        }
    })
}

/// The size Lambda counts for a body: base64 size unless it is text.
fn effective_size(body_len: usize, text: bool) -> usize {
    if text {
        body_len
    } else {
        body_len.div_ceil(3).saturating_mul(4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(effective_size(3, false), 4);
        assert_eq!(effective_size(4, false), 8);
        assert_eq!(effective_size(4, true), 4);
        assert_eq!(effective_size(0, false), 0);
    }
}
