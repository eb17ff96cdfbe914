//! Payload hashing.

use lambda_url_signer::{PayloadHash, PayloadHasher};

const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
use std::io::Write;

#[test]
fn empty_constant_and_article_example() {
    assert_eq!(PayloadHash::EMPTY.as_str(), EMPTY_PAYLOAD_SHA256);
    assert_eq!(PayloadHash::of(b"").as_str(), EMPTY_PAYLOAD_SHA256);
    assert_eq!(PayloadHash::default(), PayloadHash::EMPTY);
    assert_eq!(
        PayloadHash::of(b"{\n    \"test\": \"message\"\n}").to_string(),
        "7acb899e28935d98d2a01e27212b5f130ca860f5899c1caabf18ec0988e5df62"
    );
}

#[test]
fn incremental_reader_and_writer_agree() {
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let one_pass = PayloadHash::of(&data);
    let mut hasher = PayloadHasher::new();
    for chunk in data.chunks(1000) {
        hasher.update(chunk);
    }
    assert_eq!(hasher.finish(), one_pass);
    assert_eq!(PayloadHash::from_reader(&data[..]).unwrap(), one_pass);
    let mut writer = PayloadHasher::new();
    writer.write_all(&data).unwrap();
    writer.flush().unwrap();
    assert_eq!(writer.finish(), one_pass);
}

#[test]
fn hashes_a_file_in_bounded_memory() {
    let path = std::env::temp_dir().join(format!("lus-payload-{}", std::process::id()));
    let data = vec![0xABu8; 3 * 1024 * 1024 + 17];
    std::fs::write(&path, &data).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    assert_eq!(
        PayloadHash::from_reader(file).unwrap(),
        PayloadHash::of(&data)
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn reader_errors_are_typed() {
    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk gone"))
        }
    }
    let err = PayloadHash::from_reader(Broken).unwrap_err();
    assert!(matches!(err, lambda_url_signer::Error::Io(_)));
    assert_eq!(err.to_string(), "reading the body failed");
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn from_hex() {
    let upper = EMPTY_PAYLOAD_SHA256.to_ascii_uppercase();
    assert_eq!(PayloadHash::from_hex(&upper), Some(PayloadHash::EMPTY));
    assert_eq!(PayloadHash::from_hex("UNSIGNED-PAYLOAD"), None);
    assert_eq!(PayloadHash::from_hex(&"g".repeat(64)), None);
    assert_eq!(PayloadHash::from_hex("é"), None);
}
