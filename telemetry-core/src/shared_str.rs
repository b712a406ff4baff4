//! An immutable string shared by reference count: the names and metadata of collected
//! metrics, which every collection hands out again without copying them.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// An immutable, cheaply cloned string (`Arc<str>`) that compares with `&str` and `String`
/// like a string does.
///
/// ```
/// use telemetry_core::SharedStr;
///
/// let name = SharedStr::from("http.server.duration");
/// assert_eq!(name, "http.server.duration");
/// assert!(name.starts_with("http"));
/// assert_eq!(name.to_string(), String::from("http.server.duration"));
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedStr(Arc<str>);

impl SharedStr {
    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr(Arc::from(s))
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr(Arc::from(s))
    }
}

impl From<Arc<str>> for SharedStr {
    fn from(s: Arc<str>) -> Self {
        SharedStr(s)
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.0.to_string()
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == *other.0
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        **self == *other.0
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn behaves_like_the_string_it_holds() {
        let s = SharedStr::from(String::from("a.b"));
        let copy = s.clone();
        assert!(
            std::ptr::eq(s.as_str(), copy.as_str()),
            "a clone shares the text"
        );
        let owned = String::from("a.b");
        assert_eq!(s, "a.b");
        assert_eq!("a.b", s);
        assert_eq!(s, owned);
        assert_eq!(format!("{s} {s:?}"), "a.b \"a.b\"");
        let map = HashMap::from([(s, 1)]);
        assert_eq!(map.get("a.b"), Some(&1), "looked up by &str");
        let (a, b) = (SharedStr::from("a"), SharedStr::from("b"));
        assert!(a < b, "ordered as strings");
        assert_eq!(SharedStr::default(), "");
    }
}
