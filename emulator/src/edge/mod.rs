//! Lambda@Edge on the emulated CloudFront: origin-request triggers.
//!
//! A trigger receives the event CloudFront hands an origin-request function
//! (`Records[0].cf.config` and `.request`: headers as `{key, value}` lists under lowercase names,
//! `uri`, `querystring`, `method`, `clientIp`, and `body` with `action`, `data` in base64,
//! `encoding` and `inputTruncated` past 1 MB), before OAC signs, and returns the request (possibly
//! changed) or a generated response (`{status, statusDescription, headers, body}`).
//!
//! What the emulator does with the answer, after the CloudFront Developer Guide:
//!
//! * a request: its `method`, `uri`, `querystring` and `headers` replace the viewer's; with
//!   `body.action` `replace` its `body.data` (in `body.encoding`, `base64` or `text`) replaces the
//!   body, else the viewer's full body goes on; then OAC signs it as usual;
//! * a response (an object with `status`): sent to the viewer as it is; the function is not
//!   invoked;
//! * a malformed answer: 502; a trigger that fails (a handler that throws): 503.
//!
//! [`NodeTrigger`] runs a Node.js handler file (`export const handler = async (event) => …`) in
//! one long-lived node process.

mod event;
mod node;

pub use node::NodeTrigger;

pub(crate) use event::{apply, origin_request_event, EdgeAnswer, EdgeRequest};

use std::future::Future;
use std::pin::Pin;

/// The future a trigger returns: the handler's answer as JSON, or why it failed.
pub type TriggerFuture<'a> =
    Pin<Box<dyn Future<Output = Result<serde_json::Value, String>> + Send + 'a>>;

/// An origin-request trigger on the emulated CloudFront
/// ([`EmulatorBuilder::origin_request_trigger`](crate::EmulatorBuilder::origin_request_trigger)).
///
/// Any `Fn(serde_json::Value) -> Result<serde_json::Value, String>` closure is one (answered at
/// once); [`NodeTrigger`] runs a Node.js handler.
///
/// ```
/// use lambda_url_emulator::{CloudFrontConfig, Emulator};
/// use serde_json::{json, Value};
///
/// // A trigger that refuses every POST with a generated 401.
/// let trigger = |event: Value| -> Result<Value, String> {
///     let request = &event["Records"][0]["cf"]["request"];
///     if request["method"] == "POST" {
///         return Ok(json!({"status": "401", "body": "{\"message\":\"no\"}"}));
///     }
///     Ok(request.clone())
/// };
/// let builder = Emulator::builder()
///     .region("us-east-1")
///     .cloudfront(CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/E1"))
///     .origin_request_trigger(trigger);
/// # let _ = builder;
/// ```
pub trait OriginRequestTrigger: Send + Sync + 'static {
    /// Runs the trigger on `event`.
    fn call(&self, event: serde_json::Value) -> TriggerFuture<'_>;
}

impl<F> OriginRequestTrigger for F
where
    F: Fn(serde_json::Value) -> Result<serde_json::Value, String> + Send + Sync + 'static,
{
    fn call(&self, event: serde_json::Value) -> TriggerFuture<'_> {
        let answer = self(event);
        Box::pin(std::future::ready(answer))
    }
}
