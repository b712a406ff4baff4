//! A **fake** of Google's OAuth 2.0 token endpoint and of the GCE metadata server, on
//! loopback, for the Stackdriver exporter's credential tests. It is not Google: it is one small
//! server that follows the documented protocol and checks what a client sends as strictly as
//! the documentation describes, so an exporter that gets tokens here builds its requests the
//! way Google's endpoints expect, as far as these checks go.
//!
//! - A fresh RSA-2048 key pair per [`GoogleAuth`], made by PyPI `cryptography` in the test
//!   virtualenv (`./scripts/test` installs it); [`GoogleAuth::service_account_json`] is a
//!   service-account key file shaped like the ones the Cloud console downloads, whose
//!   `token_uri` points here.
//! - `POST /token` is the service-account flow (RFC 7523, Google's "OAuth 2.0 for server to
//!   server applications"): an `application/x-www-form-urlencoded` body with
//!   `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and `assertion=<JWT>`. The JWT
//!   must be three base64url segments without padding; header `alg` `RS256`, `typ` `JWT` and
//!   `kid` equal to `private_key_id` when present; claims `iss` = `client_email`, `scope` (space
//!   separated) holding `https://www.googleapis.com/auth/monitoring.write`, `…/auth/monitoring`
//!   or `…/auth/cloud-platform`, `aud` = `token_uri`, integer `iat` within ±5 min of now,
//!   `exp` after `iat`, at most 3600 s after it, and not past. The RS256 signature is checked
//!   with the *public* half of the key by `ring` (PKCS#1 v1.5, SHA-256), independently of
//!   whatever signed it. The answer is `{"access_token","expires_in","token_type":"Bearer"}`
//!   or a 400 `{"error":"invalid_grant","error_description":…}` naming the failed check.
//! - `GET /computeMetadata/v1/…` is the metadata server (`GCE_METADATA_HOST` =
//!   [`GoogleAuth::metadata_host`]): every request needs `Metadata-Flavor: Google` and no
//!   `X-Forwarded-For` (403 otherwise); `instance/service-accounts/default/token` issues the
//!   same token JSON, `project/project-id`, `project/numeric-project-id`, `instance/id`,
//!   `instance/zone` and `instance/service-accounts/default/email` answer text. Answers carry
//!   `Metadata-Flavor: Google`.
//! - Tokens are valid for [`GoogleAuth::set_token_lifetime`] (1 h by default) until
//!   [`GoogleAuth::revoke_all`]; [`crate::CloudMonitoring::start_with_auth`] accepts only
//!   those. [`GoogleAuth::fail_next`] makes token requests fail with a status of the test's
//!   choosing.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use serde_json::{json, Value};

use crate::fake_server::{FakeServer, Reply, Request};
use crate::python::python_with;

/// The scopes that allow writing time series (any one of them is enough).
pub const MONITORING_WRITE_SCOPES: [&str; 3] = [
    "https://www.googleapis.com/auth/monitoring.write",
    "https://www.googleapis.com/auth/monitoring",
    "https://www.googleapis.com/auth/cloud-platform",
];

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const CLOCK_SKEW: i64 = 300;
const MAX_JWT_LIFETIME: i64 = 3600;
const PROJECT_ID: &str = "testkit-project";
const PROJECT_NUMBER: &str = "123456789012";
const INSTANCE_ID: &str = "4520031799277581759";
const ZONE: &str = "us-central1-a";

const KEYGEN: &str = r#"
import base64, json
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption()).decode()
public = key.public_key().public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.PKCS1)
print(json.dumps({"pem": pem, "public_der": base64.b64encode(public).decode()}))
"#;

/// How a token was obtained.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenGrant {
    /// From `POST /token` with a signed JWT; its verified claims.
    Jwt {
        /// The JWT's claims as sent.
        claims: Value,
    },
    /// From the metadata server's `instance/service-accounts/default/token`.
    Metadata,
}

/// One access token the fake issued.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// The `access_token` value.
    pub token: String,
    /// How it was obtained.
    pub how: TokenGrant,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
    /// Whether [`GoogleAuth::revoke_all`] revoked it.
    pub revoked: bool,
}

#[derive(Debug)]
struct AuthState {
    issued: Vec<IssuedToken>,
    rejections: Vec<String>,
    lifetime: Duration,
    /// Token requests still to be failed, with which status.
    faults: Option<(u16, usize)>,
}

/// Why a request's credentials were refused (see [`Tokens::check`]).
#[derive(Debug)]
pub(crate) enum AuthFailure {
    Missing,
    Invalid(String),
}

/// The issued tokens, shared with the API fakes that accept them.
#[derive(Clone, Debug)]
pub(crate) struct Tokens(Arc<Mutex<AuthState>>);

impl Tokens {
    fn lock(&self) -> MutexGuard<'_, AuthState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks an `Authorization` header: `Bearer <token>` with a token issued here, neither
    /// expired nor revoked.
    pub(crate) fn check(&self, authorization: Option<&str>) -> Result<(), AuthFailure> {
        let Some(value) = authorization else {
            return Err(AuthFailure::Missing);
        };
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => {
                return Err(AuthFailure::Invalid(format!(
                    "Authorization {value:?} is not \"Bearer <token>\""
                )))
            }
        };
        let st = self.lock();
        let Some(issued) = st.issued.iter().find(|t| t.token == token) else {
            return Err(AuthFailure::Invalid("unknown access token".into()));
        };
        if issued.revoked {
            return Err(AuthFailure::Invalid("revoked access token".into()));
        }
        if SystemTime::now() >= issued.expires_at {
            return Err(AuthFailure::Invalid("expired access token".into()));
        }
        Ok(())
    }
}

/// The fake token endpoint and metadata server, serving on 127.0.0.1 until dropped.
#[derive(Debug)]
pub struct GoogleAuth {
    server: FakeServer,
    key: Arc<Key>,
    tokens: Tokens,
}

/// The service account's identity and key.
#[derive(Debug)]
struct Key {
    private_pem: String,
    public_der: Vec<u8>,
    key_id: String,
    client_email: String,
    client_id: String,
    token_uri: String,
}

impl GoogleAuth {
    /// Makes a fresh RSA-2048 key (PyPI `cryptography`) and starts the server on a free
    /// loopback port. `None` after a note when the test virtualenv lacks `cryptography`
    /// (a panic under `CI=true`), like the other Python-backed checks.
    pub fn start() -> Option<GoogleAuth> {
        let python = python_with("cryptography")?;
        let out = Command::new(python)
            .args(["-c", KEYGEN])
            .stderr(Stdio::inherit())
            .output()
            .expect("run python");
        assert!(out.status.success(), "RSA key generation failed");
        let made: Value = serde_json::from_slice(&out.stdout).expect("the script prints JSON");
        let private_pem = made["pem"].as_str().expect("pem").to_owned();
        let public_der = STANDARD
            .decode(made["public_der"].as_str().expect("public_der"))
            .expect("base64");
        let tokens = Tokens(Arc::new(Mutex::new(AuthState {
            issued: Vec::new(),
            rejections: Vec::new(),
            lifetime: Duration::from_secs(3600),
            faults: None,
        })));
        // The token URI names the port, which exists only once the server is bound: the
        // handler reads the key through a slot filled right after.
        let slot: Arc<Mutex<Option<Arc<Key>>>> = Arc::new(Mutex::new(None));
        let server = {
            let (slot, tokens) = (slot.clone(), tokens.clone());
            FakeServer::start(move |request| {
                let key = slot.lock().unwrap_or_else(|e| e.into_inner()).clone();
                match key {
                    Some(key) => handle(&request, &key, &tokens),
                    None => Reply::text(503, "starting"),
                }
            })
        };
        let key = Arc::new(Key {
            private_pem,
            public_der,
            key_id: hex(&random_bytes(20)),
            client_email: format!("telemetry-exporter@{PROJECT_ID}.iam.gserviceaccount.com"),
            client_id: format!("1{:020}", u64::from_be_bytes(random_array())),
            token_uri: format!("http://{}/token", server.addr()),
        });
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(key.clone());
        Some(GoogleAuth {
            server,
            key,
            tokens,
        })
    }

    /// The socket address served (token endpoint and metadata server alike).
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The metadata server as `GCE_METADATA_HOST` names it: `127.0.0.1:PORT`.
    pub fn metadata_host(&self) -> String {
        self.addr().to_string()
    }

    /// The token endpoint, `http://127.0.0.1:PORT/token` (the key file's `token_uri` and the
    /// `aud` a JWT must carry).
    pub fn token_uri(&self) -> String {
        self.key.token_uri.clone()
    }

    /// The project of the service account and of the metadata server.
    pub fn project_id(&self) -> String {
        PROJECT_ID.to_owned()
    }

    /// The service account's e-mail (the key file's `client_email`, a JWT's `iss`).
    pub fn client_email(&self) -> String {
        self.key.client_email.clone()
    }

    /// The key's id (the key file's `private_key_id`, a JWT header's `kid`).
    pub fn private_key_id(&self) -> String {
        self.key.key_id.clone()
    }

    /// A service-account key file as Google issues them, with `token_uri` pointing here.
    pub fn service_account_json(&self) -> String {
        let k = &self.key;
        let base = format!("http://{}", self.addr());
        let doc = json!({
            "type": "service_account",
            "project_id": PROJECT_ID,
            "private_key_id": k.key_id,
            "private_key": k.private_pem,
            "client_email": k.client_email,
            "client_id": k.client_id,
            "auth_uri": format!("{base}/o/oauth2/auth"),
            "token_uri": k.token_uri,
            "universe_domain": "googleapis.com",
        });
        serde_json::to_string_pretty(&doc).expect("JSON")
    }

    /// Claims this fake accepts, issued now: `iss`, `scope` (`monitoring.write`), `aud`,
    /// `iat`, `exp` (+1 h). Tests change one to see the check fire.
    pub fn valid_claims(&self) -> Value {
        let now = unix_now();
        json!({
            "iss": self.key.client_email,
            "scope": MONITORING_WRITE_SCOPES[0],
            "aud": self.key.token_uri,
            "iat": now,
            "exp": now + 3600,
        })
    }

    /// A JWT over `claims`, RS256-signed with this service account's private key (header
    /// `{"alg":"RS256","typ":"JWT","kid":<private_key_id>}`), for tests that build assertions
    /// by hand; sign with another `GoogleAuth` to get a bad signature.
    pub fn sign_jwt(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.key.key_id});
        self.sign_jwt_with_header(&header, claims)
    }

    /// [`GoogleAuth::sign_jwt`] with a header of the test's choosing.
    pub fn sign_jwt_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let der = pem_to_der(&self.key.private_pem);
        let pair = RsaKeyPair::from_pkcs8(&der).expect("ring reads the PKCS#8 key");
        let mut sig = vec![0; pair.public().modulus_len()];
        pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut sig,
        )
        .expect("RSA signature");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    /// The lifetime of the tokens issued from now on (`expires_in`, whole seconds; 1 h by
    /// default). A zero lifetime issues tokens that are already expired.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.tokens.lock().lifetime = lifetime;
    }

    /// Every token issued, in order.
    pub fn issued(&self) -> Vec<IssuedToken> {
        self.tokens.lock().issued.clone()
    }

    /// Revokes every token issued so far: the API fakes answer 401 to them. Tokens issued
    /// later are valid.
    pub fn revoke_all(&self) {
        for t in &mut self.tokens.lock().issued {
            t.revoked = true;
        }
    }

    /// Answers the next `n` token requests (`POST /token` and the metadata server's token,
    /// whatever they carry) with `status` and `{"error":"temporarily_unavailable",…}`,
    /// issuing nothing; for retry tests.
    pub fn fail_next(&self, status: u16, n: usize) {
        self.tokens.lock().faults = (n > 0).then_some((status, n));
    }

    /// Why each refused token or metadata request was refused, in order.
    pub fn rejections(&self) -> Vec<String> {
        self.tokens.lock().rejections.clone()
    }

    pub(crate) fn tokens(&self) -> Tokens {
        self.tokens.clone()
    }
}

fn handle(request: &Request, key: &Key, tokens: &Tokens) -> Reply {
    let path = request.path.split('?').next().unwrap_or("");
    if path == "/token" {
        if request.method != "POST" {
            return Reply::text(405, "POST only");
        }
        if let Some(failure) = fault(tokens) {
            return failure;
        }
        return match verify_token_request(request, key) {
            Ok(claims) => issue(tokens, TokenGrant::Jwt { claims }),
            Err((error, description)) => {
                tokens
                    .lock()
                    .rejections
                    .push(format!("token: {error}: {description}"));
                Reply::json(
                    400,
                    &json!({"error": error, "error_description": description}),
                )
            }
        };
    }
    if path == "/" {
        return Reply::text(200, "computeMetadata/\n").with_header("Metadata-Flavor", "Google");
    }
    if let Some(rest) = path.strip_prefix("/computeMetadata/v1/") {
        return metadata(request, rest, key, tokens).with_header("Metadata-Flavor", "Google");
    }
    Reply::text(
        404,
        format!("{} {path}: not served by this fake", request.method),
    )
}

fn metadata(request: &Request, rest: &str, key: &Key, tokens: &Tokens) -> Reply {
    let refuse = |why: String| {
        tokens.lock().rejections.push(format!("metadata: {why}"));
        Reply::text(403, why)
    };
    if request.header("metadata-flavor") != Some("Google") {
        return refuse(format!(
            "{rest}: missing required header \"Metadata-Flavor: Google\""
        ));
    }
    if request.header("x-forwarded-for").is_some() {
        return refuse(format!("{rest}: X-Forwarded-For is not allowed"));
    }
    if request.method != "GET" {
        return Reply::text(405, "GET only");
    }
    match rest.trim_end_matches('/') {
        "instance/service-accounts/default/token" => {
            fault(tokens).unwrap_or_else(|| issue(tokens, TokenGrant::Metadata))
        }
        "instance/service-accounts/default/email" => Reply::text(200, key.client_email.clone()),
        "project/project-id" => Reply::text(200, PROJECT_ID),
        "project/numeric-project-id" => Reply::text(200, PROJECT_NUMBER),
        "instance/id" => Reply::text(200, INSTANCE_ID),
        "instance/zone" => Reply::text(200, format!("projects/{PROJECT_NUMBER}/zones/{ZONE}")),
        other => Reply::text(404, format!("{other}: not served by this fake")),
    }
}

/// The injected failure due now, if any.
fn fault(tokens: &Tokens) -> Option<Reply> {
    let mut st = tokens.lock();
    let (status, left) = st.faults?;
    st.faults = (left > 1).then_some((status, left - 1));
    let body = json!({"error": "temporarily_unavailable",
                      "error_description": "failure injected by the fake (GoogleAuth::fail_next)"});
    Some(Reply::json(status, &body))
}

fn issue(tokens: &Tokens, how: TokenGrant) -> Reply {
    let mut st = tokens.lock();
    let token = format!("ya29.testkit-{}", hex(&random_bytes(24)));
    let lifetime = st.lifetime;
    st.issued.push(IssuedToken {
        token: token.clone(),
        how,
        expires_at: SystemTime::now() + lifetime,
        revoked: false,
    });
    Reply::json(
        200,
        &json!({"access_token": token, "expires_in": lifetime.as_secs(), "token_type": "Bearer"}),
    )
}

type Refusal = (&'static str, String);

fn invalid_grant(description: impl Into<String>) -> Refusal {
    ("invalid_grant", description.into())
}

/// The JWT-bearer grant: the form, then the JWT's header, claims and signature.
fn verify_token_request(request: &Request, key: &Key) -> Result<Value, Refusal> {
    let content_type = request.header("content-type").unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err((
            "invalid_request",
            format!("Content-Type {content_type:?}: expected application/x-www-form-urlencoded"),
        ));
    }
    let form = parse_form(&request.body);
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match field("grant_type") {
        Some(JWT_BEARER) => {}
        other => {
            return Err((
                "unsupported_grant_type",
                format!("Invalid grant_type: {other:?} (expected {JWT_BEARER})"),
            ))
        }
    }
    let Some(assertion) = field("assertion") else {
        return Err((
            "invalid_request",
            "Missing required parameter: assertion".into(),
        ));
    };
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, claims, sig] = parts[..] else {
        return Err(invalid_grant(format!(
            "Invalid JWT: {} segments, expected header.claims.signature",
            parts.len()
        )));
    };
    let decode = |what: &str, s: &str| {
        URL_SAFE_NO_PAD.decode(s).map_err(|e| {
            invalid_grant(format!(
                "Invalid JWT: {what} is not base64url without padding: {e}"
            ))
        })
    };
    let json_of = |what: &str, s: &str| -> Result<Value, Refusal> {
        let bytes = decode(what, s)?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(invalid_grant(format!(
                "Invalid JWT: the {what} is not a JSON object"
            ))),
        }
    };
    let header = json_of("header", header)?;
    let claims_json = json_of("claims", claims)?;
    let signature_bytes = decode("signature", sig)?;
    check_header(&header, key)?;
    check_claims(&claims_json, key)?;
    let signed = &assertion[..assertion.len() - sig.len() - 1];
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &key.public_der)
        .verify(signed.as_bytes(), &signature_bytes)
        .map_err(|_| {
            invalid_grant("Invalid JWT Signature: not RS256 by this service account's key")
        })?;
    Ok(claims_json)
}

fn check_header(header: &Value, key: &Key) -> Result<(), Refusal> {
    if header["alg"] != "RS256" {
        return Err(invalid_grant(format!(
            "Invalid JWT: header alg {} (expected \"RS256\")",
            header["alg"]
        )));
    }
    if let Some(typ) = header.get("typ") {
        if typ != "JWT" {
            return Err(invalid_grant(format!(
                "Invalid JWT: header typ {typ} (expected \"JWT\")"
            )));
        }
    }
    if let Some(kid) = header.get("kid") {
        if kid.as_str() != Some(key.key_id.as_str()) {
            return Err(invalid_grant(format!(
                "Invalid JWT: header kid {kid} is not the key's private_key_id"
            )));
        }
    }
    Ok(())
}

fn check_claims(claims: &Value, key: &Key) -> Result<(), Refusal> {
    if claims["iss"].as_str() != Some(key.client_email.as_str()) {
        return Err(invalid_grant(format!(
            "Invalid JWT: iss {} is not the service account's client_email {:?}",
            claims["iss"], key.client_email
        )));
    }
    let scopes: Vec<&str> = claims["scope"]
        .as_str()
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    if !scopes.iter().any(|s| MONITORING_WRITE_SCOPES.contains(s)) {
        return Err(invalid_grant(format!(
            "Invalid JWT: scope {} holds none of {MONITORING_WRITE_SCOPES:?}",
            claims["scope"]
        )));
    }
    if claims["aud"].as_str() != Some(key.token_uri.as_str()) {
        return Err(invalid_grant(format!(
            "Invalid JWT: aud {} is not the token_uri {:?}",
            claims["aud"], key.token_uri
        )));
    }
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return Err(invalid_grant(
            "Invalid JWT: iat and exp must be integers (seconds since the epoch)",
        ));
    };
    let now = unix_now();
    if (iat - now).abs() > CLOCK_SKEW {
        return Err(invalid_grant(format!(
            "Invalid JWT: iat {iat} is more than {CLOCK_SKEW} s from now ({now}); \
             Token must be a short-lived token (60 minutes) and in a reasonable timeframe"
        )));
    }
    if exp <= iat || exp - iat > MAX_JWT_LIFETIME {
        return Err(invalid_grant(format!(
            "Invalid JWT: exp - iat = {} s, must be in (0, {MAX_JWT_LIFETIME}]; \
             Token must be a short-lived token (60 minutes)",
            exp - iat
        )));
    }
    if exp <= now {
        return Err(invalid_grant(format!(
            "Invalid JWT: exp {exp} is past (now {now})"
        )));
    }
    Ok(())
}

fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let digits = b
                    .get(i + 1..i + 3)
                    .and_then(|d| std::str::from_utf8(d).ok());
                match digits.and_then(|d| u8::from_str_radix(d, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("PEM base64")
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0; n];
    SystemRandom::new().fill(&mut bytes).expect("random bytes");
    bytes
}

fn random_array() -> [u8; 8] {
    let mut bytes = [0; 8];
    SystemRandom::new().fill(&mut bytes).expect("random bytes");
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_url_decoded() {
        let form = parse_form(b"grant_type=urn%3Aietf%3Aparams&assertion=a.b-c_d&x=1+2&bad=%zz");
        assert_eq!(
            form,
            [
                ("grant_type".into(), "urn:ietf:params".into()),
                ("assertion".into(), "a.b-c_d".into()),
                ("x".into(), "1 2".into()),
                ("bad".into(), "%zz".into()),
            ]
        );
        assert_eq!(url_decode("%4"), "%4");
    }
}
