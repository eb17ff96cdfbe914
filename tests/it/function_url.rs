//! `FunctionUrl`: region detection, explicit regions, typed errors.

use lambda_url_signer::{Error, FunctionUrl};

#[test]
fn detects_url_id_and_region_case_insensitively() {
    let url = FunctionUrl::parse("HTTPS://AbC123.LAMBDA-URL.Eu-Central-1.ON.AWS/x?y=1").unwrap();
    assert_eq!(url.url_id(), Some("abc123"));
    assert_eq!(url.region(), "eu-central-1");
    assert_eq!(url.host(), "abc123.lambda-url.eu-central-1.on.aws");
    assert_eq!(
        url.as_str(),
        "https://abc123.lambda-url.eu-central-1.on.aws/x?y=1"
    );
    let with_port = FunctionUrl::parse("https://abc.lambda-url.us-east-1.on.aws:8443/").unwrap();
    assert_eq!(with_port.host(), "abc.lambda-url.us-east-1.on.aws:8443");
    let dotted = FunctionUrl::parse("https://abc.lambda-url.us-east-1.on.aws./").unwrap();
    assert_eq!(dotted.region(), "us-east-1");
}

#[test]
fn other_hosts_need_an_explicit_region() {
    for input in [
        "http://127.0.0.1:9000/",
        "https://d111111abcdef8.cloudfront.net/api",
        "https://api.example.com/",
        "https://abc.lambda-url.on.aws/",
        "https://-bad.lambda-url.us-east-1.on.aws/",
        "https://abc.lambda-url.us-east-1.on.aws.evil.com/",
    ] {
        match FunctionUrl::parse(input) {
            Err(Error::MissingRegion { host }) => assert!(input.contains(&host), "{input}"),
            other => panic!("{input}: {other:?}"),
        }
        let url = FunctionUrl::with_region(input, "eu-west-1").unwrap();
        assert_eq!(url.region(), "eu-west-1");
        assert_eq!(url.url_id(), None);
    }
}

#[test]
fn bad_urls_are_typed_errors_naming_the_input() {
    let cases = [
        ("ftp://example.com/", "the scheme must be http or https"),
        ("example.com/path", "the scheme must be http or https"),
        ("https:///path", "the url has no host"),
        (
            "https://user:pw@example.com/",
            "user info in the url is not supported",
        ),
        (
            "https://example.com:99999/",
            "the port must be a number from 0 to 65535",
        ),
        (
            "https://example.com:/",
            "the port must be a number from 0 to 65535",
        ),
        ("https://[::1/", "the ipv6 host has no closing bracket"),
        (
            "https://exa mple.com/",
            "the host or port contains characters a url cannot have",
        ),
    ];
    for (input, reason) in cases {
        match FunctionUrl::with_region(input, "us-east-1") {
            Err(e @ Error::InvalidUrl { .. }) => {
                // User info is never repeated: the password could be secret.
                let shown = input.replace("user:pw@", "<redacted>@");
                assert_eq!(e.to_string(), format!("invalid url `{shown}`: {reason}"));
            }
            other => panic!("{input}: {other:?}"),
        }
    }
}

#[test]
fn regions_are_validated() {
    for region in [
        "",
        "EU-CENTRAL-1",
        "eu central",
        "-eu",
        "eu-",
        "a".repeat(33).as_str(),
    ] {
        assert!(
            matches!(
                FunctionUrl::with_region("http://127.0.0.1/", region),
                Err(Error::InvalidRegion { .. })
            ),
            "{region:?}"
        );
    }
    let err = FunctionUrl::with_region("https://abc.lambda-url.us-east-1.on.aws/", "eu-west-1")
        .unwrap_err();
    assert!(err.to_string().contains("contradicts"), "{err}");
    let same =
        FunctionUrl::with_region("https://abc.lambda-url.us-east-1.on.aws/", "us-east-1").unwrap();
    assert_eq!(same.url_id(), Some("abc"));
}

#[test]
fn query_that_is_not_utf8_is_a_typed_error() {
    let err = FunctionUrl::with_region("http://127.0.0.1/?a=%FF", "us-east-1").unwrap_err();
    assert!(
        matches!(err, Error::InvalidQuery { ref parameter } if parameter == "%FF"),
        "{err:?}"
    );
}

#[test]
fn ipv6_and_join_and_display() {
    let url = FunctionUrl::with_region("http://[::1]:9000/a", "us-east-1").unwrap();
    assert_eq!(url.host(), "[::1]:9000");
    let joined = url.join("/b/../c d?x=+&y=%2B").unwrap();
    assert_eq!(joined.path_and_query(), "/c%20d?x=%20&y=%2B");
    assert_eq!(joined.to_string(), "http://[::1]:9000/c%20d?x=%20&y=%2B");
    assert_eq!(joined.as_str(), "http://[::1]:9000/c%20d?x=%20&y=%2B");
    assert_eq!(joined.region(), "us-east-1");
    let parsed: FunctionUrl = "https://abc.lambda-url.us-east-1.on.aws".parse().unwrap();
    assert_eq!(parsed.path_and_query(), "/");
    assert!(format!("{parsed:?}").contains("us-east-1"));
}
