//! Starting and stopping: configuration errors, loopback ports, `shutdown` and `drop` releasing
//! them.

use std::time::Duration;

use lambda_url_emulator::{CloudFrontConfig, Emulator, EmulatorError, OacSigning};
use tokio::net::TcpStream;

use super::*;

#[tokio::test]
async fn start_requires_a_region_and_valid_arns() {
    let err = Emulator::builder().start().await.expect_err("no region");
    assert!(matches!(err, EmulatorError::MissingRegion));
    assert!(err.to_string().contains("no region configured"));
    let err = Emulator::builder()
        .region("Not A Region")
        .start()
        .await
        .expect_err("bad region");
    assert!(matches!(err, EmulatorError::InvalidRegion { .. }));
    let err = Emulator::builder()
        .region(REGION)
        .function_arn("my-function")
        .start()
        .await
        .expect_err("bad function arn");
    assert!(matches!(
        err,
        EmulatorError::InvalidArn {
            what: "function",
            ..
        }
    ));
    let err = Emulator::builder()
        .region(REGION)
        .cloudfront(CloudFrontConfig::new(
            "arn:aws:cloudfront::1:distribution/E1",
        ))
        .start()
        .await
        .expect_err("bad distribution arn");
    assert!(matches!(
        err,
        EmulatorError::InvalidArn {
            what: "distribution",
            ..
        }
    ));
}

#[tokio::test]
async fn start_binds_loopback_ports_and_shutdown_releases_them() {
    let emulator = with_cloudfront(OacSigning::Always).await;
    let function = emulator.function_addr();
    let cloudfront = cloudfront_addr(&emulator);
    assert!(function.ip().is_loopback() && cloudfront.ip().is_loopback());
    assert_ne!(function.port(), 0);
    assert_ne!(function.port(), cloudfront.port());
    assert_eq!(
        emulator.function_url(),
        format!("http://127.0.0.1:{}/", function.port())
    );
    assert_eq!(
        emulator.cloudfront_url(),
        Some(format!("http://127.0.0.1:{}/", cloudfront.port()).as_str())
    );
    assert_eq!(
        emulator.function_host(),
        format!("127.0.0.1:{}", function.port())
    );
    assert_eq!(emulator.region(), REGION);
    assert_eq!(emulator.function_arn(), FUNCTION_ARN);
    assert_eq!(emulator.distribution_arn(), Some(DISTRIBUTION));
    // Serving.
    let host = h("host", emulator.function_host());
    let reply = send(function, "GET", "/", &[host], b"").await;
    assert_eq!(reply.status, 403);
    emulator.shutdown().await;
    std::net::TcpListener::bind(function).expect("function port released");
    std::net::TcpListener::bind(cloudfront).expect("cloudfront port released");
    assert!(
        TcpStream::connect(function).await.is_err(),
        "nothing listens any more"
    );

    // A fixed port can be asked for, and is reusable after shutdown.
    let again = Emulator::builder()
        .region(REGION)
        .port(function.port())
        .start()
        .await
        .expect("rebinds the same port");
    assert_eq!(again.function_addr(), function);
    // The same port twice fails with a Bind error naming it.
    let err = Emulator::builder()
        .region(REGION)
        .port(function.port())
        .start()
        .await
        .expect_err("port in use");
    assert!(matches!(err, EmulatorError::Bind { port, .. } if port == function.port()));
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_stops_both_servers() {
    let emulator = with_cloudfront(OacSigning::Always).await;
    let function = emulator.function_addr();
    let cloudfront = cloudfront_addr(&emulator);
    // Keep a connection open across the drop.
    let idle = TcpStream::connect(function).await.expect("connect");
    drop(emulator);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let free = std::net::TcpListener::bind(function).is_ok()
            && std::net::TcpListener::bind(cloudfront).is_ok();
        if free {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "ports not released after drop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(idle);
}
