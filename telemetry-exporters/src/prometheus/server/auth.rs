//! Optional credentials: `Authorization: Basic` and `Bearer`, compared in constant time.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use subtle::ConstantTimeEq;

/// The credentials a request must carry; none configured means every request passes.
#[derive(Clone, Default)]
pub(crate) struct Auth {
    basic: Option<(Vec<u8>, Vec<u8>)>,
    bearer: Option<Vec<u8>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Which schemes, never the secrets.
        f.debug_struct("Auth")
            .field("basic", &self.basic.is_some())
            .field("bearer", &self.bearer.is_some())
            .finish()
    }
}

impl Auth {
    pub(crate) fn set_basic(&mut self, user: String, password: String) {
        self.basic = Some((user.into_bytes(), password.into_bytes()));
    }

    pub(crate) fn set_bearer(&mut self, token: String) {
        self.bearer = Some(token.into_bytes());
    }

    pub(crate) fn is_required(&self) -> bool {
        self.basic.is_some() || self.bearer.is_some()
    }

    /// Whether a request whose `Authorization` header is `header` may be answered.
    ///
    /// The secrets are compared with `subtle`'s constant-time equality, so the time taken
    /// does not tell how many leading bytes of a guess were right; only a length mismatch
    /// returns early, and lengths are not secret.
    pub(crate) fn allows(&self, header: Option<&[u8]>) -> bool {
        if !self.is_required() {
            return true;
        }
        let Some((scheme, credentials)) = header.and_then(split_scheme) else {
            return false;
        };
        if scheme.eq_ignore_ascii_case(b"basic") {
            let Some((user, password)) = &self.basic else {
                return false;
            };
            let Ok(decoded) = STANDARD.decode(credentials) else {
                return false;
            };
            let Some(colon) = decoded.iter().position(|&b| b == b':') else {
                return false;
            };
            let (given_user, given_password) = (&decoded[..colon], &decoded[colon + 1..]);
            // `&`, not `&&`: both comparisons run whatever the first one found.
            let same = given_user.ct_eq(user) & given_password.ct_eq(password);
            return same.into();
        }
        if scheme.eq_ignore_ascii_case(b"bearer") {
            return self
                .bearer
                .as_deref()
                .is_some_and(|token| credentials.ct_eq(token).into());
        }
        false
    }

    /// The `WWW-Authenticate` values of a 401: one challenge per configured scheme.
    pub(crate) fn challenges(&self) -> impl Iterator<Item = &'static str> {
        let basic = self
            .basic
            .as_ref()
            .map(|_| "Basic realm=\"metrics\", charset=\"UTF-8\"");
        let bearer = self.bearer.as_ref().map(|_| "Bearer realm=\"metrics\"");
        basic.into_iter().chain(bearer)
    }
}

/// `Scheme credentials` → (scheme, credentials), surrounding spaces removed.
fn split_scheme(header: &[u8]) -> Option<(&[u8], &[u8])> {
    let header = header.trim_ascii();
    let space = header.iter().position(|&b| b == b' ')?;
    Some((&header[..space], header[space + 1..].trim_ascii()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, password: &str) -> Vec<u8> {
        format!("Basic {}", STANDARD.encode(format!("{user}:{password}"))).into_bytes()
    }

    #[test]
    fn no_credentials_configured_allows_everything() {
        assert!(Auth::default().allows(None));
        assert!(Auth::default().allows(Some(b"Basic garbage")));
    }

    #[test]
    fn basic_needs_both_user_and_password() {
        let mut auth = Auth::default();
        auth.set_basic("prom".into(), "p:ss".into());
        assert!(auth.allows(Some(&basic("prom", "p:ss"))));
        assert!(
            auth.allows(Some(b"basic  cHJvbTpwOnNz ")),
            "scheme is case-insensitive"
        );
        assert!(!auth.allows(Some(&basic("prom", "p:s"))));
        assert!(!auth.allows(Some(&basic("prox", "p:ss"))));
        assert!(!auth.allows(Some(&basic("", ""))));
        assert!(!auth.allows(Some(b"Basic !!!not-base64")));
        assert!(!auth.allows(Some(b"Basic")));
        assert!(!auth.allows(Some(b"Bearer p:ss")), "bearer not configured");
        assert!(!auth.allows(None));
    }

    #[test]
    fn bearer_and_basic_together_accept_either() {
        let mut auth = Auth::default();
        auth.set_bearer("t0ken".into());
        assert!(auth.allows(Some(b"Bearer t0ken")));
        assert!(!auth.allows(Some(b"Bearer t0ke")));
        assert!(!auth.allows(Some(b"Bearer t0ken2")));
        assert!(!auth.allows(Some(&basic("a", "t0ken"))));
        auth.set_basic("a".into(), "b".into());
        assert!(auth.allows(Some(&basic("a", "b"))));
        assert!(auth.allows(Some(b"Bearer t0ken")));
        assert_eq!(auth.challenges().count(), 2);
    }
}
