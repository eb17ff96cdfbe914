//! Shared by `invoke` and `proxy`: the URL to send to and the region to sign for.

use lambda_url_signer::{Error, FunctionUrl};

/// The variables a region is read from when neither `--region` nor the host names one, in
/// order, as the AWS CLI reads them.
pub const REGION_VARIABLES: [&str; 2] = ["AWS_REGION", "AWS_DEFAULT_REGION"];

/// A region from the environment, and the variable it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRegion {
    pub variable: &'static str,
    pub region: String,
}

impl EnvRegion {
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`; an empty (or blank) variable counts as unset.
    pub fn from_env() -> Option<EnvRegion> {
        REGION_VARIABLES.into_iter().find_map(|variable| {
            let region = std::env::var(variable).ok()?;
            (!region.trim().is_empty()).then_some(EnvRegion { variable, region })
        })
    }
}

/// The URL to send to and the region to sign for. The region is `region` (`--region`) if
/// given; else the region in `sign_host` (a function URL host), which `region` must not
/// contradict; else the region in `raw_url`'s host; else `env`. Errors are messages for the
/// command line.
pub fn resolve(
    raw_url: &str,
    region: Option<&str>,
    sign_host: Option<&str>,
    env: Option<&EnvRegion>,
) -> Result<(FunctionUrl, String), String> {
    let missing = |what: &str, host: &str| {
        format!(
            "no region for {what} `{host}`: it is not a `<url-id>.lambda-url.<region>.on.aws` host, so pass --region (or set {})",
            REGION_VARIABLES.join(" or ")
        )
    };
    let from_env = |what: &str, host: &str| {
        env.map(|env| (env.region.clone(), Some(env.variable)))
            .ok_or_else(|| missing(what, host))
    };
    let (region, variable) = match (sign_host, region) {
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
                (Some(given), _) => (given.to_owned(), None),
                (None, Some(found)) => (found, None),
                (None, None) => from_env("sign host", host)?,
            }
        }
        (None, Some(region)) => (region.to_owned(), None),
        (None, None) => match FunctionUrl::parse(raw_url) {
            Ok(url) => {
                let region = url.region().to_owned();
                return Ok((url, region));
            }
            Err(Error::MissingRegion { host }) => from_env("host", &host)?,
            Err(other) => return Err(other.to_string()),
        },
    };
    let url = FunctionUrl::with_region(raw_url, &region).map_err(|e| match variable {
        Some(variable) => format!("{e} (the region comes from {variable})"),
        None => e.to_string(),
    })?;
    Ok((url, region))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOPBACK: &str = "http://127.0.0.1:9000/path";
    const FUNCTION_HOST: &str = "abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws";

    fn env(region: &str) -> EnvRegion {
        EnvRegion {
            variable: "AWS_DEFAULT_REGION",
            region: region.to_owned(),
        }
    }

    fn region_of(result: Result<(FunctionUrl, String), String>) -> String {
        result.expect("resolves").1
    }

    #[test]
    fn the_flag_then_the_host_then_the_environment() {
        let function_url = format!("https://{FUNCTION_HOST}/");
        let west = env("us-west-2");
        assert_eq!(
            region_of(resolve(LOOPBACK, Some("eu-west-1"), None, Some(&west))),
            "eu-west-1"
        );
        assert_eq!(
            region_of(resolve(&function_url, None, None, Some(&west))),
            "eu-central-1",
            "the host's region wins over the environment"
        );
        assert_eq!(
            region_of(resolve(LOOPBACK, None, None, Some(&west))),
            "us-west-2"
        );
        assert_eq!(
            region_of(resolve(LOOPBACK, None, Some(FUNCTION_HOST), Some(&west))),
            "eu-central-1"
        );
        assert_eq!(
            region_of(resolve(
                LOOPBACK,
                None,
                Some("api.example.com"),
                Some(&west)
            )),
            "us-west-2"
        );
    }

    #[test]
    fn no_region_anywhere_is_an_error_naming_the_ways_to_give_one() {
        let error = resolve(LOOPBACK, None, None, None).expect_err("no region");
        assert!(
            error.contains("no region for host `127.0.0.1:9000`"),
            "{error}"
        );
        assert!(error.contains("--region"), "{error}");
        assert!(
            error.contains("AWS_REGION or AWS_DEFAULT_REGION"),
            "{error}"
        );
        let error = resolve(LOOPBACK, None, Some("api.example.com"), None).expect_err("none");
        assert!(error.contains("sign host `api.example.com`"), "{error}");
    }

    #[test]
    fn a_bad_region_from_the_environment_names_the_variable() {
        let error = resolve(LOOPBACK, None, None, Some(&env("EU Central"))).expect_err("invalid");
        assert!(error.contains("invalid region"), "{error}");
        assert!(error.contains("AWS_DEFAULT_REGION"), "{error}");
    }

    #[test]
    fn the_flag_must_not_contradict_the_sign_host() {
        let error =
            resolve(LOOPBACK, Some("us-east-1"), Some(FUNCTION_HOST), None).expect_err("clash");
        assert!(error.contains("contradicts the sign host"), "{error}");
    }
}
