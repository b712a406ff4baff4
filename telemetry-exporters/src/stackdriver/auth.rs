//! Access tokens for the Monitoring API, without an async runtime: a service-account key
//! (an RS256-signed JWT exchanged at the key's `token_uri`), the GCE/GKE metadata server, or
//! a fixed token. Tokens are cached and refreshed shortly before they expire, and on demand
//! after a 401.

use std::fmt;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use telemetry_core::Error;

use super::{export_error, ConfigError};
use crate::push_http;

/// The OAuth scope a metrics writer needs.
pub const MONITORING_WRITE_SCOPE: &str = "https://www.googleapis.com/auth/monitoring.write";
/// Where the metadata server is when `GCE_METADATA_HOST` does not say otherwise.
pub const DEFAULT_METADATA_HOST: &str = "metadata.google.internal";
/// The longest lifetime Google accepts for a JWT assertion.
const ASSERTION_LIFETIME: u64 = 3600;
/// A cached token is refreshed this long before it expires (at most half its lifetime).
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// How the exporter authenticates.
///
/// [`Credentials::from_env`] finds them the way Google's client libraries do: the key file
/// named by `GOOGLE_APPLICATION_CREDENTIALS`, else the metadata server of the VM or GKE node
/// (`GCE_METADATA_HOST` overrides its address).
///
/// ```
/// use telemetry_exporters::stackdriver::Credentials;
///
/// let fixed = Credentials::token("ya29.a0…"); // e.g. from `gcloud auth print-access-token`
/// let metadata = Credentials::metadata_server_at("127.0.0.1:8080");
/// # let _ = (fixed, metadata);
/// ```
#[derive(Clone)]
pub enum Credentials {
    /// A service-account key (the JSON file a console download gives).
    ServiceAccount(ServiceAccountKey),
    /// The GCE/GKE metadata server at `host` (`host[:port]`, plain HTTP as on GCP).
    MetadataServer {
        /// `metadata.google.internal` or the value of `GCE_METADATA_HOST`.
        host: String,
    },
    /// A fixed access token; never refreshed.
    Token(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::ServiceAccount(key) => f
                .debug_tuple("ServiceAccount")
                .field(&key.client_email)
                .finish(),
            Credentials::MetadataServer { host } => f
                .debug_struct("MetadataServer")
                .field("host", host)
                .finish(),
            Credentials::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

/// The fields of a service-account key file that signing needs.
#[derive(Clone, Deserialize)]
pub struct ServiceAccountKey {
    client_email: String,
    private_key: String,
    #[serde(default)]
    private_key_id: Option<String>,
    token_uri: String,
    #[serde(default)]
    project_id: Option<String>,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

impl ServiceAccountKey {
    /// The key's project, if it names one.
    #[must_use]
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The account's e-mail address (the JWT's issuer).
    #[must_use]
    pub fn client_email(&self) -> &str {
        &self.client_email
    }
}

impl Credentials {
    /// The key file named by `GOOGLE_APPLICATION_CREDENTIALS`, else the metadata server.
    ///
    /// # Errors
    /// [`ConfigError::Credentials`] if the variable names a file that cannot be read or is
    /// not a service-account key.
    pub fn from_env() -> Result<Credentials, ConfigError> {
        match std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS") {
            Some(path) if !path.is_empty() => Credentials::service_account_file(Path::new(&path)),
            _ => Ok(Credentials::metadata_server()),
        }
    }

    /// A service-account key file.
    ///
    /// # Errors
    /// [`ConfigError::Credentials`] if it cannot be read or parsed.
    pub fn service_account_file(path: &Path) -> Result<Credentials, ConfigError> {
        let json = std::fs::read_to_string(path).map_err(|e| ConfigError::Credentials {
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        Credentials::service_account_json(&json).map_err(|e| match e {
            ConfigError::Credentials { message } => ConfigError::Credentials {
                message: format!("{}: {message}", path.display()),
            },
            other => other,
        })
    }

    /// A service-account key given as JSON text.
    ///
    /// # Errors
    /// [`ConfigError::Credentials`] if it is not a service-account key with a usable RSA
    /// private key.
    pub fn service_account_json(json: &str) -> Result<Credentials, ConfigError> {
        #[derive(Deserialize)]
        struct Kind {
            #[serde(rename = "type", default)]
            kind: String,
        }
        let invalid = |message: String| ConfigError::Credentials { message };
        let kind: Kind =
            serde_json::from_str(json).map_err(|e| invalid(format!("not a JSON key file: {e}")))?;
        if kind.kind != "service_account" {
            return Err(invalid(format!(
                "type {:?}: only \"service_account\" keys are supported",
                kind.kind
            )));
        }
        let key: ServiceAccountKey = serde_json::from_str(json)
            .map_err(|e| invalid(format!("incomplete service-account key: {e}")))?;
        jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.as_bytes())
            .map_err(|e| invalid(format!("private_key is not an RSA key in PEM: {e}")))?;
        Ok(Credentials::ServiceAccount(key))
    }

    /// The metadata server at `GCE_METADATA_HOST`, or `metadata.google.internal`.
    #[must_use]
    pub fn metadata_server() -> Credentials {
        let host = std::env::var("GCE_METADATA_HOST")
            .ok()
            .filter(|h| !h.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_METADATA_HOST.to_owned());
        Credentials::metadata_server_at(host.trim())
    }

    /// The metadata server at `host` (`host[:port]`).
    #[must_use]
    pub fn metadata_server_at(host: impl Into<String>) -> Credentials {
        Credentials::MetadataServer { host: host.into() }
    }

    /// A fixed access token.
    #[must_use]
    pub fn token(token: impl Into<String>) -> Credentials {
        Credentials::Token(token.into())
    }
}

/// A token and when it must be replaced.
#[derive(Debug)]
struct Cached {
    token: String,
    refresh_at: Instant,
}

/// Hands out access tokens, fetching one when the cached one is missing or due.
pub(super) struct TokenSource {
    credentials: Credentials,
    /// Overrides the key's `token_uri`.
    token_uri: Option<String>,
    agent: ureq::Agent,
    cache: Mutex<Option<Cached>>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("credentials", &self.credentials)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

impl TokenSource {
    pub(super) fn new(
        credentials: Credentials,
        token_uri: Option<String>,
        agent: ureq::Agent,
    ) -> Self {
        TokenSource {
            credentials,
            token_uri,
            agent,
            cache: Mutex::new(None),
        }
    }

    /// The project the credentials belong to, when they say so without a request.
    pub(super) fn key_project(&self) -> Option<String> {
        match &self.credentials {
            Credentials::ServiceAccount(key) => key.project_id.clone(),
            _ => None,
        }
    }

    /// The metadata server's project id, when the credentials are the metadata server's.
    pub(super) fn metadata_project(&self, deadline: Instant) -> Result<Option<String>, Error> {
        let Credentials::MetadataServer { host } = &self.credentials else {
            return Ok(None);
        };
        let url = format!("http://{host}/computeMetadata/v1/project/project-id");
        let body = self.get_metadata(&url, deadline)?;
        let project = String::from_utf8_lossy(&body).trim().to_owned();
        Ok((!project.is_empty()).then_some(project))
    }

    /// A valid token: the cached one, or a fresh one.
    pub(super) fn token(&self, deadline: Instant) -> Result<String, Error> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.as_ref() {
            if Instant::now() < c.refresh_at {
                return Ok(c.token.clone());
            }
        }
        let (token, lifetime) = self.fetch(deadline)?;
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        *cache = Some(Cached {
            token: token.clone(),
            refresh_at: Instant::now() + lifetime.saturating_sub(margin),
        });
        Ok(token)
    }

    /// Forgets the cached token (after the API answered 401).
    pub(super) fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// True if a new token can be fetched (a fixed token cannot be renewed).
    pub(super) fn renewable(&self) -> bool {
        !matches!(self.credentials, Credentials::Token(_))
    }

    fn fetch(&self, deadline: Instant) -> Result<(String, Duration), Error> {
        match &self.credentials {
            // A fixed token: assume it lives for an hour, as Google's do.
            Credentials::Token(t) => Ok((t.clone(), Duration::from_secs(ASSERTION_LIFETIME))),
            Credentials::ServiceAccount(key) => self.exchange_jwt(key, deadline),
            Credentials::MetadataServer { host } => {
                let url = format!(
                    "http://{host}/computeMetadata/v1/instance/service-accounts/default/token"
                );
                let body = self.get_metadata(&url, deadline)?;
                parse_token(&body, &url)
            }
        }
    }

    /// Signs an assertion and exchanges it at the token URI (RFC 7523 JWT bearer grant).
    fn exchange_jwt(
        &self,
        key: &ServiceAccountKey,
        deadline: Instant,
    ) -> Result<(String, Duration), Error> {
        let token_uri = self.token_uri.as_deref().unwrap_or(&key.token_uri);
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = Claims {
            iss: &key.client_email,
            scope: MONITORING_WRITE_SCOPE,
            aud: token_uri,
            iat,
            exp: iat + ASSERTION_LIFETIME,
        };
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid.clone_from(&key.private_key_id);
        let signing_key = jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.as_bytes())
            .map_err(|e| export_error(format!("service-account private_key: {e}")))?;
        let assertion = jsonwebtoken::encode(&header, &claims, &signing_key)
            .map_err(|e| export_error(format!("signing the token request: {e}")))?;
        // The assertion is base64url and dots: nothing in it needs escaping.
        let form = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
        );
        let timeout = remaining(deadline, "token request")?;
        let mut response = self
            .agent
            .post(token_uri)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(form.as_bytes())
            .map_err(|e| export_error(format!("POST {token_uri}: {e}")))?;
        let status = response.status().as_u16();
        let body = push_http::body(&mut response);
        if status != 200 {
            return Err(export_error(format!(
                "POST {token_uri}: HTTP {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(512)]).trim()
            )));
        }
        parse_token(&body, token_uri)
    }

    fn get_metadata(&self, url: &str, deadline: Instant) -> Result<Vec<u8>, Error> {
        let timeout = remaining(deadline, "metadata request")?;
        let mut response = self
            .agent
            .get(url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Metadata-Flavor", "Google")
            .call()
            .map_err(|e| export_error(format!("GET {url}: {e}")))?;
        let status = response.status().as_u16();
        let body = push_http::body(&mut response);
        if status != 200 {
            return Err(export_error(format!("GET {url}: HTTP {status}")));
        }
        Ok(body)
    }
}

fn parse_token(body: &[u8], url: &str) -> Result<(String, Duration), Error> {
    let t: TokenResponse = serde_json::from_slice(body)
        .map_err(|e| export_error(format!("{url}: not a token response: {e}")))?;
    let lifetime = Duration::from_secs(t.expires_in.unwrap_or(ASSERTION_LIFETIME));
    Ok((t.access_token, lifetime))
}

fn remaining(deadline: Instant, operation: &'static str) -> Result<Duration, Error> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(Error::Timeout { operation })
    } else {
        Ok(left)
    }
}
