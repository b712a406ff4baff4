//! Proves the fake Google OAuth token endpoint and metadata server (not Google: a loopback
//! fake) and the fake Cloud Monitoring API's authentication: each check fires on a request
//! that breaks it and stays quiet on one that does not.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use telemetry_testkit::{
    http_request, python_with, rfc3339, CloudMonitoring, GoogleAuth, Response, TokenGrant,
};

const JWT_BEARER: &str = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer";
const TOKEN_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/token";

fn form_post(auth: &GoogleAuth, body: &str) -> Response {
    http_request(
        auth.addr(),
        "POST",
        "/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
}

fn exchange(auth: &GoogleAuth, assertion: &str) -> Response {
    form_post(
        auth,
        &format!("grant_type={JWT_BEARER}&assertion={assertion}"),
    )
}

fn json_of(r: &Response) -> Value {
    serde_json::from_slice(&r.bytes).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
}

/// Asserts a 400 `{"error": error, "error_description": …needle…}`.
fn refused(r: &Response, error: &str, needle: &str) {
    let body = json_of(r);
    assert_eq!(r.status, 400, "{body}");
    assert_eq!(body["error"], error, "{body}");
    let d = body["error_description"].as_str().unwrap();
    assert!(d.contains(needle), "{d:?} lacks {needle:?}");
}

fn token_of(r: &Response) -> String {
    let body = json_of(r);
    assert_eq!(r.status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    body["access_token"].as_str().unwrap().to_owned()
}

/// Writes one point of a new series (a label counts the calls), with that `Authorization`.
fn write_with(api: &CloudMonitoring, authorization: Option<&str>) -> Response {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::SeqCst).to_string();
    let body = json!({"timeSeries": [{
        "metric": {"type": "agent.googleapis.com/test", "labels": {"call": call}},
        "resource": {"type": "global", "labels": {"project_id": "p1"}},
        "points": [{"interval": {"endTime": rfc3339(SystemTime::now())},
                    "value": {"int64Value": "1"}}]}]})
    .to_string();
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = authorization {
        headers.push(("Authorization", a));
    }
    http_request(
        api.addr(),
        "POST",
        "/v3/projects/p1/timeSeries",
        &headers,
        body.as_bytes(),
    )
}

fn unauthenticated(r: &Response, needle: &str) {
    let body = json_of(r);
    assert_eq!(r.status, 401, "{body}");
    assert_eq!(body["error"]["code"], 401);
    assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
}

#[test]
fn service_account_file_is_shaped_like_googles() {
    let Some(auth) = GoogleAuth::start() else {
        return;
    };
    let sa: Value = serde_json::from_str(&auth.service_account_json()).unwrap();
    assert_eq!(sa["type"], "service_account");
    assert_eq!(sa["project_id"], auth.project_id());
    assert_eq!(sa["private_key_id"], auth.private_key_id());
    let key = sa["private_key"].as_str().unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{key}");
    assert!(
        key.trim_end().ends_with("-----END PRIVATE KEY-----"),
        "{key}"
    );
    let email = sa["client_email"].as_str().unwrap();
    assert!(email.ends_with(".iam.gserviceaccount.com"), "{email}");
    assert_eq!(email, auth.client_email());
    assert!(sa["client_id"].as_str().unwrap().parse::<u128>().is_ok());
    assert_eq!(sa["token_uri"], auth.token_uri());
    assert!(auth.token_uri().starts_with("http://127.0.0.1:"));
    assert_eq!(auth.metadata_host(), auth.addr().to_string());
    // A fresh key per instance.
    let other = GoogleAuth::start().unwrap();
    assert_ne!(
        other.service_account_json(),
        auth.service_account_json(),
        "two fakes share a key"
    );
}

#[test]
fn a_valid_jwt_gets_a_token_that_the_api_accepts() {
    let Some(auth) = GoogleAuth::start() else {
        return;
    };
    let api = CloudMonitoring::start_with_auth(&auth);
    let claims = auth.valid_claims();
    let r = exchange(&auth, &auth.sign_jwt(&claims));
    let token = token_of(&r);
    assert_eq!(json_of(&r)["expires_in"], 3600);
    let issued = auth.issued();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].token, token);
    assert_eq!(issued[0].how, TokenGrant::Jwt { claims });
    assert!(issued[0].expires_at > SystemTime::now() + Duration::from_secs(3500));
    let bearer = format!("Bearer {token}");
    let w = write_with(&api, Some(&bearer));
    assert_eq!(w.status, 200, "{}", w.text());
    assert_eq!(api.requests()[0].authorization.as_deref(), Some(&*bearer));
    assert!(auth.rejections().is_empty(), "{:?}", auth.rejections());
    // The other accepted scopes, several scopes in one claim, and no kid/typ in the header.
    for scope in [
        "https://www.googleapis.com/auth/monitoring",
        "openid https://www.googleapis.com/auth/cloud-platform",
    ] {
        let mut c = auth.valid_claims();
        c["scope"] = json!(scope);
        token_of(&exchange(&auth, &auth.sign_jwt(&c)));
    }
    let jwt = auth.sign_jwt_with_header(&json!({"alg": "RS256"}), &auth.valid_claims());
    token_of(&exchange(&auth, &jwt));
}

/// The key file works with an independent signer (PyPI `cryptography`), not only with the
/// signer this crate uses in the other tests.
#[test]
fn a_jwt_signed_by_pythons_cryptography_is_accepted() {
    let Some(auth) = GoogleAuth::start() else {
        return;
    };
    let python = python_with("cryptography").unwrap();
    let script = r#"
import base64, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
sa, claims = json.loads(sys.stdin.read())
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
header = {"alg": "RS256", "typ": "JWT", "kid": sa["private_key_id"]}
signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
key = serialization.load_pem_private_key(sa["private_key"].encode(), password=None)
sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
print(signing_input + "." + b64(sig))
"#;
    let sa: Value = serde_json::from_str(&auth.service_account_json()).unwrap();
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = json!([sa, auth.valid_claims()]).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let jwt = String::from_utf8(out.stdout).unwrap();
    token_of(&exchange(&auth, jwt.trim()));
}

#[test]
fn each_jwt_check_fires() {
    let Some(auth) = GoogleAuth::start() else {
        return;
    };
    let other = GoogleAuth::start().unwrap();
    let with = |field: &str, value: Value| {
        let mut c = auth.valid_claims();
        c[field] = value;
        auth.sign_jwt(&c)
    };
    let now = auth.valid_claims()["iat"].as_i64().unwrap();
    // Signed by another key (the claims are this account's).
    let foreign = other.sign_jwt_with_header(&json!({"alg": "RS256"}), &auth.valid_claims());
    refused(
        &exchange(&auth, &foreign),
        "invalid_grant",
        "Invalid JWT Signature",
    );
    // Claims changed after signing.
    let good = auth.sign_jwt(&auth.valid_claims());
    let mut parts: Vec<&str> = good.split('.').collect();
    let mut changed = auth.valid_claims();
    changed["scope"] = json!("https://www.googleapis.com/auth/monitoring");
    let forged = other.sign_jwt(&changed);
    parts[1] = forged.split('.').nth(1).unwrap();
    refused(
        &exchange(&auth, &parts.join(".")),
        "invalid_grant",
        "Signature",
    );
    let cases = [
        (
            with("aud", json!("https://oauth2.googleapis.com/token")),
            "aud",
        ),
        (
            with("iss", json!("someone@else.iam.gserviceaccount.com")),
            "iss",
        ),
        (
            with(
                "scope",
                json!("https://www.googleapis.com/auth/logging.write"),
            ),
            "scope",
        ),
        (
            {
                let mut c = auth.valid_claims();
                c.as_object_mut().unwrap().remove("scope");
                auth.sign_jwt(&c)
            },
            "scope",
        ),
        (with("exp", json!(now + 3601)), "exp - iat"),
        (with("exp", json!(now)), "exp - iat"),
        (
            {
                let mut c = auth.valid_claims();
                c["iat"] = json!(now - 600);
                c["exp"] = json!(now + 600);
                auth.sign_jwt(&c)
            },
            "iat",
        ),
        (with("iat", json!(now + 600)), "iat"),
        (with("iat", json!("soon")), "integers"),
        (
            auth.sign_jwt_with_header(&json!({"alg": "HS256"}), &auth.valid_claims()),
            "alg",
        ),
        (
            auth.sign_jwt_with_header(
                &json!({"alg": "RS256", "kid": "0000"}),
                &auth.valid_claims(),
            ),
            "kid",
        ),
        ("not-a-jwt".to_owned(), "segments"),
        (format!("{good}="), "base64url"),
    ];
    for (jwt, needle) in &cases {
        refused(&exchange(&auth, jwt), "invalid_grant", needle);
    }
    refused(
        &form_post(
            &auth,
            &format!("grant_type=client_credentials&assertion={good}"),
        ),
        "unsupported_grant_type",
        "grant_type",
    );
    refused(
        &form_post(&auth, &format!("grant_type={JWT_BEARER}")),
        "invalid_request",
        "assertion",
    );
    let json_body = http_request(
        auth.addr(),
        "POST",
        "/token",
        &[("Content-Type", "application/json")],
        format!("{{\"assertion\":\"{good}\"}}").as_bytes(),
    );
    refused(&json_body, "invalid_request", "x-www-form-urlencoded");
    assert!(auth.issued().is_empty());
    assert_eq!(auth.rejections().len(), cases.len() + 5);
    // And the unchanged JWT still works.
    token_of(&exchange(&auth, &good));
}

#[test]
fn metadata_server_needs_the_flavor_header() {
    let Some(auth) = GoogleAuth::start() else {
        return;
    };
    let get =
        |path: &str, headers: &[(&str, &str)]| http_request(auth.addr(), "GET", path, headers, b"");
    let flavor = ("Metadata-Flavor", "Google");
    assert_eq!(get(TOKEN_PATH, &[]).status, 403);
    assert_eq!(
        get(TOKEN_PATH, &[("Metadata-Flavor", "google-ish")]).status,
        403
    );
    assert_eq!(
        get(TOKEN_PATH, &[flavor, ("X-Forwarded-For", "10.0.0.1")]).status,
        403
    );
    assert!(auth.issued().is_empty());
    assert_eq!(auth.rejections().len(), 3);
    assert!(auth.rejections()[0].contains("Metadata-Flavor"));
    let r = get(TOKEN_PATH, &[flavor]);
    assert_eq!(r.header("metadata-flavor"), Some("Google"));
    let token = token_of(&r);
    assert_eq!(auth.issued()[0].token, token);
    assert_eq!(auth.issued()[0].how, TokenGrant::Metadata);
    let project = get("/computeMetadata/v1/project/project-id", &[flavor]);
    assert_eq!((project.status, project.text()), (200, "testkit-project"));
    assert_eq!(auth.project_id(), "testkit-project");
    let zone = get("/computeMetadata/v1/instance/zone", &[flavor]);
    assert!(zone.text().starts_with("projects/"), "{}", zone.text());
    assert_eq!(
        get("/computeMetadata/v1/project/project-id", &[]).status,
        403
    );
    assert_eq!(get("/computeMetadata/v1/nothing", &[flavor]).status, 404);
    // Its tokens are as good as the JWT ones.
    let api = CloudMonitoring::start_with_auth(&auth);
    assert_eq!(
        write_with(&api, Some(&format!("Bearer {token}"))).status,
        200
    );
}

#[test]
fn api_refuses_missing_unknown_expired_and_revoked_tokens() {
    let Some(auth) = GoogleAuth::start() else {
        return;
    };
    let api = CloudMonitoring::start_with_auth(&auth);
    unauthenticated(&write_with(&api, None), "missing required authentication");
    unauthenticated(
        &write_with(&api, Some("Bearer ya29.made-up")),
        "invalid authentication credentials",
    );
    let token = token_of(&exchange(&auth, &auth.sign_jwt(&auth.valid_claims())));
    unauthenticated(&write_with(&api, Some(&format!("Basic {token}"))), "Bearer");
    let bearer = format!("Bearer {token}");
    assert_eq!(write_with(&api, Some(&bearer)).status, 200);
    auth.revoke_all();
    assert!(auth.issued()[0].revoked);
    unauthenticated(&write_with(&api, Some(&bearer)), "revoked");
    // A token fetched after the revocation works.
    let fresh = token_of(&exchange(&auth, &auth.sign_jwt(&auth.valid_claims())));
    let r = write_with(&api, Some(&format!("Bearer {fresh}")));
    assert_eq!(r.status, 200, "{}", r.text());
    // Expired: lifetime zero.
    auth.set_token_lifetime(Duration::ZERO);
    let r = exchange(&auth, &auth.sign_jwt(&auth.valid_claims()));
    assert_eq!(json_of(&r)["expires_in"], 0);
    let stale = token_of(&r);
    unauthenticated(
        &write_with(&api, Some(&format!("Bearer {stale}"))),
        "expired",
    );
    // Every request was recorded with its Authorization header.
    let seen: Vec<(Option<String>, u16)> = api
        .requests()
        .into_iter()
        .map(|r| (r.authorization, r.status))
        .collect();
    assert_eq!(seen.len(), 7);
    assert_eq!(seen[0], (None, 401));
    assert_eq!(seen[3], (Some(bearer.clone()), 200));
    assert_eq!(seen[4], (Some(bearer), 401));
    assert!(api.written().len() == 2);
    // Without auth, the fake takes requests without credentials.
    assert_eq!(write_with(&CloudMonitoring::start(), None).status, 200);
}

#[test]
fn fail_next_fails_token_requests_then_recovers() {
    let Some(auth) = GoogleAuth::start() else {
        return;
    };
    auth.fail_next(503, 2);
    let jwt = auth.sign_jwt(&auth.valid_claims());
    let r = exchange(&auth, &jwt);
    assert_eq!(r.status, 503);
    assert_eq!(json_of(&r)["error"], "temporarily_unavailable");
    let r = http_request(
        auth.addr(),
        "GET",
        TOKEN_PATH,
        &[("Metadata-Flavor", "Google")],
        b"",
    );
    assert_eq!(r.status, 503);
    assert!(auth.issued().is_empty());
    token_of(&exchange(&auth, &jwt));
    assert_eq!(auth.issued().len(), 1);
}
