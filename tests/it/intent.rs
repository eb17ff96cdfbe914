//! Intent: for every common way a reqwest user builds a request, the function receives what the
//! caller meant. Each row builds a request one way (a URL string with `+`, `%2B`, `%20`;
//! `query_pairs_mut`; reqwest's `.query()`; `.json()`; `.form()`; `.body()`; `.header()`; the
//! client's `default_headers`; `bearer_auth`) and states what the caller meant: method, path,
//! each decoded query pair, headers and body bytes. The assertions are on the **handler's
//! event**: the path percent-decoded, the raw query string decoded with form-urlencoded rules
//! (`+` is a space), as function code does, and the signature verified by the emulator.
//!
//! Every row goes through `SigningMiddleware` to the function URL (IAM) and through
//! `OacMiddleware` to the emulated CloudFront (OAC `always`). The table of what arrived is
//! printed (`cargo test --all-features --test it intent:: -- --nocapture`).

use crate::support;
use lambda_url_emulator::{Emulator, HandlerResponse, InvokeEvent};
use lambda_url_signer::middleware::{OacMiddleware, SigningMiddleware};
use lambda_url_signer::reqwest::client_builder;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, RequestBuilder};
use std::sync::{Arc, Mutex};

const BEARER: &str = "intent-bearer-token-0123456789";
const DEFAULT_HEADER: (&str, &str) = ("x-default", "from the client");

/// Builds a request with a client, from the base URL (no trailing slash).
type Build = Box<dyn Fn(&ClientWithMiddleware, &str) -> RequestBuilder>;

/// A way of building a request, and what its caller meant.
struct Row {
    name: &'static str,
    method: &'static str,
    /// The path, decoded.
    path: &'static str,
    /// The query pairs, decoded, in order.
    query: Vec<(&'static str, &'static str)>,
    /// Headers the function must see with these values (besides the client default header).
    headers: Vec<(&'static str, &'static str)>,
    body: Vec<u8>,
    build: Build,
}

fn row(
    name: &'static str,
    method: &'static str,
    path: &'static str,
    query: &[(&'static str, &'static str)],
    build: impl Fn(&ClientWithMiddleware, &str) -> RequestBuilder + 'static,
) -> Row {
    Row {
        name,
        method,
        path,
        query: query.to_vec(),
        headers: Vec::new(),
        body: Vec::new(),
        build: Box::new(build),
    }
}

/// A GET of `base` + `target` written as a URL string.
fn url_row(
    name: &'static str,
    target: &'static str,
    path: &'static str,
    query: &[(&'static str, &'static str)],
) -> Row {
    row(name, "GET", path, query, move |c, base| {
        c.get(format!("{base}{target}"))
    })
}

/// Query values with every character that has a meaning in a query.
const AWKWARD: [(&str, &str); 6] = [
    ("q", "a b+c"),
    ("sym", "&=%/?#+"),
    ("uni", "Grüße 😀"),
    ("empty", ""),
    ("q", "second"),
    ("a b", "key with a space"),
];

fn json_value() -> serde_json::Value {
    serde_json::json!({"text": "a b+c&d=e", "n": 1, "uni": "é😀"})
}

const FORM: [(&str, &str); 3] = [("a", "b c+d"), ("sym", "&=%"), ("uni", "ü")];

fn rows() -> Vec<Row> {
    let mut rows = vec![
        url_row(
            "url: `+` in a query",
            "/items?q=a+b",
            "/items",
            &[("q", "a b")],
        ),
        url_row(
            "url: `%2B` in a query",
            "/items?q=a%2Bb",
            "/items",
            &[("q", "a+b")],
        ),
        url_row(
            "url: `%20` in a query",
            "/items?q=a%20b",
            "/items",
            &[("q", "a b")],
        ),
        url_row(
            "url: raw space in a query",
            "/items?q=a b",
            "/items",
            &[("q", "a b")],
        ),
        url_row(
            "url: encoded `&` and `=`, raw `=` in a value",
            "/items?q=a%26b%3Dc&r=x=y",
            "/items",
            &[("q", "a&b=c"), ("r", "x=y")],
        ),
        url_row(
            "url: `%25` and a lone `%`",
            "/items?p=100%25&lone=5%",
            "/items",
            &[("p", "100%"), ("lone", "5%")],
        ),
        url_row(
            "url: unicode in a query",
            "/items?name=Grüße&emoji=😀",
            "/items",
            &[("name", "Grüße"), ("emoji", "😀")],
        ),
        url_row(
            "url: empty, valueless and repeated keys",
            "/items?a=1&flag&a=2&empty=&a=0",
            "/items",
            &[
                ("a", "1"),
                ("flag", ""),
                ("a", "2"),
                ("empty", ""),
                ("a", "0"),
            ],
        ),
        url_row(
            "url: `+`, `%20`, `%2B` in a path",
            "/a+b/c%20d/e%2Bf",
            "/a+b/c d/e+f",
            &[],
        ),
        url_row("url: unicode in a path", "/café/😀", "/café/😀", &[]),
        row("query_pairs_mut", "GET", "/items", &AWKWARD, |c, base| {
            let mut url = url::Url::parse(&format!("{base}/items")).unwrap();
            url.query_pairs_mut().extend_pairs(AWKWARD);
            c.get(url)
        }),
        row(".query()", "GET", "/items", &AWKWARD, |c, base| {
            c.get(format!("{base}/items")).query(&AWKWARD)
        }),
        row(
            ".query() after a query in the URL",
            "GET",
            "/items",
            &[("x", "1 2"), ("y", "3+4")],
            |c, base| c.get(format!("{base}/items?x=1+2")).query(&[("y", "3+4")]),
        ),
    ];

    let mut json = row(".json()", "POST", "/items", &[], |c, base| {
        c.post(format!("{base}/items")).json(&json_value())
    });
    json.body = serde_json::to_vec(&json_value()).unwrap();
    json.headers = vec![("content-type", "application/json")];
    rows.push(json);

    let mut form = row(".form() keeps its `+`", "POST", "/form", &[], |c, base| {
        c.post(format!("{base}/form")).form(&FORM)
    });
    form.body = b"a=b+c%2Bd&sym=%26%3D%25&uni=%C3%BC".to_vec();
    form.headers = vec![("content-type", "application/x-www-form-urlencoded")];
    rows.push(form);

    let mut bytes = row(
        ".body() with binary bytes",
        "PUT",
        "/blob",
        &[],
        |c, base| {
            c.put(format!("{base}/blob"))
                .header("content-type", "application/octet-stream")
                .body((0..=255u8).collect::<Vec<u8>>())
        },
    );
    bytes.body = (0..=255u8).collect();
    bytes.headers = vec![("content-type", "application/octet-stream")];
    rows.push(bytes);

    let mut headers = row(".header()", "GET", "/h", &[], |c, base| {
        c.get(format!("{base}/h"))
            .header("x-intent", "hello world")
            .header("x-json", r#"{"a":"b c"}"#)
    });
    headers.headers = vec![("x-intent", "hello world"), ("x-json", r#"{"a":"b c"}"#)];
    rows.push(headers);

    rows.push(row("bearer_auth", "GET", "/secure", &[], |c, base| {
        c.get(format!("{base}/secure")).bearer_auth(BEARER)
    }));
    rows
}

/// Percent-decodes a path (a `+` stays a plus).
fn decode_path(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the function saw, as the row's caller would read it.
fn arrived(event: &InvokeEvent) -> String {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(event.raw_query_string.as_bytes())
            .into_owned()
            .collect();
    let body = match std::str::from_utf8(&event.body) {
        Ok(text) => format!("{text:?}"),
        Err(_) => format!("{} binary bytes", event.body.len()),
    };
    format!(
        "{} {} (raw `{}`), query {query:?} (raw `{}`), body {body}",
        event.method,
        decode_path(&event.raw_path),
        event.raw_path,
        event.raw_query_string
    )
}

/// The differences between what the row's caller meant and what the function saw.
fn differences(row: &Row, event: &InvokeEvent) -> Vec<String> {
    let mut out = Vec::new();
    if event.method != row.method {
        out.push(format!("method {} != {}", event.method, row.method));
    }
    let path = decode_path(&event.raw_path);
    if path != row.path {
        out.push(format!("path {path:?} != {:?}", row.path));
    }
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(event.raw_query_string.as_bytes())
            .into_owned()
            .collect();
    let meant: Vec<(String, String)> = row
        .query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if query != meant {
        out.push(format!("query {query:?} != {meant:?}"));
    }
    for (name, value) in row.headers.iter().chain([&DEFAULT_HEADER]) {
        if event.header(name) != Some(value) {
            out.push(format!(
                "header {name}: {:?} != {value:?}",
                event.header(name)
            ));
        }
    }
    if event.body != row.body {
        out.push(format!(
            "body {:?} != {:?}",
            String::from_utf8_lossy(&event.body),
            String::from_utf8_lossy(&row.body)
        ));
    }
    if event.caller.is_none() {
        out.push("no verified caller".to_owned());
    }
    if event.header("authorization").is_some() {
        out.push("the function saw an authorization header".to_owned());
    }
    out
}

fn client_headers() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        DEFAULT_HEADER.0,
        reqwest::header::HeaderValue::from_static(DEFAULT_HEADER.1),
    );
    headers
}

/// The two ways in: the function URL with `SigningMiddleware`, CloudFront with `OacMiddleware`.
fn modes(emulator: &Emulator) -> [(&'static str, ClientWithMiddleware, String); 2] {
    let http = || {
        client_builder()
            .default_headers(client_headers())
            .build()
            .unwrap()
    };
    let iam = ClientBuilder::new(http())
        .with(SigningMiddleware::new(support::signer()))
        .build();
    let oac = ClientBuilder::new(http())
        .with(OacMiddleware::new())
        .build();
    let base = |url: &str| url.trim_end_matches('/').to_owned();
    [
        ("iam", iam, base(emulator.function_url())),
        ("oac", oac, base(emulator.cloudfront_url().unwrap())),
    ]
}

#[tokio::test]
async fn the_function_receives_what_the_caller_meant() {
    let events: Arc<Mutex<Vec<InvokeEvent>>> = Arc::default();
    let sink = Arc::clone(&events);
    let emulator = support::emulator(move |b| {
        b.handler(move |event| {
            sink.lock().unwrap().push(event.clone());
            HandlerResponse::text(200, "ok")
        })
    })
    .await;
    let mut table = Vec::new();
    let mut failures = Vec::new();
    for (mode, client, base) in modes(&emulator) {
        for row in rows() {
            emulator.clear_received();
            events.lock().unwrap().clear();
            let response = (row.build)(&client, &base).send().await;
            let status = match response {
                Ok(response) => response.status().as_u16(),
                Err(err) => {
                    failures.push(format!("{mode} {}: not sent: {err:?}", row.name));
                    continue;
                }
            };
            let seen = events.lock().unwrap().clone();
            let Some(event) = seen.first() else {
                failures.push(format!(
                    "{mode} {}: {status}, the function was not invoked",
                    row.name
                ));
                continue;
            };
            let wrong = differences(&row, event);
            // The bearer token went nowhere past the middleware (IAM) or CloudFront (OAC).
            let leaked = emulator.received().iter().any(|r| {
                r.headers
                    .iter()
                    .any(|(_, v)| String::from_utf8_lossy(v).contains(BEARER))
            }) || event.headers.iter().any(|(_, v)| v.contains(BEARER));
            let verdict = if wrong.is_empty() && !leaked && status == 200 {
                "ok".to_owned()
            } else {
                let mut problems = wrong;
                if leaked {
                    problems.push("the bearer token reached the function URL".to_owned());
                }
                if status != 200 {
                    problems.push(format!("status {status}"));
                }
                failures.push(format!("{mode} {}: {}", row.name, problems.join("; ")));
                format!("WRONG: {}", problems.join("; "))
            };
            table.push(format!(
                "{mode} | {} | {} | {verdict}",
                row.name,
                arrived(event)
            ));
        }
    }
    println!("intent: {} rows", table.len());
    for line in &table {
        println!("intent: {line}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
