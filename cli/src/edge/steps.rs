//! What `lambda-url edge package` prints after writing the zip: what it wrote, then the aws CLI
//! steps that deploy it (the same as edge/README.md's "Deployment").

use super::Summary;

/// The execution role's trust policy: Lambda@Edge needs both service principals.
pub const TRUST_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]},
      "Action": "sts:AssumeRole"
    }
  ]
}"#;

/// The origin request policy: the function sees only the headers CloudFront forwards, so the
/// senders' signature headers must be forwarded (and `Host` must not be, to a function URL).
pub const ORIGIN_REQUEST_POLICY: &str = r#"{
  "Name": "webhook-signature-headers",
  "HeadersConfig": {
    "HeaderBehavior": "whitelist",
    "Headers": {"Quantity": 8, "Items": [
      "content-type", "x-hub-signature-256", "stripe-signature", "x-slack-signature",
      "x-slack-request-timestamp", "webhook-id", "webhook-timestamp", "webhook-signature"
    ]}
  },
  "CookiesConfig": {"CookieBehavior": "none"},
  "QueryStringsConfig": {"QueryStringBehavior": "all"}
}"#;

const STEPS: &str = r#"
The zip holds the webhook secrets: keep it out of version control (it is written readable by
its owner only), and restrict lambda:GetFunction on the function, which downloads it.

Deployment with the aws CLI. Lambda@Edge functions live in us-east-1, run on x86_64, are
associated by numbered version, and see only the headers CloudFront forwards to the origin.

FUNCTION=edge-body-hasher
DISTRIBUTION_ID=EDFDVBD6EXAMPLE   # the distribution in front of the function URL
ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)

1. An execution role trusted by lambda.amazonaws.com and edgelambda.amazonaws.com:

cat > trust.json <<'JSON'
@TRUST@
JSON
aws iam create-role --role-name "$FUNCTION" --assume-role-policy-document file://trust.json
aws iam attach-role-policy --role-name "$FUNCTION" \
  --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
sleep 10   # a new role takes a few seconds before Lambda may assume it

2. The function in us-east-1 (runtime nodejs22.x, handler index.handler), then a numbered
   version (Lambda@Edge cannot use $LATEST or an alias):

aws lambda create-function --region us-east-1 --function-name "$FUNCTION" \
  --runtime nodejs22.x --architectures x86_64 --handler index.handler \
  --role "arn:aws:iam::$ACCOUNT_ID:role/$FUNCTION" \
  --zip-file @ZIP@ --timeout 5 --memory-size 128
aws lambda wait function-active-v2 --region us-east-1 --function-name "$FUNCTION"
VERSION_ARN=$(aws lambda publish-version --region us-east-1 --function-name "$FUNCTION" \
  --query FunctionArn --output text)   # arn:aws:lambda:us-east-1:...:function:edge-body-hasher:1

3. An origin request policy forwarding the senders' signature headers (x-hub-signature-256,
   stripe-signature, x-slack-signature, x-slack-request-timestamp, webhook-id,
   webhook-timestamp, webhook-signature): without it every verified route answers
   401 "missing header". Add any header the function itself reads; never forward Host to a
   function URL origin.

cat > orp.json <<'JSON'
@ORP@
JSON
ORP_ID=$(aws cloudfront create-origin-request-policy \
  --origin-request-policy-config file://orp.json --query OriginRequestPolicy.Id --output text)

4. The association on the cache behaviour that points at the function URL origin (OAC signing
   "always", POST allowed, a no-caching policy such as CachingDisabled): EventType
   origin-request, IncludeBody true, on the numbered version ARN. This edits the default
   cache behaviour; adapt the jq path for another one.

aws cloudfront get-distribution-config --id "$DISTRIBUTION_ID" > dist.json
ETAG=$(jq -r .ETag dist.json)
jq --arg arn "$VERSION_ARN" --arg orp "$ORP_ID" '.DistributionConfig
  | .DefaultCacheBehavior.OriginRequestPolicyId = $orp
  | .DefaultCacheBehavior.LambdaFunctionAssociations = {"Quantity": 1, "Items": [
      {"LambdaFunctionARN": $arn, "EventType": "origin-request", "IncludeBody": true}]}' \
  dist.json > dist-config.json
aws cloudfront update-distribution --id "$DISTRIBUTION_ID" --if-match "$ETAG" \
  --distribution-config file://dist-config.json

To change the code or the secrets later: package again, then

aws lambda update-function-code --region us-east-1 --function-name "$FUNCTION" \
  --zip-file @ZIP@
aws lambda wait function-updated-v2 --region us-east-1 --function-name "$FUNCTION"

and publish-version and step 4 again with the new VERSION_ARN. After deploying, send a test
POST through CloudFront.
"#;

/// The whole text printed on success.
pub fn report(summary: &Summary) -> String {
    let out = summary.out.display().to_string();
    let mut text = format!(
        "Wrote {out} ({} bytes): index.mjs ({} bytes, {}) and config.json ({} bytes).\n\
         The config passed the handler's own cold-start check under node {}.\n",
        summary.zip_len, summary.handler_len, summary.handler, summary.config_len, summary.node,
    );
    text.push_str(
        &STEPS
            .replace("@TRUST@", TRUST_POLICY)
            .replace("@ORP@", ORIGIN_REQUEST_POLICY)
            .replace("@ZIP@", &shell_word(&format!("fileb://{out}"))),
    );
    text
}

/// `word` as one shell word: as it is when it has only safe characters, else single-quoted.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-:+=@,%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn the_policies_are_json_and_consistent() {
        let trust: serde_json::Value = serde_json::from_str(TRUST_POLICY).unwrap();
        assert_eq!(
            trust["Statement"][0]["Principal"]["Service"],
            serde_json::json!(["lambda.amazonaws.com", "edgelambda.amazonaws.com"])
        );
        let orp: serde_json::Value = serde_json::from_str(ORIGIN_REQUEST_POLICY).unwrap();
        let headers = &orp["HeadersConfig"]["Headers"];
        let items = headers["Items"].as_array().unwrap();
        assert_eq!(headers["Quantity"], serde_json::json!(items.len()));
        for name in [
            "x-hub-signature-256",
            "stripe-signature",
            "x-slack-signature",
            "x-slack-request-timestamp",
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
        ] {
            assert!(items.contains(&serde_json::json!(name)), "{name}");
        }
        assert!(!items.contains(&serde_json::json!("host")));
    }

    #[test]
    fn the_report_names_the_zip_as_one_shell_word() {
        let summary = |out: &str| Summary {
            out: PathBuf::from(out),
            zip_len: 100,
            handler: "h".to_owned(),
            handler_len: 60,
            config_len: 2,
            node: "v22.0.0".to_owned(),
        };
        let text = report(&summary("build/edge.zip"));
        assert!(text.contains("--zip-file fileb://build/edge.zip --timeout 5"));
        for placeholder in ["@TRUST@", "@ORP@", "@ZIP@"] {
            assert!(!text.contains(placeholder), "{placeholder} left: {text}");
        }
        let text = report(&summary("my dir/it's.zip"));
        assert!(text.contains(r"--zip-file 'fileb://my dir/it'\''s.zip' --timeout"));
    }
}
