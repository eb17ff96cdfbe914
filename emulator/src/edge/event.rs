//! The origin-request event CloudFront hands a Lambda@Edge function, and what its answer does.

use base64::Engine as _;
use serde_json::{json, Map, Value};

/// How much of the body an origin-request event carries (Lambda@Edge's quota); past it,
/// `inputTruncated` is true.
const MAX_EVENT_BODY: usize = 1 << 20;

/// The request as the trigger sees and may change it.
#[derive(Clone, Debug)]
pub(crate) struct EdgeRequest {
    pub(crate) method: String,
    /// The path and query, as on the request line.
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    pub(crate) body: Vec<u8>,
}

/// What the trigger's answer means.
#[derive(Debug)]
pub(crate) enum EdgeAnswer {
    /// Go on to the origin with this request.
    Forward(EdgeRequest),
    /// Answer the viewer with this response; the origin is not called.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// The answer is not a request nor a response (CloudFront: 502).
    Malformed(String),
}

/// The event, in CloudFront's documented structure (`Records[0].cf`).
pub(crate) fn origin_request_event(
    request: &EdgeRequest,
    client_ip: &str,
    distribution_domain: &str,
    request_id: &str,
) -> Value {
    let (uri, querystring) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    let mut headers = Map::new();
    for (name, value) in &request.headers {
        let entry = headers
            .entry(name.to_ascii_lowercase())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(json!({"key": name, "value": String::from_utf8_lossy(value)}));
        }
    }
    let shown = request.body.get(..MAX_EVENT_BODY).unwrap_or(&request.body);
    json!({"Records": [{"cf": {
        "config": {
            "distributionDomainName": distribution_domain,
            "distributionId": "EMULATED",
            "eventType": "origin-request",
            "requestId": request_id,
        },
        "request": {
            "clientIp": client_ip,
            "method": request.method,
            "uri": uri,
            "querystring": querystring,
            "headers": headers,
            "body": {
                "action": "read-only",
                "data": base64::engine::general_purpose::STANDARD.encode(shown),
                "encoding": "base64",
                "inputTruncated": request.body.len() > MAX_EVENT_BODY,
            },
        },
    }}]})
}

/// Reads the trigger's answer for `original`.
pub(crate) fn apply(answer: Value, original: EdgeRequest) -> EdgeAnswer {
    let Value::Object(answer) = answer else {
        return EdgeAnswer::Malformed("the answer is not an object".to_owned());
    };
    if answer.contains_key("status") {
        return response(&answer);
    }
    match request(&answer, original) {
        Ok(request) => EdgeAnswer::Forward(request),
        Err(reason) => EdgeAnswer::Malformed(reason),
    }
}

/// A generated response: `status` (a string or a number), `headers`, `body` in `bodyEncoding`.
fn response(answer: &Map<String, Value>) -> EdgeAnswer {
    let status = match &answer["status"] {
        Value::String(text) => text.parse::<u16>().ok(),
        Value::Number(number) => number.as_u64().and_then(|n| u16::try_from(n).ok()),
        _ => None,
    };
    let Some(status) = status.filter(|s| (100..=599).contains(s)) else {
        return EdgeAnswer::Malformed("the response status is not an http status".to_owned());
    };
    let headers = match answer.get("headers") {
        None => Vec::new(),
        Some(value) => match header_list(value) {
            Ok(headers) => headers
                .into_iter()
                .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
                .collect(),
            Err(reason) => return EdgeAnswer::Malformed(reason),
        },
    };
    let body = match (answer.get("body"), answer.get("bodyEncoding")) {
        (None, _) => Vec::new(),
        (Some(Value::String(text)), Some(Value::String(encoding))) if encoding == "base64" => {
            match base64::engine::general_purpose::STANDARD.decode(text) {
                Ok(bytes) => bytes,
                Err(_) => return EdgeAnswer::Malformed("the body is not base64".to_owned()),
            }
        }
        (Some(Value::String(text)), _) => text.clone().into_bytes(),
        _ => return EdgeAnswer::Malformed("the response body is not a string".to_owned()),
    };
    EdgeAnswer::Respond {
        status,
        headers,
        body,
    }
}

/// The request a trigger returned, on top of the one it was given.
fn request(answer: &Map<String, Value>, original: EdgeRequest) -> Result<EdgeRequest, String> {
    let text = |field: &str| -> Result<Option<String>, String> {
        match answer.get(field) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(format!("the request's {field} is not a string")),
        }
    };
    let method = text("method")?.unwrap_or(original.method);
    let (old_uri, old_query) = original
        .target
        .split_once('?')
        .map_or((original.target.clone(), String::new()), |(u, q)| {
            (u.to_owned(), q.to_owned())
        });
    let uri = text("uri")?.unwrap_or(old_uri);
    if !uri.starts_with('/') {
        return Err("the request's uri does not start with /".to_owned());
    }
    let query = text("querystring")?.unwrap_or(old_query);
    let target = if query.is_empty() {
        uri
    } else {
        format!("{uri}?{query}")
    };
    let headers = match answer.get("headers") {
        None => original.headers,
        Some(value) => header_list(value)?,
    };
    let body = match answer.get("body") {
        Some(Value::Object(body)) if body.get("action") == Some(&json!("replace")) => {
            let data = body.get("data").and_then(Value::as_str).unwrap_or("");
            match body.get("encoding").and_then(Value::as_str) {
                Some("text") => data.as_bytes().to_vec(),
                _ => base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .map_err(|_| "the replaced body is not base64".to_owned())?,
            }
        }
        _ => original.body,
    };
    Ok(EdgeRequest {
        method,
        target,
        headers,
        body,
    })
}

/// `{"lower-name": [{"key": "Name", "value": "…"}, …], …}` as name and value pairs.
fn header_list(value: &Value) -> Result<Vec<(String, Vec<u8>)>, String> {
    let Value::Object(map) = value else {
        return Err("the headers are not an object".to_owned());
    };
    let mut headers = Vec::new();
    for (name, list) in map {
        let Value::Array(list) = list else {
            return Err(format!("header {name:?} is not a list"));
        };
        for entry in list {
            let value = entry
                .get("value")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("header {name:?} has an entry without a value"))?;
            headers.push((name.to_ascii_lowercase(), value.as_bytes().to_vec()));
        }
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(body: &[u8]) -> EdgeRequest {
        EdgeRequest {
            method: "POST".to_owned(),
            target: "/hook?x=1".to_owned(),
            headers: vec![("Content-Type".to_owned(), b"application/json".to_vec())],
            body: body.to_vec(),
        }
    }

    #[test]
    fn the_event_has_cloudfronts_structure() {
        let event = origin_request_event(&post(&[0, 255]), "127.0.0.1", "127.0.0.1:1", "id");
        let request = &event["Records"][0]["cf"]["request"];
        assert_eq!(request["uri"], "/hook");
        assert_eq!(request["querystring"], "x=1");
        assert_eq!(request["headers"]["content-type"][0]["key"], "Content-Type");
        assert_eq!(request["body"]["data"], "AP8=");
        assert_eq!(request["body"]["inputTruncated"], false);
        assert_eq!(
            event["Records"][0]["cf"]["config"]["eventType"],
            "origin-request"
        );
        let big = origin_request_event(&post(&vec![1; MAX_EVENT_BODY + 1]), "", "", "");
        let body = &big["Records"][0]["cf"]["request"]["body"];
        assert_eq!(body["inputTruncated"], true);
    }

    #[test]
    fn a_returned_request_changes_headers_and_keeps_the_body() {
        let event = origin_request_event(&post(b"{}"), "", "", "");
        let mut request = event["Records"][0]["cf"]["request"].clone();
        request["headers"]["x-amz-content-sha256"] =
            json!([{"key": "x-amz-content-sha256", "value": "abc"}]);
        let EdgeAnswer::Forward(forwarded) = apply(request, post(b"{}")) else {
            panic!("forwarded");
        };
        assert_eq!(forwarded.body, b"{}");
        assert_eq!(forwarded.target, "/hook?x=1");
        assert!(forwarded
            .headers
            .contains(&("x-amz-content-sha256".to_owned(), b"abc".to_vec())));
    }

    #[test]
    fn a_generated_response_and_malformed_answers() {
        let answer = json!({"status": "413", "headers": {"content-type": [{"key": "Content-Type", "value": "application/json"}]}, "body": "{}"});
        let EdgeAnswer::Respond { status, body, .. } = apply(answer, post(b"")) else {
            panic!("respond");
        };
        assert_eq!((status, body.as_slice()), (413, &b"{}"[..]));
        assert!(matches!(
            apply(json!(1), post(b"")),
            EdgeAnswer::Malformed(_)
        ));
        assert!(matches!(
            apply(json!({"status": "x"}), post(b"")),
            EdgeAnswer::Malformed(_)
        ));
        assert!(matches!(
            apply(json!({"uri": "nope"}), post(b"")),
            EdgeAnswer::Malformed(_)
        ));
    }
}
