//! The emulated CloudFront distribution's viewer side: its own refusals (a `GET` or `HEAD` with
//! a body, a failed or malformed origin-request trigger), the trigger, the origin request OAC
//! signs, and the hop to the function URL endpoint with CloudFront's response headers.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};

use super::answer::{error_answer, to_response, with_date, Answer};
use super::pipeline::{buffer, process, Buffered};
use super::App;
use crate::clock::unix_secs;
use crate::cloudfront::{
    cloudfront_request_id, cloudfront_via, error_page, get_or_head_with_body, origin_request,
    ViewerRequest,
};
use crate::crypto::Rng;
use crate::edge::{apply, origin_request_event, EdgeAnswer, EdgeRequest, OriginRequestTrigger};
use crate::verify::redact_target;

/// Answers a viewer request to the CloudFront distribution.
pub(super) async fn handle_cloudfront(
    app: &App,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    with_date(app, handle_cloudfront_inner(app, request, peer).await)
}

async fn handle_cloudfront_inner(
    app: &App,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let mut rng = Rng::new();
    let Some(distribution) = &app.distribution else {
        return to_response(error_answer(502, "", String::new(), &rng.uuid()));
    };
    let buffered = buffer(
        request,
        app.max_payload_bytes.saturating_add(1),
        app.body_idle_timeout,
        app.body_timeout,
    )
    .await;
    let buffered = match buffered {
        Ok(buffered) => buffered,
        Err(error) => {
            tracing::debug!(%error, "cloudfront could not read the request body");
            // A body too slow: CloudFront's own 408 page; a broken one: an empty 400.
            let mut answer = match error.timeout_json() {
                Some(_) => cloudfront_error(408, &mut rng),
                None => error_answer(400, "", String::new(), &rng.uuid()),
            };
            answer
                .headers
                .push(("connection".to_owned(), "close".to_owned()));
            return to_response(answer);
        }
    };
    if get_or_head_with_body(&buffered.method, &buffered.headers, buffered.body.len()) {
        tracing::debug!(
            method = %buffered.method,
            target = %redact_target(&buffered.target),
            "cloudfront refused a GET or HEAD with a body"
        );
        return to_response(cloudfront_error(403, &mut rng));
    }
    let peer_ip = peer.ip().to_string();
    let buffered = match &app.trigger {
        None => buffered,
        Some(trigger) => {
            match run_trigger(app, trigger.as_ref(), buffered, &peer_ip, &mut rng).await {
                Ok(buffered) => buffered,
                Err(answer) => return to_response(answer),
            }
        }
    };
    let origin = origin_request(
        distribution,
        &ViewerRequest {
            method: &buffered.method,
            target: &buffered.target,
            headers: &buffered.headers,
            body_len: buffered.body.len(),
            peer_ip: &peer_ip,
        },
        &app.function_host,
        &app.region,
        &app.service,
        unix_secs(app.now()),
    );
    // The origin request is origin-form, with `Host` set to the function URL host.
    let forwarded = Buffered {
        headers: origin.headers,
        authority: None,
        ..buffered
    };
    let mut answer = process(app, forwarded, &peer_ip, true);
    answer
        .headers
        .push(("via".to_owned(), cloudfront_via(&mut rng)));
    answer.headers.push((
        "x-cache".to_owned(),
        if answer.status < 400 {
            "Miss from cloudfront"
        } else {
            "Error from cloudfront"
        }
        .to_owned(),
    ));
    answer
        .headers
        .push(("x-amz-cf-pop".to_owned(), "EMU1-C1".to_owned()));
    to_response(answer)
}

/// Runs the origin-request trigger: the request to forward, or the answer for the viewer (the
/// trigger's own response, 502 for a malformed answer, 503 for a failed trigger).
async fn run_trigger(
    app: &App,
    trigger: &dyn OriginRequestTrigger,
    buffered: Buffered,
    peer_ip: &str,
    rng: &mut Rng,
) -> Result<Buffered, Answer> {
    let request = EdgeRequest {
        method: buffered.method.clone(),
        target: buffered.target.clone(),
        headers: buffered.headers.clone(),
        body: buffered.body,
    };
    let event = origin_request_event(
        &request,
        peer_ip,
        &app.cloudfront_domain,
        &cloudfront_request_id(rng),
    );
    let answer = match trigger.call(event).await {
        Ok(answer) => answer,
        Err(reason) => {
            tracing::debug!(%reason, "the origin-request trigger failed");
            return Err(cloudfront_error(503, rng));
        }
    };
    match apply(answer, request) {
        EdgeAnswer::Forward(request) => Ok(Buffered {
            method: request.method,
            target: request.target,
            headers: request.headers,
            // A body over the limit stays over it (the trigger saw only its first bytes).
            body_len: if buffered.truncated {
                buffered.body_len
            } else {
                request.body.len()
            },
            body: request.body,
            ..buffered
        }),
        EdgeAnswer::Respond {
            status,
            mut headers,
            body,
        } => {
            headers.push((
                "x-cache".to_owned(),
                "LambdaGeneratedResponse from cloudfront".to_owned(),
            ));
            headers.push(("via".to_owned(), cloudfront_via(rng)));
            Err(Answer {
                status,
                headers,
                body,
            })
        }
        EdgeAnswer::Malformed(reason) => {
            tracing::debug!(%reason, "the origin-request trigger answered something malformed");
            Err(cloudfront_error(502, rng))
        }
    }
}

/// An error CloudFront answers itself, without calling the origin: its HTML error page and
/// headers, and no Lambda headers (`x-amzn-RequestId`, `x-amzn-ErrorType`).
fn cloudfront_error(status: u16, rng: &mut Rng) -> Answer {
    let id = cloudfront_request_id(rng);
    Answer {
        status,
        headers: vec![
            ("server".to_owned(), "CloudFront".to_owned()),
            ("content-type".to_owned(), "text/html".to_owned()),
            ("x-cache".to_owned(), "Error from cloudfront".to_owned()),
            ("via".to_owned(), cloudfront_via(rng)),
            ("x-amz-cf-pop".to_owned(), "EMU1-C1".to_owned()),
            ("x-amz-cf-id".to_owned(), id.clone()),
        ],
        body: error_page(status, &id).into_bytes(),
    }
}
