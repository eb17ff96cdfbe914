//! Request strategies shared by the property tests: paths, queries and headers as users
//! write them.

use proptest::prelude::*;

pub const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

fn percent(b: u8, upper: bool) -> String {
    if upper {
        format!("%{b:02X}")
    } else {
        format!("%{b:02x}")
    }
}

/// One byte as a user would type it: as itself when it can stand in a path, percent-encoded
/// when it cannot (non-ASCII bytes, and the `?`, `#`, `/` delimiters).
fn typed_byte(b: u8, upper: bool) -> String {
    if b.is_ascii() && !matches!(b, b'?' | b'#' | b'/') {
        char::from(b).to_string()
    } else {
        percent(b, upper)
    }
}

fn path_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z0-9._~-]{1,8}",
        3 => (any::<u8>(), any::<bool>()).prop_map(|(b, upper)| typed_byte(b, upper)),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(b, upper)| percent(b, upper)),
        2 => prop::sample::select(
            "!$&'()*+,;=:@[] \"<>\\^`{|}%".chars().collect::<Vec<_>>()
        )
        .prop_map(String::from),
        2 => any::<char>()
            .prop_filter("non-ASCII", |c| !c.is_ascii())
            .prop_map(String::from),
    ]
}

fn path_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(path_piece(), 1..6).prop_map(|p| p.concat()),
        1 => Just(".".to_owned()),
        1 => Just("..".to_owned()),
        1 => Just(String::new()),
    ]
}

pub fn path() -> impl Strategy<Value = String> {
    (prop::collection::vec(path_segment(), 0..6), any::<bool>()).prop_map(|(segments, slash)| {
        let mut path = format!("/{}", segments.join("/"));
        if slash && !path.ends_with('/') {
            path.push('/');
        }
        path
    })
}

/// A query name or value: UTF-8 only once decoded.
fn query_component() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[A-Za-z0-9._~-]{1,6}",
        2 => prop::sample::select(vec!["+", " ", "=", "++", "  ", "!", "'", "(", ")", "*", ",", ";", ":", "@", "/", "?", "$"])
            .prop_map(str::to_owned),
        2 => any::<char>()
            .prop_filter("non-ASCII", |c| !c.is_ascii())
            .prop_map(String::from),
        // A character percent-encoded by the user, hex in either case.
        2 => (any::<char>(), any::<bool>()).prop_map(|(c, upper)| {
            c.to_string().bytes().map(|b| percent(b, upper)).collect::<String>()
        }),
    ];
    prop::collection::vec(piece, 0..5).prop_map(|p| p.concat())
}

fn query_key() -> impl Strategy<Value = String> {
    prop_oneof![
        // A small pool, so that keys repeat.
        3 => prop::sample::select(vec!["a", "k", "q", "a b", "a+b", "", "%20"]).prop_map(str::to_owned),
        2 => query_component(),
    ]
}

pub fn query() -> impl Strategy<Value = Option<String>> {
    let piece = prop_oneof![
        1 => Just(String::new()),
        2 => query_key(),
        5 => (query_key(), query_component()).prop_map(|(k, v)| format!("{k}={v}")),
    ];
    prop::option::weighted(
        0.8,
        prop::collection::vec(piece, 0..7).prop_map(|p| p.join("&")),
    )
}

pub fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        3 => "x-lus-[a-z0-9]{1,8}",
        1 => prop::sample::select(vec!["content-type", "accept", "x-custom", "user-agent", "x-amz-meta-note"])
            .prop_map(str::to_owned),
    ];
    // Printable ASCII with odd spacing: leading, trailing and repeated inner spaces and tabs.
    let value = prop_oneof![
        5 => "[ ]{0,3}[!-~]{0,10}([ ]{1,4}[!-~]{1,10}){0,3}[ ]{0,3}",
        1 => "[ \t]{0,3}[!-~]{1,10}([ \t]{1,4}[!-~]{1,10}){0,3}[ \t]{0,3}",
        1 => "[ ]{0,4}",
    ];
    prop::collection::vec((name, value), 0..5)
}
