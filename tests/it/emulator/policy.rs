//! The permissions `cloudfront_permissions` writes, read back by the emulator's policy parser,
//! and the parser's errors.

use lambda_url_emulator::{PolicyError, ResourcePolicy};
use lambda_url_signer::permissions::PermissionsError;

use super::*;

#[test]
fn permissions_round_trip_through_the_policy_parser() {
    let permissions = cloudfront_permissions(FUNCTION_ARN, DISTRIBUTION).expect("valid");
    let statements: Value =
        serde_json::from_str(&permissions.statements_json()).expect("statements are JSON");
    let list = statements.as_array().expect("a list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["Sid"], "AllowCloudFrontServicePrincipal");
    assert_eq!(list[0]["Effect"], "Allow");
    assert_eq!(list[0]["Principal"]["Service"], "cloudfront.amazonaws.com");
    assert_eq!(list[0]["Action"], "lambda:InvokeFunctionUrl");
    assert_eq!(list[0]["Resource"], FUNCTION_ARN);
    assert_eq!(
        list[0]["Condition"]["ArnLike"]["AWS:SourceArn"],
        DISTRIBUTION
    );
    assert_eq!(
        list[0]["Condition"]["StringEquals"]["lambda:FunctionUrlAuthType"],
        "AWS_IAM"
    );
    assert_eq!(list[1]["Action"], "lambda:InvokeFunction");
    assert_eq!(
        list[1]["Condition"]["Bool"]["lambda:InvokedViaFunctionUrl"],
        "true"
    );
    assert_eq!(
        list[1]["Condition"]["ArnLike"]["AWS:SourceArn"],
        DISTRIBUTION
    );

    let policy =
        ResourcePolicy::from_json(&permissions.statements_json()).expect("statements parse");
    assert_eq!(
        policy.statement_ids(),
        [
            "AllowCloudFrontServicePrincipal",
            "AllowCloudFrontServicePrincipalInvokeFunction"
        ]
    );
    let document: Value = serde_json::from_str(&permissions.policy_json()).expect("policy is JSON");
    assert_eq!(document["Version"], "2012-10-17");
    assert_eq!(document["Statement"], statements);
    assert_eq!(
        ResourcePolicy::from_json(&permissions.policy_json())
            .expect("parses")
            .len(),
        2
    );
    // As `aws lambda get-policy` prints it.
    let get_policy =
        serde_json::json!({"Policy": permissions.policy_json(), "RevisionId": "x"}).to_string();
    assert_eq!(
        ResourcePolicy::from_json(&get_policy)
            .expect("parses")
            .len(),
        2
    );

    let commands = permissions.cli_commands();
    assert_eq!(commands.len(), 2);
    for command in &commands {
        assert!(command.starts_with("aws lambda add-permission "));
        assert!(command.contains(&format!("--function-name {FUNCTION_ARN}")));
        assert!(command.contains(&format!("--source-arn {DISTRIBUTION}")));
        assert!(command.contains("--principal cloudfront.amazonaws.com"));
        assert!(command.contains("--region eu-central-1"));
    }
    assert!(commands[0].contains(
        "--statement-id AllowCloudFrontServicePrincipal --action lambda:InvokeFunctionUrl"
    ));
    assert!(commands[0].contains("--function-url-auth-type AWS_IAM"));
    assert!(commands[1].contains("--action lambda:InvokeFunction "));
    assert!(commands[1].contains("--invoked-via-function-url"));
}

#[test]
fn permissions_reject_malformed_arns() {
    let err = cloudfront_permissions("emulated", DISTRIBUTION).expect_err("function name only");
    assert!(matches!(err, PermissionsError::InvalidFunctionArn { .. }));
    assert!(err.to_string().contains("emulated"));
    let err = cloudfront_permissions(
        FUNCTION_ARN,
        "arn:aws:cloudfront::123456789012:distribution/E1\"}",
    )
    .expect_err("quote");
    assert!(matches!(
        err,
        PermissionsError::InvalidDistributionArn { .. }
    ));
    assert!(cloudfront_permissions(FUNCTION_ARN, "").is_err());
    // A qualified ARN is fine and the `$` is quoted for the shell.
    let qualified = format!("{FUNCTION_ARN}:$LATEST");
    let commands = cloudfront_permissions(&qualified, DISTRIBUTION)
        .expect("qualified")
        .cli_commands();
    assert!(commands[0].contains(&format!("--function-name '{qualified}'")));
}

#[test]
fn policy_parser_reports_errors_by_location() {
    assert!(matches!(
        ResourcePolicy::from_json("not json"),
        Err(PolicyError::Json(_))
    ));
    let err = ResourcePolicy::from_json(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Allow"}]}"#)
        .expect_err("second statement incomplete");
    assert!(err.to_string().contains("Statement[1]"), "{err}");
    assert!(matches!(
        ResourcePolicy::from_json(r#"{"Version":"2099-01-01","Statement":[]}"#),
        Err(PolicyError::Invalid { .. })
    ));
    assert!(ResourcePolicy::empty().is_empty());
}
