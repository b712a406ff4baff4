//! Credentials found the way Google's client libraries find them, from the environment
//! (its own test binary: it sets process-wide variables). The token endpoint and metadata
//! server are the testkit's loopback fakes (`GoogleAuth`), not Google.
#![cfg(feature = "stackdriver")]

use std::time::Duration;

use telemetry_core::{ManualReader, MeterProvider, PushExporter};
use telemetry_exporters::stackdriver::{Credentials, StackdriverExporter};
use telemetry_testkit::{CloudMonitoring, GoogleAuth, TokenGrant};

#[test]
fn key_file_first_then_the_metadata_server() {
    let Some(auth) = GoogleAuth::start() else {
        return;
    };
    let api = CloudMonitoring::start_with_auth(&auth);
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.json");
    std::fs::write(&key, auth.service_account_json()).unwrap();

    // This binary has a single test: nothing else reads the environment meanwhile.
    std::env::set_var("GOOGLE_APPLICATION_CREDENTIALS", &key);
    std::env::set_var("GCE_METADATA_HOST", auth.metadata_host());
    let from_key = Credentials::from_env().unwrap();
    assert!(
        matches!(from_key, Credentials::ServiceAccount(_)),
        "{from_key:?}"
    );

    std::env::remove_var("GOOGLE_APPLICATION_CREDENTIALS");
    let from_metadata = Credentials::from_env().unwrap();
    assert!(
        matches!(&from_metadata, Credentials::MetadataServer { host } if *host == auth.metadata_host()),
        "{from_metadata:?}"
    );

    // Without credentials in code the builder looks them up the same way.
    let exporter = StackdriverExporter::builder()
        .with_endpoint(api.base_url())
        .build()
        .unwrap();
    let reader = ManualReader::new();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    provider
        .meter("env")
        .u64_counter("found")
        .build()
        .unwrap()
        .add(1, &[]);
    exporter
        .export(&reader.collect().unwrap(), Duration::from_secs(10))
        .expect("export with metadata-server credentials");
    assert!(matches!(auth.issued()[0].how, TokenGrant::Metadata));

    std::env::set_var(
        "GOOGLE_APPLICATION_CREDENTIALS",
        dir.path().join("missing.json"),
    );
    let err = Credentials::from_env().unwrap_err();
    assert!(err.to_string().contains("missing.json"), "{err}");
    std::env::remove_var("GOOGLE_APPLICATION_CREDENTIALS");
    std::env::remove_var("GCE_METADATA_HOST");
}
