//! A minimal zip writer: STORED (uncompressed) entries, no ZIP64, a fixed timestamp.
//!
//! Enough for a Lambda deployment package of a few small files, without a compression
//! dependency: a zip whose entries use method 0 (stored) is a valid zip for Lambda, `unzip` and
//! Python's `zipfile`. Every entry gets the date 1980-01-01 00:00 (the earliest DOS date) and
//! Unix mode `0644`, so the same inputs always give the same bytes (and the same
//! `CodeSha256` on Lambda).
//!
//! Layout (PKWARE APPNOTE 4.3): per entry a local file header and the data; then one central
//! directory header per entry; then the end of central directory record.

/// Local file header signature (`PK\x03\x04`).
const LOCAL_HEADER: u32 = 0x0403_4b50;
/// Central directory file header signature (`PK\x01\x02`).
const CENTRAL_HEADER: u32 = 0x0201_4b50;
/// End of central directory signature (`PK\x05\x06`).
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
/// "Version made by": high byte 3 = Unix (so readers apply the mode in the external
/// attributes), low byte 20 = spec 2.0.
const VERSION_MADE_BY: u16 = (3 << 8) | 20;
/// "Version needed to extract": 1.0 is enough for stored entries.
const VERSION_NEEDED: u16 = 10;
/// Compression method 0: stored.
const STORED: u16 = 0;
/// DOS time 00:00:00.
const DOS_TIME: u16 = 0;
/// DOS date 1980-01-01: (year - 1980) << 9 | month << 5 | day.
const DOS_DATE: u16 = (1 << 5) | 1;
/// A regular file (`S_IFREG`) with mode 0644, in the high 16 bits of the external attributes.
const EXTERNAL_ATTRIBUTES: u32 = (0o100_644) << 16;

/// Why a zip cannot be written.
#[derive(Debug, PartialEq, Eq)]
pub enum ZipError {
    /// An entry or the whole archive is past what a zip without ZIP64 can hold (4 GiB, 65,535
    /// entries, 65,535-byte names).
    TooLarge,
    /// An entry name that is empty, absolute, or has a `..` or empty segment or a backslash.
    BadName(String),
}

impl std::fmt::Display for ZipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZipError::TooLarge => f.write_str("too large for a zip without ZIP64"),
            ZipError::BadName(name) => write!(f, "invalid zip entry name {name:?}"),
        }
    }
}

impl std::error::Error for ZipError {}

/// The zip archive holding `entries` (name, bytes), in that order, all stored uncompressed.
pub fn stored(entries: &[(&str, &[u8])]) -> Result<Vec<u8>, ZipError> {
    let count = u16::try_from(entries.len()).map_err(|_| ZipError::TooLarge)?;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        check_name(name)?;
        let name_len = u16::try_from(name.len()).map_err(|_| ZipError::TooLarge)?;
        let size = u32::try_from(data.len()).map_err(|_| ZipError::TooLarge)?;
        let offset = u32::try_from(out.len()).map_err(|_| ZipError::TooLarge)?;
        let crc = crc32(data);

        // Local file header.
        put32(&mut out, LOCAL_HEADER);
        put16(&mut out, VERSION_NEEDED);
        put16(&mut out, 0); // general purpose flags
        put16(&mut out, STORED);
        put16(&mut out, DOS_TIME);
        put16(&mut out, DOS_DATE);
        put32(&mut out, crc);
        put32(&mut out, size); // compressed size
        put32(&mut out, size); // uncompressed size
        put16(&mut out, name_len);
        put16(&mut out, 0); // extra field length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        // Its central directory header.
        put32(&mut central, CENTRAL_HEADER);
        put16(&mut central, VERSION_MADE_BY);
        put16(&mut central, VERSION_NEEDED);
        put16(&mut central, 0); // general purpose flags
        put16(&mut central, STORED);
        put16(&mut central, DOS_TIME);
        put16(&mut central, DOS_DATE);
        put32(&mut central, crc);
        put32(&mut central, size);
        put32(&mut central, size);
        put16(&mut central, name_len);
        put16(&mut central, 0); // extra field length
        put16(&mut central, 0); // comment length
        put16(&mut central, 0); // disk number start
        put16(&mut central, 0); // internal attributes
        put32(&mut central, EXTERNAL_ATTRIBUTES);
        put32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = u32::try_from(out.len()).map_err(|_| ZipError::TooLarge)?;
    let central_size = u32::try_from(central.len()).map_err(|_| ZipError::TooLarge)?;
    out.extend_from_slice(&central);
    // The end record's offset field must itself fit: the whole archive stays under 4 GiB.
    u32::try_from(out.len() + 22).map_err(|_| ZipError::TooLarge)?;

    put32(&mut out, END_OF_CENTRAL_DIRECTORY);
    put16(&mut out, 0); // number of this disk
    put16(&mut out, 0); // disk where the central directory starts
    put16(&mut out, count); // entries on this disk
    put16(&mut out, count); // entries in total
    put32(&mut out, central_size);
    put32(&mut out, central_offset);
    put16(&mut out, 0); // comment length
    Ok(out)
}

/// Names are relative paths with `/` separators and no `.`/`..`/empty segments.
fn check_name(name: &str) -> Result<(), ZipError> {
    let bad = name.is_empty()
        || name.contains('\\')
        || name
            .split('/')
            .any(|segment| segment.is_empty() || segment == "." || segment == "..");
    if bad {
        return Err(ZipError::BadName(name.to_owned()));
    }
    Ok(())
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// The CRC-32 lookup table (IEEE 802.3, reflected polynomial 0xEDB88320), built at compile
/// time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// The CRC-32 zip uses (the one of zlib, PNG and Ethernet).
pub fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &byte| {
        CRC_TABLE[usize::from((crc as u8) ^ byte)] ^ (crc >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn u16_at(bytes: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([bytes[at], bytes[at + 1]])
    }

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
    }

    #[test]
    fn crc32_matches_the_standard_check_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn the_structure_has_every_header_in_place() {
        let zip = stored(&[("a.txt", b"123456789"), ("dir/b", b"")]).unwrap();
        // Entry 1: 30-byte local header + 5-byte name + 9 bytes of data.
        assert_eq!(u32_at(&zip, 0), LOCAL_HEADER);
        assert_eq!(u16_at(&zip, 8), STORED);
        assert_eq!(u32_at(&zip, 14), 0xCBF4_3926);
        assert_eq!(u32_at(&zip, 18), 9);
        assert_eq!(u32_at(&zip, 22), 9);
        assert_eq!(u16_at(&zip, 26), 5);
        assert_eq!(&zip[30..35], b"a.txt");
        assert_eq!(&zip[35..44], b"123456789");
        // Entry 2 at 44: 30 + 5 bytes of name, no data.
        assert_eq!(u32_at(&zip, 44), LOCAL_HEADER);
        assert_eq!(u32_at(&zip, 44 + 14), 0);
        let central = 44 + 30 + 5;
        assert_eq!(u32_at(&zip, central), CENTRAL_HEADER);
        assert_eq!(u16_at(&zip, central + 4), VERSION_MADE_BY);
        assert_eq!(u32_at(&zip, central + 16), 0xCBF4_3926);
        assert_eq!(u32_at(&zip, central + 38), 0o100_644 << 16);
        assert_eq!(u32_at(&zip, central + 42), 0);
        let second = central + 46 + 5;
        assert_eq!(u32_at(&zip, second), CENTRAL_HEADER);
        assert_eq!(u32_at(&zip, second + 42), 44);
        assert_eq!(&zip[second + 46..second + 51], b"dir/b");
        let end = second + 46 + 5;
        assert_eq!(zip.len(), end + 22);
        assert_eq!(u32_at(&zip, end), END_OF_CENTRAL_DIRECTORY);
        assert_eq!(u16_at(&zip, end + 8), 2);
        assert_eq!(u16_at(&zip, end + 10), 2);
        assert_eq!(
            u32_at(&zip, end + 12),
            u32::try_from(end - central).unwrap()
        );
        assert_eq!(u32_at(&zip, end + 16), u32::try_from(central).unwrap());
        // Same inputs, same bytes.
        assert_eq!(
            zip,
            stored(&[("a.txt", b"123456789"), ("dir/b", b"")]).unwrap()
        );
    }

    #[test]
    fn an_empty_archive_is_only_the_end_record() {
        let zip = stored(&[]).unwrap();
        assert_eq!(zip.len(), 22);
        assert_eq!(u32_at(&zip, 0), END_OF_CENTRAL_DIRECTORY);
    }

    #[test]
    fn bad_names_are_refused() {
        for name in ["", "/abs", "a/../b", "./a", "a//b", "a\\b", "dir/"] {
            assert_eq!(
                stored(&[(name, b"x")]),
                Err(ZipError::BadName(name.to_owned())),
                "{name:?}"
            );
        }
    }

    /// Writes a zip with binary and text entries and has other tools read it back: Python's
    /// `zipfile` (testing every CRC, comparing bytes and modes) and `unzip -t`, each if
    /// installed.
    #[test]
    fn python_and_unzip_read_it_back() {
        let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let zip = stored(&[
            ("index.mjs", b"export const handler = async (e) => e;\n"),
            ("config.json", b"{\"routes\": []}"),
            ("bin/data", &binary),
        ])
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.zip");
        std::fs::write(&path, &zip).unwrap();
        std::fs::write(dir.path().join("expected-bin"), &binary).unwrap();
        let mut checked = 0;

        let script = r#"
import sys, zipfile
path, expected_bin = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(path) as z:
    assert z.testzip() is None, "bad CRC"
    infos = z.infolist()
    assert [i.filename for i in infos] == ["index.mjs", "config.json", "bin/data"], infos
    for i in infos:
        assert i.compress_type == zipfile.ZIP_STORED, i
        assert (i.external_attr >> 16) == 0o100644, oct(i.external_attr >> 16)
        assert i.date_time == (1980, 1, 1, 0, 0, 0), i.date_time
    assert z.read("index.mjs") == b"export const handler = async (e) => e;\n"
    assert z.read("config.json") == b'{"routes": []}'
    assert z.read("bin/data") == open(expected_bin, "rb").read()
print("ok")
"#;
        match Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&path)
            .arg(dir.path().join("expected-bin"))
            .output()
        {
            Ok(output) => {
                assert!(
                    output.status.success(),
                    "python3 zipfile: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
                let listed = Command::new("python3")
                    .args(["-m", "zipfile", "-t"])
                    .arg(&path)
                    .output()
                    .unwrap();
                assert!(listed.status.success(), "{listed:?}");
                checked += 1;
            }
            Err(error) => eprintln!("skipping the python3 check: cannot run python3: {error}"),
        }

        match Command::new("unzip").arg("-t").arg(&path).output() {
            Ok(output) => {
                let text = String::from_utf8_lossy(&output.stdout);
                assert!(output.status.success(), "unzip -t: {text}");
                assert!(text.contains("No errors detected"), "{text}");
                checked += 1;
            }
            Err(error) => eprintln!("skipping the unzip check: cannot run unzip: {error}"),
        }
        if checked == 0 {
            eprintln!("neither python3 nor unzip is installed: only the structure test ran");
        }
    }
}
