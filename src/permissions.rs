//! The resource-policy statements a Lambda function URL needs so that a
//! CloudFront distribution with origin access control (OAC) can invoke it.
//!
//! Based on the CloudFront Developer Guide ("Restrict access to an AWS
//! Lambda function URL origin": principal `cloudfront.amazonaws.com`,
//! action `lambda:InvokeFunctionUrl`, `ArnLike` on `AWS:SourceArn`), the
//! Lambda Developer Guide note that since October 2025 new function URLs
//! need both `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction`, and the
//! Lambda `AddPermission` API (its `FunctionUrlAuthType` and
//! `InvokedViaFunctionUrl` parameters, the latter added on 2025-10-10),
//! which the AWS CLI v2 exposes as `--function-url-auth-type` and the
//! boolean flag `--invoked-via-function-url`.

use std::fmt::Write as _;

/// The statement id of the `lambda:InvokeFunctionUrl` statement.
const URL_SID: &str = "AllowCloudFrontServicePrincipal";
/// The statement id of the `lambda:InvokeFunction` statement.
const INVOKE_SID: &str = "AllowCloudFrontServicePrincipalInvokeFunction";
const PRINCIPAL: &str = "cloudfront.amazonaws.com";

/// An ARN given to [`cloudfront_permissions`] does not have the expected shape.
///
/// # Example
///
/// ```
/// use lambda_url_signer::permissions::{cloudfront_permissions, PermissionsError};
///
/// let err = cloudfront_permissions("my-function", "arn:aws:cloudfront::123456789012:distribution/E1")
///     .unwrap_err();
/// assert!(matches!(err, PermissionsError::InvalidFunctionArn { .. }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PermissionsError {
    /// Not `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
    #[error("invalid function arn {arn:?}: {reason}")]
    InvalidFunctionArn {
        /// The ARN given.
        arn: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not `arn:<partition>:cloudfront::<account>:distribution/<id>`.
    #[error("invalid distribution arn {arn:?}: {reason}")]
    InvalidDistributionArn {
        /// The ARN given.
        arn: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// The two statements that let a CloudFront distribution invoke a function
/// URL through OAC, as JSON and as AWS CLI commands.
///
/// 1. `AllowCloudFrontServicePrincipal`: principal
///    `{"Service":"cloudfront.amazonaws.com"}`, action
///    `lambda:InvokeFunctionUrl`, conditions `ArnLike` `AWS:SourceArn` =
///    the distribution and `StringEquals` `lambda:FunctionUrlAuthType` =
///    `AWS_IAM`.
/// 2. `AllowCloudFrontServicePrincipalInvokeFunction`: the same principal,
///    action `lambda:InvokeFunction`, conditions `ArnLike`
///    `AWS:SourceArn` and `Bool` `lambda:InvokedViaFunctionUrl` = `"true"`.
///
/// # Example
///
/// ```
/// use lambda_url_signer::permissions::cloudfront_permissions;
///
/// let permissions = cloudfront_permissions(
///     "arn:aws:lambda:eu-central-1:123456789012:function:api",
///     "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE",
/// )?;
/// assert!(permissions.policy_json().starts_with(r#"{"Version":"2012-10-17","Statement":["#));
/// assert_eq!(permissions.cli_commands().len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionStatements {
    function_arn: String,
    distribution_arn: String,
}

/// The statements CloudFront OAC needs on the function `function_arn` for
/// the distribution `distribution_arn`.
///
/// The ARNs are checked lightly: the function ARN must be
/// `arn:<partition>:lambda:<region>:<12 digits>:function:<name>[:<qualifier>]`
/// and the distribution ARN `arn:<partition>:cloudfront::<12 digits>:distribution/<id>`.
/// Values are escaped properly in the JSON and shell-quoted in the CLI
/// commands. Nothing here panics.
///
/// # Errors
///
/// [`PermissionsError`] naming the ARN that is malformed and why.
///
/// # Example
///
/// ```
/// use lambda_url_signer::permissions::cloudfront_permissions;
///
/// let json = cloudfront_permissions(
///     "arn:aws:lambda:us-east-1:123456789012:function:f",
///     "arn:aws:cloudfront::123456789012:distribution/E1",
/// )?
/// .statements_json();
/// assert!(json.contains(r#""Action":"lambda:InvokeFunctionUrl""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cloudfront_permissions(
    function_arn: &str,
    distribution_arn: &str,
) -> Result<PermissionStatements, PermissionsError> {
    function_arn_account(function_arn).map_err(|reason| PermissionsError::InvalidFunctionArn {
        arn: function_arn.to_owned(),
        reason,
    })?;
    distribution_arn_account(distribution_arn).map_err(|reason| {
        PermissionsError::InvalidDistributionArn {
            arn: distribution_arn.to_owned(),
            reason,
        }
    })?;
    Ok(PermissionStatements {
        function_arn: function_arn.to_owned(),
        distribution_arn: distribution_arn.to_owned(),
    })
}

impl PermissionStatements {
    /// The function ARN the statements are for.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_signer::permissions::cloudfront_permissions;
    /// let p = cloudfront_permissions(
    ///     "arn:aws:lambda:us-east-1:123456789012:function:f",
    ///     "arn:aws:cloudfront::123456789012:distribution/E1",
    /// )?;
    /// assert_eq!(p.function_arn(), "arn:aws:lambda:us-east-1:123456789012:function:f");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn function_arn(&self) -> &str {
        &self.function_arn
    }

    /// The distribution ARN the statements allow.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_signer::permissions::cloudfront_permissions;
    /// let p = cloudfront_permissions(
    ///     "arn:aws:lambda:us-east-1:123456789012:function:f",
    ///     "arn:aws:cloudfront::123456789012:distribution/E1",
    /// )?;
    /// assert_eq!(p.distribution_arn(), "arn:aws:cloudfront::123456789012:distribution/E1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn distribution_arn(&self) -> &str {
        &self.distribution_arn
    }

    fn statement(&self, sid: &str, action: &str, extra_condition: &str) -> String {
        format!(
            r#"{{"Sid":{},"Effect":"Allow","Principal":{{"Service":{}}},"Action":{},"Resource":{},"Condition":{{"ArnLike":{{"AWS:SourceArn":{}}},{extra_condition}}}}}"#,
            json_string(sid),
            json_string(PRINCIPAL),
            json_string(action),
            json_string(&self.function_arn),
            json_string(&self.distribution_arn),
        )
    }

    /// The two statements as a JSON array, compact, as AWS writes them in
    /// `get-policy` output.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_signer::permissions::cloudfront_permissions;
    /// let json = cloudfront_permissions(
    ///     "arn:aws:lambda:us-east-1:123456789012:function:f",
    ///     "arn:aws:cloudfront::123456789012:distribution/E1",
    /// )?
    /// .statements_json();
    /// assert!(json.starts_with(r#"[{"Sid":"AllowCloudFrontServicePrincipal","#));
    /// assert!(json.contains(r#""Bool":{"lambda:InvokedViaFunctionUrl":"true"}"#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn statements_json(&self) -> String {
        format!(
            "[{},{}]",
            self.statement(
                URL_SID,
                "lambda:InvokeFunctionUrl",
                r#""StringEquals":{"lambda:FunctionUrlAuthType":"AWS_IAM"}"#,
            ),
            self.statement(
                INVOKE_SID,
                "lambda:InvokeFunction",
                r#""Bool":{"lambda:InvokedViaFunctionUrl":"true"}"#,
            ),
        )
    }

    /// A complete policy document with the two statements:
    /// `{"Version":"2012-10-17","Statement":[…]}`.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_signer::permissions::cloudfront_permissions;
    /// let doc = cloudfront_permissions(
    ///     "arn:aws:lambda:us-east-1:123456789012:function:f",
    ///     "arn:aws:cloudfront::123456789012:distribution/E1",
    /// )?
    /// .policy_json();
    /// assert!(doc.ends_with("]}"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn policy_json(&self) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{}}}"#,
            self.statements_json()
        )
    }

    /// The AWS CLI v2 commands that add the two statements:
    ///
    /// ```text
    /// aws lambda add-permission --function-name <function arn> --statement-id AllowCloudFrontServicePrincipal --action lambda:InvokeFunctionUrl --principal cloudfront.amazonaws.com --source-arn <distribution arn> --function-url-auth-type AWS_IAM [--region <region>]
    /// aws lambda add-permission --function-name <function arn> --statement-id AllowCloudFrontServicePrincipalInvokeFunction --action lambda:InvokeFunction --principal cloudfront.amazonaws.com --source-arn <distribution arn> --invoked-via-function-url [--region <region>]
    /// ```
    ///
    /// `--region` is the function ARN's region. Values that are not plain
    /// ARN characters (a `$LATEST` qualifier, say) are single-quoted for a
    /// POSIX shell.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_signer::permissions::cloudfront_permissions;
    /// let commands = cloudfront_permissions(
    ///     "arn:aws:lambda:us-east-1:123456789012:function:f",
    ///     "arn:aws:cloudfront::123456789012:distribution/E1",
    /// )?
    /// .cli_commands();
    /// assert!(commands[1].contains("--invoked-via-function-url"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cli_commands(&self) -> Vec<String> {
        let region = self
            .function_arn
            .split(':')
            .nth(3)
            .filter(|r| !r.is_empty())
            .map(|r| format!(" --region {}", shell_quote(r)))
            .unwrap_or_default();
        let base = |sid: &str, action: &str| {
            format!(
                "aws lambda add-permission --function-name {} --statement-id {sid} --action {action} --principal {PRINCIPAL} --source-arn {}",
                shell_quote(&self.function_arn),
                shell_quote(&self.distribution_arn),
            )
        };
        vec![
            format!(
                "{} --function-url-auth-type AWS_IAM{region}",
                base(URL_SID, "lambda:InvokeFunctionUrl")
            ),
            format!(
                "{} --invoked-via-function-url{region}",
                base(INVOKE_SID, "lambda:InvokeFunction")
            ),
        ]
    }
}

/// A JSON string literal for `text`.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` as one POSIX shell word.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, ':' | '/' | '-' | '_' | '.' | '$' | '@' | '+' | '=')
        })
        && !text.contains('$');
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a function ARN and returns its account id.
pub(crate) fn function_arn_account(arn: &str) -> Result<String, &'static str> {
    let fields: Vec<&str> = arn.split(':').collect();
    let (partition, region, account, name, qualifier) = match fields.as_slice() {
        ["arn", partition, "lambda", region, account, "function", name] => {
            (*partition, *region, *account, *name, None)
        }
        ["arn", partition, "lambda", region, account, "function", name, qualifier] => {
            (*partition, *region, *account, *name, Some(*qualifier))
        }
        _ => return Err("expected arn:aws:lambda:<region>:<account>:function:<name>"),
    };
    if partition.is_empty() || region.is_empty() {
        return Err("the partition and region must not be empty");
    }
    if !is_account_id(account) {
        return Err("the account id must be 12 digits");
    }
    let name_ok = |s: &str, extra: &[u8]| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || extra.contains(&b))
    };
    if !name_ok(name, b"") {
        return Err("the function name must be letters, digits, '-' or '_'");
    }
    if qualifier.is_some_and(|q| !name_ok(q, b"$")) {
        return Err("the qualifier must be letters, digits, '-', '_' or '$'");
    }
    Ok(account.to_owned())
}

/// Checks a distribution ARN and returns its account id.
pub(crate) fn distribution_arn_account(arn: &str) -> Result<String, &'static str> {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", partition, "cloudfront", region, account, resource] = fields.as_slice() else {
        return Err("expected arn:aws:cloudfront::<account>:distribution/<id>");
    };
    if partition.is_empty() {
        return Err("the partition must not be empty");
    }
    if !region.is_empty() {
        return Err("cloudfront arns have an empty region field");
    }
    if !is_account_id(account) {
        return Err("the account id must be 12 digits");
    }
    match resource.strip_prefix("distribution/") {
        Some(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Ok((*account).to_owned())
        }
        _ => Err("the resource must be distribution/<alphanumeric id>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_json_and_shell() {
        assert_eq!(json_string("a\"b\\c\n\u{1}"), r#""a\"b\\c\n\u0001""#);
        assert_eq!(shell_quote("arn:aws:x"), "arn:aws:x");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("f:$LATEST"), "'f:$LATEST'");
    }

    #[test]
    fn validates_arns() {
        assert_eq!(
            function_arn_account("arn:aws:lambda:us-east-1:123456789012:function:f"),
            Ok("123456789012".to_owned())
        );
        assert!(
            function_arn_account("arn:aws:lambda:us-east-1:123456789012:function:f:live").is_ok()
        );
        assert!(
            function_arn_account("arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST")
                .is_ok()
        );
        for bad in [
            "f",
            "arn:aws:lambda:us-east-1:1234:function:f",
            "arn:aws:lambda::123456789012:function:f",
            "arn:aws:lambda:us-east-1:123456789012:layer:f",
            "arn:aws:lambda:us-east-1:123456789012:function:",
            "arn:aws:lambda:us-east-1:123456789012:function:f:a:b",
        ] {
            assert!(function_arn_account(bad).is_err(), "{bad}");
        }
        assert_eq!(
            distribution_arn_account(
                "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
            ),
            Ok("123456789012".to_owned())
        );
        for bad in [
            "",
            "arn:aws:cloudfront::123:distribution/E1",
            "arn:aws:cloudfront:us-east-1:123456789012:distribution/E1",
            "arn:aws:s3::123456789012:distribution/E1",
            "arn:aws:cloudfront::123456789012:origin-access-control/E1",
            "arn:aws:cloudfront::123456789012:distribution/",
        ] {
            assert!(distribution_arn_account(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn commands_name_everything() {
        let p = cloudfront_permissions(
            "arn:aws:lambda:eu-central-1:123456789012:function:f",
            "arn:aws:cloudfront::123456789012:distribution/E1",
        )
        .expect("valid arns");
        let commands = p.cli_commands();
        assert_eq!(
            commands[0],
            "aws lambda add-permission --function-name arn:aws:lambda:eu-central-1:123456789012:function:f --statement-id AllowCloudFrontServicePrincipal --action lambda:InvokeFunctionUrl --principal cloudfront.amazonaws.com --source-arn arn:aws:cloudfront::123456789012:distribution/E1 --function-url-auth-type AWS_IAM --region eu-central-1"
        );
        assert!(commands[1].contains("--action lambda:InvokeFunction --principal"));
        assert!(commands[1].contains("--invoked-via-function-url --region eu-central-1"));
    }
}
