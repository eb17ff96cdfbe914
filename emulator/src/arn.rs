//! The two ARN shapes the emulator reads: a Lambda function's and a CloudFront distribution's.
//!
//! The emulator parses them itself (it shares no code with the signer it judges); all it needs
//! from either is the owning account.

/// The fields of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
struct Arn<'a> {
    partition: &'a str,
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl<'a> Arn<'a> {
    fn split(text: &'a str) -> Option<Self> {
        let mut fields = text.splitn(6, ':');
        if fields.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: fields.next()?,
            service: fields.next()?,
            region: fields.next()?,
            account: fields.next()?,
            resource: fields.next()?,
        })
    }
}

fn twelve_digits(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
}

/// Letters, digits, `-`, `_` and the bytes in `extra`; not empty.
fn word(text: &str, extra: &[u8]) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || extra.contains(&b))
}

/// The account of `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
pub(crate) fn function_arn_account(text: &str) -> Result<String, &'static str> {
    const SHAPE: &str = "expected arn:aws:lambda:<region>:<account>:function:<name>";
    let arn = Arn::split(text).ok_or(SHAPE)?;
    let name_and_qualifier = arn.resource.strip_prefix("function:").ok_or(SHAPE)?;
    if arn.service != "lambda" {
        return Err(SHAPE);
    }
    if arn.partition.is_empty() || arn.region.is_empty() {
        return Err("the partition and region must not be empty");
    }
    if !twelve_digits(arn.account) {
        return Err("the account id must be 12 digits");
    }
    let (name, qualifier) = match name_and_qualifier.split_once(':') {
        Some((name, qualifier)) => (name, Some(qualifier)),
        None => (name_and_qualifier, None),
    };
    if !word(name, b"") {
        return Err("the function name must be letters, digits, '-' or '_'");
    }
    if qualifier.is_some_and(|q| !word(q, b"$")) {
        return Err("the qualifier must be a version or an alias");
    }
    Ok(arn.account.to_owned())
}

/// The account of `arn:<partition>:cloudfront::<account>:distribution/<id>`.
pub(crate) fn distribution_arn_account(text: &str) -> Result<String, &'static str> {
    const SHAPE: &str = "expected arn:aws:cloudfront::<account>:distribution/<id>";
    let arn = Arn::split(text).ok_or(SHAPE)?;
    if arn.service != "cloudfront" {
        return Err(SHAPE);
    }
    if arn.partition.is_empty() {
        return Err("the partition must not be empty");
    }
    if !arn.region.is_empty() {
        return Err("cloudfront arns have an empty region field");
    }
    if !twelve_digits(arn.account) {
        return Err("the account id must be 12 digits");
    }
    match arn.resource.strip_prefix("distribution/") {
        Some(id) if word(id, b"") && !id.contains(['-', '_']) => Ok(arn.account.to_owned()),
        _ => Err("the resource must be distribution/<alphanumeric id>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_arns() {
        let ok = "arn:aws:lambda:eu-central-1:123456789012:function:api";
        assert_eq!(function_arn_account(ok).as_deref(), Ok("123456789012"));
        assert!(function_arn_account(&format!("{ok}:live")).is_ok());
        assert!(function_arn_account(&format!("{ok}:$LATEST")).is_ok());
        assert!(function_arn_account("api").is_err());
        assert!(function_arn_account("arn:aws:lambda:eu-central-1:1234:function:api").is_err());
        assert!(function_arn_account("arn:aws:s3:eu-central-1:123456789012:function:api").is_err());
        assert!(function_arn_account("arn:aws:lambda::123456789012:function:api").is_err());
        assert!(function_arn_account(&format!("{ok}:a:b")).is_err());
    }

    #[test]
    fn distribution_arns() {
        let ok = "arn:aws:cloudfront::123456789012:distribution/E1ABC";
        assert_eq!(distribution_arn_account(ok).as_deref(), Ok("123456789012"));
        assert!(distribution_arn_account(
            "arn:aws:cloudfront:us-east-1:123456789012:distribution/E1"
        )
        .is_err());
        assert!(
            distribution_arn_account("arn:aws:cloudfront::123456789012:distribution/").is_err()
        );
        assert!(
            distribution_arn_account("arn:aws:cloudfront::123456789012:distribution/E-1").is_err()
        );
        assert!(distribution_arn_account("arn:aws:cloudfront::123456789012:origin/E1").is_err());
    }
}
