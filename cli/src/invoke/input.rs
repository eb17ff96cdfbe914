//! What `-d` and `-H` give, byte for byte: the body (inline, `@FILE` or `@-`) and the headers.

use super::{config, usage, Failure};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::PathBuf;

/// An argument's bytes exactly as given (on unix, any bytes, UTF-8 or not).
fn bytes(arg: &OsStr) -> &[u8] {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        arg.as_bytes()
    }
    #[cfg(not(unix))]
    {
        arg.as_encoded_bytes()
    }
}

/// The path named by the bytes after `@`.
fn file_path(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        OsStr::from_bytes(bytes).into()
    }
    #[cfg(not(unix))]
    {
        String::from_utf8_lossy(bytes).into_owned().into()
    }
}

/// The body `-d` gives: the value itself, `@FILE`'s contents, or standard input for `@-`.
pub(super) fn read_body(data: &OsStr) -> Result<Vec<u8>, Failure> {
    let data = bytes(data);
    match data.strip_prefix(b"@") {
        None => Ok(data.to_vec()),
        Some(b"-") => {
            let mut body = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut body)
                .map_err(|e| config(format!("cannot read the body from standard input: {e}")))?;
            Ok(body)
        }
        Some(path) => {
            let path = file_path(path);
            std::fs::read(&path)
                .map_err(|e| config(format!("cannot read `{}`: {e}", path.display())))
        }
    }
}

/// The `-H 'Name: value'` headers, in order (a name may repeat).
pub(super) fn parse_headers(raw: &[OsString]) -> Result<HeaderMap, Failure> {
    let mut headers = HeaderMap::new();
    for header in raw {
        let header = bytes(header);
        let shown = String::from_utf8_lossy(header);
        let colon = header.iter().position(|&b| b == b':').ok_or_else(|| {
            usage(format!(
                "header `{shown}` has no colon: write it as 'Name: value'"
            ))
        })?;
        let name = HeaderName::from_bytes(header[..colon].trim_ascii())
            .map_err(|_| usage(format!("header `{shown}` has an invalid name")))?;
        let value = HeaderValue::from_bytes(header[colon + 1..].trim_ascii())
            .map_err(|_| usage(format!("header `{name}` has an invalid value")))?;
        headers.append(name, value);
    }
    Ok(headers)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn inline_data_keeps_every_byte() {
        let raw = vec![0xff, 0x00, b'a', b'\n', 0xc3];
        let body = read_body(&OsString::from_vec(raw.clone())).expect("inline");
        assert_eq!(body, raw);
    }

    #[test]
    fn header_values_keep_non_utf8_bytes() {
        let headers = parse_headers(&[
            OsString::from_vec(b"x-latin: caf\xe9".to_vec()),
            OsString::from("x-repeat: 1"),
            OsString::from("X-Repeat:2"),
        ])
        .expect("valid");
        assert_eq!(headers["x-latin"].as_bytes(), b"caf\xe9");
        let repeated: Vec<_> = headers.get_all("x-repeat").iter().collect();
        assert_eq!(repeated, ["1", "2"]);
    }

    #[test]
    fn a_header_without_a_colon_or_with_a_bad_name_is_a_usage_error() {
        for bad in ["no colon", "bad name: x"] {
            let error = parse_headers(&[OsString::from(bad)]).expect_err(bad);
            assert!(matches!(error, Failure::Usage(_)), "{error:?}");
        }
    }
}
