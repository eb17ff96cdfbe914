//! Shared by the `invoke` and `proxy` examples: the URL to send to and the region to sign for
//! (from `--region` and `--sign-host`), and errors on one line.

use lambda_url_signer::{Error, FunctionUrl};

/// The URL to send to and the region to sign for. The region is `region` if given; else the
/// region in `sign_host` (a function URL host), which `region` must not contradict; else the
/// region in `raw_url`'s host. Errors are messages for the command line.
pub fn resolve(
    raw_url: &str,
    region: Option<&str>,
    sign_host: Option<&str>,
) -> Result<(FunctionUrl, String), String> {
    let missing = |what: &str, host: &str| {
        format!(
            "no region for {what} `{host}`: it is not a `<url-id>.lambda-url.<region>.on.aws` host, so pass --region"
        )
    };
    let region = match (sign_host, region) {
        (Some(host), given) => {
            let found = FunctionUrl::parse(&format!("https://{host}/"))
                .ok()
                .map(|url| url.region().to_owned());
            match (given, found) {
                (Some(given), Some(found)) if given != found => {
                    return Err(format!(
                        "--region {given} contradicts the sign host `{host}`, which is in {found}"
                    ))
                }
                (Some(given), _) => given.to_owned(),
                (None, Some(found)) => found,
                (None, None) => return Err(missing("sign host", host)),
            }
        }
        (None, Some(region)) => region.to_owned(),
        (None, None) => {
            let url = FunctionUrl::parse(raw_url).map_err(|e| match e {
                Error::MissingRegion { host } => missing("host", &host),
                other => other.to_string(),
            })?;
            let region = url.region().to_owned();
            return Ok((url, region));
        }
    };
    let url = FunctionUrl::with_region(raw_url, &region).map_err(|e| e.to_string())?;
    Ok((url, region))
}

/// The error with its causes, on one line.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
