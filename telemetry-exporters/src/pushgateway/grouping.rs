//! The grouping key's URL path: `/metrics/job/<job>{/<label>/<value>}`.
//!
//! A value goes into the path as is only when it is made of URL-unreserved characters;
//! anything else (a `/`, an empty value, spaces, UTF-8) uses the gateway's `@base64` form
//! (`/<label>@base64/<base64url>`), which the gateway decodes exactly: no percent-decoding
//! ambiguity, and `/` cannot split the path. An empty value is `@base64/=`.

use super::PushgatewayError;

/// A label name the gateway accepts in a grouping key: `[a-zA-Z_][a-zA-Z0-9_]*`, not
/// reserved (`__` prefix).
pub(super) fn check_label_name(name: &str) -> Result<(), PushgatewayError> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__");
    if valid {
        Ok(())
    } else {
        Err(PushgatewayError::InvalidLabelName {
            name: name.to_owned(),
        })
    }
}

/// `/<name>/<value>` or `/<name>@base64/<base64url(value)>`, appended to `path`.
pub(super) fn push_segment(path: &mut String, name: &str, value: &str) {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    path.push('/');
    path.push_str(name);
    if plain {
        path.push('/');
        path.push_str(value);
    } else if value.is_empty() {
        path.push_str("@base64/=");
    } else {
        path.push_str("@base64/");
        path.push_str(&base64(value.as_bytes(), URL_SAFE, false));
    }
}

/// The base64url alphabet (RFC 4648 §5), which the gateway expects in paths.
pub(super) const URL_SAFE: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// The standard alphabet (RFC 4648 §4), for `Authorization: Basic`.
pub(super) const STANDARD: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 of `bytes` in `alphabet`, with `=` padding when `pad`.
pub(super) fn base64(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        let emit = chunk.len() + 1;
        for i in 0..4 {
            if i < emit {
                out.push(char::from(alphabet[(n >> (18 - 6 * i)) as usize & 63]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (raw, encoded) in cases {
            assert_eq!(base64(raw.as_bytes(), STANDARD, true), encoded);
        }
        assert_eq!(base64(b"??>", URL_SAFE, false), "Pz8-");
        assert_eq!(base64(b"??>", STANDARD, false), "Pz8+");
        assert_eq!(base64(b"a/b", URL_SAFE, false), "YS9i");
    }

    #[test]
    fn segments_use_base64_for_slashes_empty_and_non_ascii_values() {
        let mut path = String::new();
        push_segment(&mut path, "instance", "i-1.a_b~");
        push_segment(&mut path, "path", "a/b");
        push_segment(&mut path, "empty", "");
        push_segment(&mut path, "city", "Zürich");
        assert_eq!(
            path,
            "/instance/i-1.a_b~/path@base64/YS9i/empty@base64/=/city@base64/WsO8cmljaA"
        );
    }

    #[test]
    fn label_names_follow_the_prometheus_grammar() {
        for ok in ["instance", "_x", "a1_B"] {
            assert!(check_label_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a.b", "__name__", "é"] {
            assert!(
                matches!(
                    check_label_name(bad),
                    Err(PushgatewayError::InvalidLabelName { .. })
                ),
                "{bad}"
            );
        }
    }
}
