//! Sends the request and writes the answer: the body to stdout, the exit status from the
//! HTTP status, a diagnosis on stderr for an error status.

use super::{complain, config, Args, Failure, EXIT_HTTP_ERROR};
use crate::describe::describe;
use http::header::HeaderMap;
use http::Method;
use lambda_url_signer::reqwest::Diagnosis;
use lambda_url_signer::Error;
use reqwest_retry::RetryError;
use std::io::{self, Write};
use std::process::ExitCode;

/// Sends the request and writes the answer; the exit status follows the HTTP status.
pub(super) async fn send(
    client: &reqwest_middleware::ClientWithMiddleware,
    method: Method,
    url: &str,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    args: &Args,
) -> Result<ExitCode, Failure> {
    let mut request = client.request(method, url).headers(headers);
    if let Some(body) = body {
        request = request.body(body);
    }
    let mut response = request.send().await.map_err(|e| match crate_error(&e) {
        Some(error) => config(describe(error)),
        None => Failure::Transport(describe(&e)),
    })?;
    let status = response.status();
    let mut stdout = io::stdout().lock();
    if args.include {
        let mut head = format!("{:?} {status}\r\n", response.version()).into_bytes();
        for (name, value) in response.headers() {
            head.extend_from_slice(name.as_str().as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"\r\n");
        stdout.write_all(&head).map_err(|_| Failure::Output)?;
    }
    if status.as_u16() >= 400 {
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_owned());
        let body = response
            .bytes()
            .await
            .map_err(|e| Failure::Transport(describe(&e)))?;
        stdout
            .write_all(&body)
            .and_then(|()| stdout.flush())
            .map_err(|_| Failure::Output)?;
        match Diagnosis::from_parts(status.as_u16(), error_type.as_deref(), &body) {
            Some(diagnosis) => complain(&diagnosis.to_string()),
            None => complain(&format!("http status {status}")),
        }
        return Ok(ExitCode::from(EXIT_HTTP_ERROR));
    }
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Failure::Transport(describe(&e)))?
    {
        stdout.write_all(&chunk).map_err(|_| Failure::Output)?;
    }
    stdout.flush().map_err(|_| Failure::Output)?;
    Ok(ExitCode::SUCCESS)
}

/// The signer's error inside a middleware error, also when the retry layer wrapped it.
fn crate_error(error: &reqwest_middleware::Error) -> Option<&Error> {
    match error {
        reqwest_middleware::Error::Middleware(inner) => {
            if let Some(error) = inner.downcast_ref::<Error>() {
                return Some(error);
            }
            match inner.downcast_ref::<RetryError>()? {
                RetryError::WithRetries { err, .. } | RetryError::Error(err) => crate_error(err),
            }
        }
        reqwest_middleware::Error::Reqwest(_) => None,
    }
}
