//! The main job: the CloudFront OAC + Lambda function URL experiment, offline.
//!
//! Starts the crate's emulator (a function URL with `AuthType: AWS_IAM` and a CloudFront
//! distribution with OAC in front of it) on loopback with a generated identity, sends the
//! article's requests with this crate, and prints what was expected and what came back.
//! Then the webhook rows: a sender's POST through CloudFront with the Lambda@Edge hasher
//! (`edge/index.mjs`, run under node); where node is not installed they are skipped with the
//! reason. Exits non-zero if any row differs.
//!
//! ```sh
//! cargo run --example demo --all-features
//! ```

use lambda_url_emulator::{Emulator, EmulatorIdentity, ResourcePolicy};
use lambda_url_signer::middleware::{OacMiddleware, SigningMiddleware};
use lambda_url_signer::permissions::cloudfront_permissions;
use lambda_url_signer::{Credentials, FunctionUrl, Signer};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use std::process::ExitCode;

const REGION: &str = "eu-central-1";
const ACCOUNT: &str = "123456789012";
const DISTRIBUTION: &str = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE";
const OTHER_DISTRIBUTION: &str = "arn:aws:cloudfront::123456789012:distribution/E2OTHEREXAMPLE";
/// The article's body: 4-space indent, no trailing newline.
const BODY: &str = "{\n    \"test\": \"message\"\n}";

struct Row {
    request: &'static str,
    expected: String,
    got: String,
}

impl Row {
    fn ok(&self) -> bool {
        self.expected == self.got
    }
}

/// `200`, or `403 AccessDeniedException` etc.
fn outcome(status: u16, error_type: Option<&str>) -> String {
    match error_type {
        Some(t) => format!("{status} {t}"),
        None => status.to_string(),
    }
}

async fn send(
    client: &ClientWithMiddleware,
    method: reqwest::Method,
    url: &str,
    body: Option<&'static str>,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut request = client.request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await?;
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(outcome(response.status().as_u16(), error_type.as_deref()))
}

async fn run() -> Result<(Vec<Row>, String), Box<dyn std::error::Error>> {
    let caller = EmulatorIdentity::generate(ACCOUNT);
    let function_arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:demo");
    let permissions = cloudfront_permissions(&function_arn, DISTRIBUTION)?;
    let policy = ResourcePolicy::from_json(&permissions.policy_json())?;
    let emulator = Emulator::builder()
        .region(REGION)
        .function_arn(&function_arn)
        .identity(caller.clone())
        .resource_policy(policy.clone())
        .cloudfront(lambda_url_emulator::CloudFrontConfig::new(DISTRIBUTION))
        .start()
        .await?;
    let function_url = FunctionUrl::with_region(emulator.function_url(), REGION)?;
    let cloudfront = emulator
        .cloudfront_url()
        .ok_or("the emulator started without cloudfront")?
        .to_owned();
    println!("function url (AWS_IAM): {}", emulator.function_url());
    println!("cloudfront (OAC, always sign): {cloudfront}");
    println!("caller: {}\n", caller.arn());

    let credentials = Credentials::new(
        caller.access_key_id(),
        caller.secret_access_key(),
        caller.session_token().map(str::to_owned),
        None,
        "demo",
    );
    let http = lambda_url_signer::reqwest::client_builder().build()?;
    let plain = ClientBuilder::new(http.clone()).build();
    let iam = ClientBuilder::new(http.clone())
        .with(SigningMiddleware::new(Signer::for_url(
            &function_url,
            credentials,
        )))
        .build();
    let oac = ClientBuilder::new(http).with(OacMiddleware::new()).build();

    use reqwest::Method;
    let direct = function_url.as_str();
    let mut rows = vec![
        Row {
            request: "direct GET, unsigned",
            expected: outcome(403, Some("AccessDeniedException")),
            got: send(&plain, Method::GET, direct, None).await?,
        },
        Row {
            request: "direct GET, signed (SigningMiddleware)",
            expected: outcome(200, None),
            got: send(&iam, Method::GET, direct, None).await?,
        },
        Row {
            request: "direct POST, signed (SigningMiddleware)",
            expected: outcome(200, None),
            got: send(&iam, Method::POST, direct, Some(BODY)).await?,
        },
        Row {
            request: "CloudFront GET, unsigned",
            expected: outcome(200, None),
            got: send(&plain, Method::GET, &cloudfront, None).await?,
        },
        Row {
            request: "CloudFront POST, no x-amz-content-sha256",
            expected: outcome(403, Some("InvalidSignatureException")),
            got: send(&plain, Method::POST, &cloudfront, Some(BODY)).await?,
        },
        Row {
            request: "CloudFront POST, x-amz-content-sha256 (OacMiddleware)",
            expected: outcome(200, None),
            got: send(&oac, Method::POST, &cloudfront, Some(BODY)).await?,
        },
    ];

    // The permission step: a distribution the function's resource policy does not name.
    let other = Emulator::builder()
        .region(REGION)
        .function_arn(&function_arn)
        .identity(caller.clone())
        .resource_policy(policy)
        .cloudfront(lambda_url_emulator::CloudFrontConfig::new(
            OTHER_DISTRIBUTION,
        ))
        .start()
        .await?;
    let other_cloudfront = other.cloudfront_url().ok_or("no cloudfront")?.to_owned();
    rows.push(Row {
        request: "CloudFront POST via a distribution not in the policy",
        expected: outcome(403, Some("AccessDeniedException")),
        got: send(&oac, Method::POST, &other_cloudfront, Some(BODY)).await?,
    });

    let fix = cloudfront_permissions(&function_arn, OTHER_DISTRIBUTION)?;
    let mut advice = format!(
        "The function's resource policy names only {DISTRIBUTION}.\n\
         To let {OTHER_DISTRIBUTION} invoke it, add these statements:\n{}\nor run:\n",
        fix.statements_json()
    );
    for command in fix.cli_commands() {
        advice.push_str(&format!("  {command}\n"));
    }

    // Webhooks: senders cannot add x-amz-content-sha256; the Lambda@Edge hasher does.
    let edge_dir = tempfile::tempdir()?;
    let handler = edge_dir.path().join("index.mjs");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("edge/index.mjs"),
        &handler,
    )?;
    let config = format!(
        r#"{{"routes":[{{"path_prefix":"/github/","verify":{{"scheme":"github","secret":"{GITHUB_SECRET}"}}}}]}}"#
    );
    std::fs::write(edge_dir.path().join("config.json"), config)?;
    match lambda_url_emulator::NodeTrigger::start(&handler).await {
        Err(e) => advice.push_str(&format!(
            "\nWebhook rows skipped: {e}. Install Node.js (20 or 22) to run the edge hasher.\n"
        )),
        Ok(trigger) => {
            let edge = Emulator::builder()
                .region(REGION)
                .function_arn(&function_arn)
                .identity(caller.clone())
                .resource_policy(ResourcePolicy::from_json(&permissions.policy_json())?)
                .cloudfront(lambda_url_emulator::CloudFrontConfig::new(DISTRIBUTION))
                .origin_request_trigger(trigger)
                .start()
                .await?;
            let base = edge.cloudfront_url().ok_or("no cloudfront")?.to_owned();
            let hook = format!("{base}github/push");
            rows.push(Row {
                request: "webhook POST via the edge hasher, GitHub-signed",
                expected: outcome(200, None),
                got: webhook(&plain, &hook, GITHUB_SIGNATURE, BODY_HELLO.to_vec()).await?,
            });
            rows.push(Row {
                request: "webhook POST via the edge hasher, forged signature",
                expected: "401 from the edge, function not invoked".to_owned(),
                got: {
                    let forged = format!("sha256={}", "0".repeat(64));
                    let status = webhook(&plain, &hook, &forged, BODY_HELLO.to_vec()).await?;
                    let invoked = edge.received().iter().filter(|r| r.via_cloudfront).count();
                    if status == "401" && invoked == 1 {
                        "401 from the edge, function not invoked".to_owned()
                    } else {
                        format!("{status}, {invoked} invocations")
                    }
                },
            });
            rows.push(Row {
                request: "webhook POST via the edge hasher, 1.2 MB body",
                expected: outcome(413, None),
                got: webhook(
                    &plain,
                    &format!("{base}hooks/big"),
                    "",
                    vec![b' '; 1_200_000],
                )
                .await?,
            });
        }
    }
    Ok((rows, advice))
}

/// The secret of GitHub's published example, and its signature over `Hello, World!`.
const GITHUB_SECRET: &str = "It's a Secret to Everybody";
const GITHUB_SIGNATURE: &str =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
const BODY_HELLO: &[u8] = b"Hello, World!";

/// A webhook sender's POST: no `x-amz-content-sha256`, a GitHub signature when given.
async fn webhook(
    client: &ClientWithMiddleware,
    url: &str,
    signature: &str,
    body: Vec<u8>,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    if !signature.is_empty() {
        request = request.header("x-hub-signature-256", signature);
    }
    let response = request.send().await?;
    Ok(outcome(response.status().as_u16(), None))
}

fn print_table(rows: &[Row]) {
    let width = rows.iter().map(|r| r.request.len()).max().unwrap_or(0);
    println!("{:<width$}  {:<40}  {:<40}  ", "request", "expected", "got");
    println!("{}", "-".repeat(width + 88));
    for row in rows {
        let mark = if row.ok() { "ok" } else { "MISMATCH" };
        println!(
            "{:<width$}  {:<40}  {:<40}  {mark}",
            row.request, row.expected, row.got
        );
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok((rows, advice)) => {
            print_table(&rows);
            println!("\nPermission step\n{advice}");
            let failed = rows.iter().filter(|r| !r.ok()).count();
            if failed == 0 {
                println!("\nall {} rows match the expected results", rows.len());
                ExitCode::SUCCESS
            } else {
                println!(
                    "\n{failed} of {} rows differ from the expected results",
                    rows.len()
                );
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("demo failed: {e}");
            ExitCode::FAILURE
        }
    }
}
