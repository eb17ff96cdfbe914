//! The HTTP client (`--cacert`, `--retries`) and the credentials (`--profile`).

use super::{config, Args, Failure};
use crate::describe::describe;
use lambda_url_signer::CredentialsCache;
use reqwest_middleware::ClientBuilder;
use reqwest_retry::policies::ExponentialBackoff;
use reqwest_retry::{Jitter, RetryTransientMiddleware};
use std::path::Path;
use std::time::Duration;

/// The reqwest client and, with `--retries`, the retry layer, attached first so that every
/// attempt passes through the signer attached after it.
pub(super) fn builder(args: &Args) -> Result<ClientBuilder, Failure> {
    let mut http = lambda_url_signer::reqwest::client_builder();
    if let Some(path) = &args.cacert {
        http = trust_only(http, path)?;
    }
    let http = http.build().map_err(|e| Failure::Transport(describe(&e)))?;
    let mut builder = ClientBuilder::new(http);
    if let Some(retries) = args.retries {
        // 1 s, 2 s, 4 s … (at most 30 s) between attempts, without jitter: every attempt then
        // has its own x-amz-date second, so its own signature.
        let policy = ExponentialBackoff::builder()
            .retry_bounds(Duration::from_secs(1), Duration::from_secs(30))
            .jitter(Jitter::None)
            .build_with_max_retries(retries);
        builder = builder.with(RetryTransientMiddleware::new_with_policy(policy));
    }
    Ok(builder)
}

/// `--cacert FILE`: the PEM certificates in FILE become the only trusted roots.
fn trust_only(
    builder: reqwest::ClientBuilder,
    path: &Path,
) -> Result<reqwest::ClientBuilder, Failure> {
    let pem = std::fs::read(path)
        .map_err(|e| config(format!("cannot read `{}`: {e}", path.display())))?;
    let roots = reqwest::Certificate::from_pem_bundle(&pem)
        .ok()
        .filter(|roots| !roots.is_empty())
        .ok_or_else(|| config(format!("`{}` holds no PEM certificate", path.display())))?;
    Ok(builder.tls_certs_only(roots))
}

/// The default AWS credential chain (with `--profile`, that profile), for `region`.
pub(super) async fn credentials(profile: Option<&str>, region: &str) -> CredentialsCache {
    CredentialsCache::default_chain(profile, Some(region)).await
}
