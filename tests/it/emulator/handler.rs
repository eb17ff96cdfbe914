//! The function: the payload format 2.0 event it sees, its response as sent, and a 502 when it
//! panics.

use std::sync::{Arc, Mutex};

use lambda_url_emulator::{AuthType, Emulator, HandlerResponse};

use super::*;

#[tokio::test]
async fn custom_handler_sees_the_payload_2_0_event() {
    let case = cases("cases")
        .into_iter()
        .find(|c| name(c) == "query-session-token-post")
        .expect("query-session-token-post");
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let region = s(&case, "region");
    let emulator = Emulator::builder()
        .region(region)
        .function_host(s(&case, "host"))
        .identity(identity_of(&case, s(&case, "secret_key")))
        .clock_offset_secs(amz_secs(s(&case, "time")) - now_secs())
        .handler(move |event| {
            let json = event.to_json();
            if let Ok(mut list) = sink.lock() {
                list.push(json);
            }
            HandlerResponse::text(201, "made").with_header("x-from", "handler")
        })
        .start()
        .await
        .expect("starts");
    let target = target(&case);
    let body = body(&case);
    let mut headers = wire_headers(&case);
    headers.push(h("cookie", "a=1; b=2"));
    headers.push(h("user-agent", "raw-test/1.0"));
    let reply = send(emulator.function_addr(), "POST", &target, &headers, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.text(), "made");
    assert_eq!(reply.header("x-from"), Some("handler"));
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let request_id = reply
        .header("x-amzn-RequestId")
        .expect("request id")
        .to_owned();

    let event = seen.lock().expect("lock").pop().expect("the handler ran");
    let (path, query) = target.split_once('?').expect("query");
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "$default");
    assert_eq!(event["rawPath"], path);
    assert_eq!(event["rawQueryString"], query);
    assert_eq!(event["cookies"], serde_json::json!(["a=1", "b=2"]));
    assert!(event["headers"].get("authorization").is_none());
    assert!(event["headers"].get("cookie").is_none());
    assert_eq!(event["headers"]["host"], s(&case, "host"));
    assert_eq!(event["headers"]["x-amz-date"], s(&case, "time"));
    assert_eq!(event["queryStringParameters"]["source"], "github");
    assert_eq!(event["isBase64Encoded"], false);
    assert_eq!(
        event["body"],
        String::from_utf8(body.clone()).expect("utf-8 body")
    );
    let context = &event["requestContext"];
    assert_eq!(context["requestId"], request_id);
    assert_eq!(context["http"]["method"], "POST");
    assert_eq!(context["http"]["path"], path);
    assert_eq!(context["http"]["protocol"], "HTTP/1.1");
    assert_eq!(context["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(context["http"]["userAgent"], "raw-test/1.0");
    assert_eq!(context["accountId"], ACCOUNT);
    let iam = &context["authorizer"]["iam"];
    assert_eq!(iam["accessKey"], s(&case, "access_key"));
    assert_eq!(iam["accountId"], ACCOUNT);
    assert_eq!(iam["userArn"], "arn:aws:iam::123456789012:user/vector");
    assert!(iam["callerId"]
        .as_str()
        .is_some_and(|id| id.starts_with("AIDA")));
    let epoch = context["timeEpoch"].as_i64().expect("timeEpoch");
    assert!(
        (epoch / 1000 - amz_secs(s(&case, "time"))).abs() < 60,
        "server clock = vector time"
    );
    assert!(context["time"]
        .as_str()
        .is_some_and(|t| t.ends_with(" +0000") && t.contains("/Nov/2025:")));
}

#[tokio::test]
async fn a_panicking_handler_gives_502() {
    let emulator = Emulator::builder()
        .region(REGION)
        .auth_type(AuthType::None)
        .handler(|_| panic!("the function crashed"))
        .start()
        .await
        .expect("starts");
    let host = [h("host", emulator.function_host())];
    let reply = send(emulator.function_addr(), "GET", "/", &host, b"").await;
    assert_eq!(reply.status, 502);
    assert!(reply.header("x-amzn-RequestId").is_some());
    // The server is still up.
    let reply = send(emulator.function_addr(), "GET", "/", &host, b"").await;
    assert_eq!(reply.status, 502);
}
