//! Lambda resource-based policies: parsing the AWS JSON and evaluating the
//! parts function URLs need.

use serde_json::Value;

/// Why a resource policy document was refused.
///
/// # Example
///
/// ```
/// use lambda_url_emulator::{PolicyError, ResourcePolicy};
///
/// let err = ResourcePolicy::from_json("{").unwrap_err();
/// assert!(matches!(err, PolicyError::Json(_)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The text is not JSON.
    #[error("policy is not valid json")]
    Json(#[source] serde_json::Error),
    /// The JSON is not a policy the emulator understands.
    #[error("invalid policy at {location}: {reason}")]
    Invalid {
        /// Where in the document, e.g. `Statement[1].Effect`.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// The policy uses an element or condition operator the emulator does
    /// not implement; it refuses rather than silently ignoring it.
    #[error("unsupported policy feature at {location}: {feature}")]
    Unsupported {
        /// Where in the document.
        location: String,
        /// The element or operator.
        feature: String,
    },
}

fn invalid(location: impl Into<String>, reason: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        location: location.into(),
        reason: reason.into(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Principal {
    Any,
    Aws(String),
    Service(String),
    /// Another principal type (e.g. `Federated`), which never matches here.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    ArnEquals,
    ArnNotEquals,
    ArnLike,
    ArnNotLike,
    Bool,
}

impl Operator {
    fn parse(name: &str) -> Option<(Operator, bool)> {
        let (base, if_exists) = match name.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (name, false),
        };
        let op = match base {
            "StringEquals" => Operator::StringEquals,
            "StringNotEquals" => Operator::StringNotEquals,
            "StringEqualsIgnoreCase" => Operator::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => Operator::StringNotEqualsIgnoreCase,
            "StringLike" => Operator::StringLike,
            "StringNotLike" => Operator::StringNotLike,
            "ArnEquals" => Operator::ArnEquals,
            "ArnNotEquals" => Operator::ArnNotEquals,
            "ArnLike" => Operator::ArnLike,
            "ArnNotLike" => Operator::ArnNotLike,
            "Bool" => Operator::Bool,
            _ => return None,
        };
        Some((op, if_exists))
    }

    fn negated(self) -> bool {
        matches!(
            self,
            Operator::StringNotEquals
                | Operator::StringNotEqualsIgnoreCase
                | Operator::StringNotLike
                | Operator::ArnNotEquals
                | Operator::ArnNotLike
        )
    }

    /// Whether the context value matches one policy value (before negation).
    fn matches(self, pattern: &str, value: &str) -> bool {
        match self {
            Operator::StringEquals | Operator::StringNotEquals => pattern == value,
            Operator::StringEqualsIgnoreCase | Operator::StringNotEqualsIgnoreCase => {
                pattern.eq_ignore_ascii_case(value)
            }
            Operator::StringLike | Operator::StringNotLike => glob(pattern, value),
            Operator::ArnEquals | Operator::ArnNotEquals => pattern == value,
            Operator::ArnLike | Operator::ArnNotLike => arn_like(pattern, value),
            Operator::Bool => pattern.eq_ignore_ascii_case(value),
        }
    }
}

#[derive(Clone, Debug)]
struct Condition {
    operator: Operator,
    if_exists: bool,
    key: String,
    values: Vec<String>,
}

#[derive(Clone, Debug)]
struct Statement {
    sid: Option<String>,
    effect: Effect,
    principals: Vec<Principal>,
    actions: Vec<String>,
    resources: Vec<String>,
    conditions: Vec<Condition>,
}

/// A Lambda function's resource-based policy, parsed from the JSON AWS
/// uses (what `aws lambda get-policy` prints in `Policy`, or a document you
/// write).
///
/// Supported: `Version` (`2012-10-17` or `2008-10-17`), `Statement` (one
/// object or a list), `Sid`, `Effect` `Allow`/`Deny`, `Principal` `"*"`,
/// `{"AWS": …}` (ARN, account id, `arn:aws:iam::<account>:root` or `"*"`)
/// or `{"Service": …}`, `Action` and `Resource` (string or list, `*` and
/// `?` wildcards), and `Condition` with the `String…`, `Arn…` and `Bool`
/// operators (optionally `…IfExists`). `NotPrincipal`, `NotAction`,
/// `NotResource` and other operators are refused with
/// [`PolicyError::Unsupported`]. A `get-policy` response
/// `{"Policy": "<json>", …}` is unwrapped, and a bare JSON list of
/// statements is accepted as the `Statement` list.
///
/// Evaluation follows IAM: an explicit `Deny` wins; otherwise a matching
/// `Allow` allows. Condition keys the emulator provides: `AWS:SourceArn`,
/// `AWS:SourceAccount` (for service principals, from the signed
/// `x-amz-source-*` headers), `lambda:FunctionUrlAuthType` and
/// `lambda:InvokedViaFunctionUrl` (`true` for every function URL request).
///
/// # Example
///
/// ```
/// use lambda_url_emulator::ResourcePolicy;
///
/// let policy = ResourcePolicy::from_json(r#"{
///   "Version": "2012-10-17",
///   "Statement": [{
///     "Sid": "AllowCloudFrontServicePrincipal",
///     "Effect": "Allow",
///     "Principal": {"Service": "cloudfront.amazonaws.com"},
///     "Action": "lambda:InvokeFunctionUrl",
///     "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
///     "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}
///   }]
/// }"#)?;
/// assert_eq!(policy.statement_ids(), vec!["AllowCloudFrontServicePrincipal"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ResourcePolicy {
    statements: Vec<Statement>,
}

/// The principal making a request, for evaluation.
#[derive(Clone, Debug)]
pub(crate) enum RequestPrincipal<'a> {
    Aws { arn: &'a str, account: &'a str },
    Service(&'a str),
}

/// The request context a policy is evaluated against.
#[derive(Clone, Debug)]
pub(crate) struct PolicyRequest<'a> {
    pub(crate) principal: RequestPrincipal<'a>,
    pub(crate) action: &'a str,
    pub(crate) resource: &'a str,
    pub(crate) source_arn: Option<&'a str>,
    pub(crate) source_account: Option<&'a str>,
    pub(crate) auth_type: &'a str,
    pub(crate) invoked_via_function_url: bool,
}

/// The outcome of evaluating a resource policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// A statement allows and none denies.
    Allow,
    /// A statement explicitly denies.
    Deny,
    /// No statement applies.
    NotApplicable,
}

impl ResourcePolicy {
    /// An empty policy: no statement, so it allows nothing.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::ResourcePolicy;
    /// assert!(ResourcePolicy::empty().statement_ids().is_empty());
    /// ```
    pub fn empty() -> Self {
        ResourcePolicy::default()
    }

    /// Parses a policy document.
    ///
    /// # Errors
    ///
    /// [`PolicyError::Json`] if the text is not JSON, [`PolicyError::Invalid`]
    /// if a required element is missing or malformed,
    /// [`PolicyError::Unsupported`] for elements the emulator cannot evaluate.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::ResourcePolicy;
    /// let policy = ResourcePolicy::from_json(r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"lambda:*","Resource":"*"}}"#)?;
    /// assert_eq!(policy.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self, PolicyError> {
        let value: Value = serde_json::from_str(text).map_err(PolicyError::Json)?;
        let document = match value.get("Policy") {
            Some(Value::String(inner)) => serde_json::from_str(inner).map_err(PolicyError::Json)?,
            _ => value,
        };
        // A bare list of statements, as `statements_json` writes it.
        let document = match document {
            Value::Array(list) => {
                let mut map = serde_json::Map::new();
                map.insert("Statement".to_owned(), Value::Array(list));
                Value::Object(map)
            }
            other => other,
        };
        let Value::Object(map) = &document else {
            return Err(invalid("(document)", "expected a JSON object"));
        };
        if let Some(version) = map.get("Version") {
            match version.as_str() {
                Some("2012-10-17" | "2008-10-17") => {}
                _ => return Err(invalid("Version", "expected \"2012-10-17\"")),
            }
        }
        let statements = match map.get("Statement") {
            Some(Value::Array(list)) => list.iter().collect::<Vec<_>>(),
            Some(single @ Value::Object(_)) => vec![single],
            Some(_) => return Err(invalid("Statement", "expected an object or a list")),
            None => return Err(invalid("Statement", "missing")),
        };
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(i, s)| parse_statement(&format!("Statement[{i}]"), s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ResourcePolicy { statements })
    }

    /// The number of statements.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::ResourcePolicy;
    /// assert_eq!(ResourcePolicy::empty().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Whether the policy has no statement.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::ResourcePolicy;
    /// assert!(ResourcePolicy::empty().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The `Sid`s of the statements that have one, in order.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::ResourcePolicy;
    /// let p = ResourcePolicy::from_json(r#"{"Statement":[{"Sid":"A","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#)?;
    /// assert_eq!(p.statement_ids(), vec!["A"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn statement_ids(&self) -> Vec<&str> {
        self.statements
            .iter()
            .filter_map(|s| s.sid.as_deref())
            .collect()
    }

    pub(crate) fn evaluate(&self, request: &PolicyRequest<'_>) -> Decision {
        let mut allowed = false;
        for statement in &self.statements {
            if statement.applies(request) {
                match statement.effect {
                    Effect::Deny => return Decision::Deny,
                    Effect::Allow => allowed = true,
                }
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::NotApplicable
        }
    }
}

impl Statement {
    fn applies(&self, request: &PolicyRequest<'_>) -> bool {
        self.principals
            .iter()
            .any(|p| principal_matches(p, &request.principal))
            && self.actions.iter().any(|a| {
                glob(
                    &a.to_ascii_lowercase(),
                    &request.action.to_ascii_lowercase(),
                )
            })
            && self.resources.iter().any(|r| glob(r, request.resource))
            && self.conditions.iter().all(|c| condition_holds(c, request))
    }
}

fn principal_matches(principal: &Principal, request: &RequestPrincipal<'_>) -> bool {
    match (principal, request) {
        (Principal::Any, _) => true,
        (Principal::Service(name), RequestPrincipal::Service(service)) => {
            name.eq_ignore_ascii_case(service)
        }
        (Principal::Aws(spec), RequestPrincipal::Aws { arn, account }) => {
            aws_principal_matches(spec, arn, account)
        }
        _ => false,
    }
}

fn aws_principal_matches(spec: &str, arn: &str, account: &str) -> bool {
    if spec == "*" {
        return true;
    }
    if spec.len() == 12 && spec.bytes().all(|b| b.is_ascii_digit()) {
        return spec == account;
    }
    let spec_fields: Vec<&str> = spec.splitn(6, ':').collect();
    if let [_, _, "iam", _, spec_account, "root"] = spec_fields.as_slice() {
        return *spec_account == account;
    }
    if spec == arn {
        return true;
    }
    // A role ARN names every session of that role.
    let arn_fields: Vec<&str> = arn.splitn(6, ':').collect();
    if let (
        [_, spec_partition, "iam", _, spec_account, spec_resource],
        [_, partition, "sts", _, caller_account, resource],
    ) = (spec_fields.as_slice(), arn_fields.as_slice())
    {
        if let (Some(role), Some(session_path)) = (
            spec_resource.strip_prefix("role/"),
            resource.strip_prefix("assumed-role/"),
        ) {
            let role_name = role.rsplit('/').next().unwrap_or(role);
            let session_role = session_path.split('/').next().unwrap_or_default();
            return spec_partition == partition
                && spec_account == caller_account
                && role_name == session_role;
        }
    }
    false
}

fn condition_holds(condition: &Condition, request: &PolicyRequest<'_>) -> bool {
    let invoked = if request.invoked_via_function_url {
        "true"
    } else {
        "false"
    };
    let value = match condition.key.to_ascii_lowercase().as_str() {
        "aws:sourcearn" => request.source_arn,
        "aws:sourceaccount" => request.source_account,
        "lambda:functionurlauthtype" => Some(request.auth_type),
        "lambda:invokedviafunctionurl" => Some(invoked),
        "aws:principalarn" => match request.principal {
            RequestPrincipal::Aws { arn, .. } => Some(arn),
            RequestPrincipal::Service(_) => None,
        },
        "aws:principalaccount" => match request.principal {
            RequestPrincipal::Aws { account, .. } => Some(account),
            RequestPrincipal::Service(_) => None,
        },
        _ => None,
    };
    let Some(value) = value else {
        // IAM: a missing key satisfies `…IfExists` and the negated operators.
        return condition.if_exists || condition.operator.negated();
    };
    let any = condition
        .values
        .iter()
        .any(|pattern| condition.operator.matches(pattern, value));
    if condition.operator.negated() {
        !any
    } else {
        any
    }
}

/// `*` matches any run of characters, `?` exactly one.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    pi = star_p + 1;
                    ti = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == '*')
}

/// IAM's `ArnLike`: each of the six `:`-separated fields is matched as a glob.
fn arn_like(pattern: &str, arn: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| glob(p, a))
}

fn strings(location: &str, value: &Value) -> Result<Vec<String>, PolicyError> {
    let one = |v: &Value| -> Result<String, PolicyError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(invalid(location, "expected a string or a list of strings")),
        }
    };
    match value {
        Value::Array(list) if !list.is_empty() => list.iter().map(one).collect(),
        Value::Array(_) => Err(invalid(location, "empty list")),
        other => Ok(vec![one(other)?]),
    }
}

fn parse_statement(location: &str, value: &Value) -> Result<Statement, PolicyError> {
    let Value::Object(map) = value else {
        return Err(invalid(location, "expected an object"));
    };
    for unsupported in ["NotPrincipal", "NotAction", "NotResource"] {
        if map.contains_key(unsupported) {
            return Err(PolicyError::Unsupported {
                location: format!("{location}.{unsupported}"),
                feature: unsupported.to_owned(),
            });
        }
    }
    let sid = match map.get("Sid") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid(format!("{location}.Sid"), "expected a string")),
        None => None,
    };
    let effect = match map.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => {
            return Err(invalid(
                format!("{location}.Effect"),
                "expected \"Allow\" or \"Deny\"",
            ))
        }
    };
    let principals = parse_principal(
        &format!("{location}.Principal"),
        map.get("Principal")
            .ok_or_else(|| invalid(format!("{location}.Principal"), "missing"))?,
    )?;
    let actions = strings(
        &format!("{location}.Action"),
        map.get("Action")
            .ok_or_else(|| invalid(format!("{location}.Action"), "missing"))?,
    )?;
    let resources = strings(
        &format!("{location}.Resource"),
        map.get("Resource")
            .ok_or_else(|| invalid(format!("{location}.Resource"), "missing"))?,
    )?;
    let conditions = match map.get("Condition") {
        None => Vec::new(),
        Some(value) => parse_conditions(&format!("{location}.Condition"), value)?,
    };
    Ok(Statement {
        sid,
        effect,
        principals,
        actions,
        resources,
        conditions,
    })
}

fn parse_principal(location: &str, value: &Value) -> Result<Vec<Principal>, PolicyError> {
    match value {
        Value::String(s) if s == "*" => Ok(vec![Principal::Any]),
        Value::Object(map) if !map.is_empty() => {
            let mut out = Vec::new();
            for (kind, names) in map {
                let names = strings(&format!("{location}.{kind}"), names)?;
                for name in names {
                    out.push(match kind.as_str() {
                        "AWS" if name == "*" => Principal::Any,
                        "AWS" => Principal::Aws(name),
                        "Service" => Principal::Service(name),
                        _ => Principal::Other,
                    });
                }
            }
            Ok(out)
        }
        _ => Err(invalid(
            location,
            "expected \"*\" or an object such as {\"Service\": \"cloudfront.amazonaws.com\"}",
        )),
    }
}

fn parse_conditions(location: &str, value: &Value) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(operators) = value else {
        return Err(invalid(location, "expected an object"));
    };
    let mut out = Vec::new();
    for (name, keys) in operators {
        let here = format!("{location}.{name}");
        let Some((operator, if_exists)) = Operator::parse(name) else {
            return Err(PolicyError::Unsupported {
                location: here,
                feature: format!("condition operator {name}"),
            });
        };
        let Value::Object(keys) = keys else {
            return Err(invalid(here, "expected an object of condition keys"));
        };
        for (key, values) in keys {
            out.push(Condition {
                operator,
                if_exists,
                key: key.clone(),
                values: strings(&format!("{here}.{key}"), values)?,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";
    const DIST: &str = "arn:aws:cloudfront::123456789012:distribution/E1";

    fn cloudfront_request<'a>(action: &'a str, source: Option<&'a str>) -> PolicyRequest<'a> {
        PolicyRequest {
            principal: RequestPrincipal::Service("cloudfront.amazonaws.com"),
            action,
            resource: FUNCTION,
            source_arn: source,
            source_account: Some("123456789012"),
            auth_type: "AWS_IAM",
            invoked_via_function_url: true,
        }
    }

    #[test]
    fn globs() {
        assert!(glob("*", ""));
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*:function:*", "arn:aws:lambda:r:1:function:f"));
        assert!(!glob("abc", "abcd"));
        assert!(arn_like("arn:aws:cloudfront::*:distribution/*", DIST));
        assert!(!arn_like("arn:aws:cloudfront::*:distribution/E2", DIST));
    }

    #[test]
    fn evaluates_cloudfront_statement() {
        let policy = ResourcePolicy::from_json(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"cloudfront.amazonaws.com"}},"Action":"lambda:InvokeFunctionUrl","Resource":"{FUNCTION}","Condition":{{"ArnLike":{{"AWS:SourceArn":"{DIST}"}}}}}}]}}"#
        ))
        .expect("valid policy");
        assert_eq!(
            policy.evaluate(&cloudfront_request("lambda:InvokeFunctionUrl", Some(DIST))),
            Decision::Allow
        );
        assert_eq!(
            policy.evaluate(&cloudfront_request("lambda:InvokeFunction", Some(DIST))),
            Decision::NotApplicable
        );
        assert_eq!(
            policy.evaluate(&cloudfront_request(
                "lambda:InvokeFunctionUrl",
                Some("arn:aws:cloudfront::123456789012:distribution/E2")
            )),
            Decision::NotApplicable
        );
        assert_eq!(
            policy.evaluate(&cloudfront_request("lambda:InvokeFunctionUrl", None)),
            Decision::NotApplicable
        );
    }

    #[test]
    fn deny_wins_and_roles_match_sessions() {
        let policy = ResourcePolicy::from_json(
            r#"{"Statement":[
                {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/R"},"Action":"lambda:*","Resource":"*"},
                {"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"lambda:InvokeFunction","Resource":"*",
                 "Condition":{"Bool":{"lambda:InvokedViaFunctionUrl":false}}}
            ]}"#,
        )
        .expect("valid policy");
        let request = PolicyRequest {
            principal: RequestPrincipal::Aws {
                arn: "arn:aws:sts::111122223333:assumed-role/R/s",
                account: "111122223333",
            },
            action: "lambda:InvokeFunction",
            resource: FUNCTION,
            source_arn: None,
            source_account: None,
            auth_type: "AWS_IAM",
            invoked_via_function_url: true,
        };
        assert_eq!(policy.evaluate(&request), Decision::Allow);
        let direct = PolicyRequest {
            invoked_via_function_url: false,
            ..request
        };
        assert_eq!(policy.evaluate(&direct), Decision::Deny);
    }

    #[test]
    fn refuses_unsupported_and_malformed() {
        assert!(matches!(
            ResourcePolicy::from_json(
                r#"{"Statement":[{"Effect":"Allow","NotPrincipal":"*","Action":"*","Resource":"*"}]}"#
            ),
            Err(PolicyError::Unsupported { .. })
        ));
        assert!(matches!(
            ResourcePolicy::from_json(
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"1.2.3.4"}}}]}"#
            ),
            Err(PolicyError::Unsupported { .. })
        ));
        assert!(matches!(
            ResourcePolicy::from_json(
                r#"{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*","Resource":"*"}]}"#
            ),
            Err(PolicyError::Invalid { .. })
        ));
        assert!(matches!(
            ResourcePolicy::from_json(
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]}"#
            ),
            Err(PolicyError::Invalid { .. })
        ));
        assert!(ResourcePolicy::from_json(r#"{"Policy":"{\"Statement\":[]}"}"#).is_ok());
    }
}
