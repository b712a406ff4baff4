//! The two exposition formats, and choosing between them from a scrape request's headers.
//!
//! Negotiation is the scrape endpoint's job, but it lives here, as plain functions of header
//! values, so that a custom HTTP server can negotiate exactly as [`serve`](super::serve) does.

use super::family::{self, Families, Source};
use super::text::Warning;
use super::{openmetrics, text};

/// An exposition format.
///
/// | format | content type | written by |
/// |---|---|---|
/// | [`Text`](Self::Text) (default) | `text/plain; version=0.0.4; charset=utf-8` | [`encode_text`](super::encode_text) |
/// | [`OpenMetrics`](Self::OpenMetrics) | `application/openmetrics-text; version=1.0.0; charset=utf-8` | [`encode_openmetrics`](super::encode_openmetrics) |
///
/// ```
/// use telemetry_exporters::prometheus::Format;
///
/// // What Prometheus 2.x sends by default: OpenMetrics wins.
/// let prometheus = "application/openmetrics-text;version=1.0.0,\
///     application/openmetrics-text;version=0.0.1;q=0.75,\
///     text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// assert_eq!(Format::from_accept(Some(prometheus)), Format::OpenMetrics);
/// // curl, a browser, or no header at all: the text format.
/// assert_eq!(Format::from_accept(Some("*/*")), Format::Text);
/// assert_eq!(Format::from_accept(None), Format::Text);
/// assert_eq!(
///     Format::OpenMetrics.content_type(),
///     "application/openmetrics-text; version=1.0.0; charset=utf-8"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The Prometheus text exposition format, version 0.0.4: what every Prometheus-compatible
    /// scraper understands, and what `promtool check metrics` lints.
    #[default]
    Text,
    /// OpenMetrics 1.0 text: `_created` samples, `# UNIT`, the `info`, `stateset`,
    /// `gaugehistogram` types, and a final `# EOF`.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The format to answer a request whose `Accept` header is `accept`.
    ///
    /// Among the media ranges the header offers with a quality above zero, the one with the
    /// highest `q` that this crate can produce wins (the earlier one on a tie):
    /// `application/openmetrics-text` with `version=1.0.0` or no version, or `text/plain`
    /// with `version=0.0.4` or no version. Wildcards, other versions (the pre-1.0 OpenMetrics
    /// `0.0.1`) and anything unparsable match nothing; when nothing matches, the answer is
    /// [`Format::Text`], as in the Go client's `expfmt.Negotiate`.
    ///
    /// ```
    /// use telemetry_exporters::prometheus::Format;
    ///
    /// let accept = |a| Format::from_accept(Some(a));
    /// assert_eq!(accept("application/openmetrics-text"), Format::OpenMetrics);
    /// assert_eq!(accept("Application/OpenMetrics-Text; Version=\"1.0.0\""), Format::OpenMetrics);
    /// assert_eq!(accept("application/openmetrics-text;version=0.0.1"), Format::Text);
    /// assert_eq!(accept("text/plain;q=0.9, application/openmetrics-text;q=0.8"), Format::Text);
    /// assert_eq!(accept("application/openmetrics-text;q=0"), Format::Text);
    /// ```
    #[must_use]
    pub fn from_accept(accept: Option<&str>) -> Format {
        let mut best: Option<(f32, Format)> = None;
        for range in accept.unwrap_or_default().split(',') {
            let (media, params) = media_range(range);
            let version = param(params.clone(), "version");
            let format = match media.to_ascii_lowercase().as_str() {
                "application/openmetrics-text" if matches!(version, None | Some("1.0.0")) => {
                    Format::OpenMetrics
                }
                "text/plain" if matches!(version, None | Some("0.0.4")) => Format::Text,
                _ => continue,
            };
            let q = quality(params);
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, format));
            }
        }
        best.map_or(Format::Text, |(_, format)| format)
    }

    /// Groups `sources` into families and writes them in this format, returning what had to
    /// be left out.
    pub(crate) fn encode(self, sources: &[Source<'_>], out: &mut String) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let families: Families<'_> = family::collect(sources, self, &mut warnings);
        // Sized once: growing by doubling copies a 10,000-series scrape about twice over.
        let estimate: usize = families
            .iter()
            .map(|(base, f)| {
                64 + 2 * base.len() + f.help.len() + f.sample_lines() * (base.len() + 40)
            })
            .sum();
        out.reserve(estimate);
        match self {
            Format::Text => text::write(&families, out),
            Format::OpenMetrics => openmetrics::write(&families, out, &mut warnings),
        }
        warnings
    }
}

/// Whether a request whose `Accept-Encoding` header is `accept_encoding` takes a gzip body:
/// `gzip` (or `x-gzip`) with a quality above zero, or `*` above zero when gzip is not named.
pub(crate) fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let mut wildcard = false;
    for coding in accept_encoding.unwrap_or_default().split(',') {
        let (name, params) = media_range(coding);
        let q = quality(params);
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            return q > 0.0;
        }
        if name == "*" {
            wildcard = q > 0.0;
        }
    }
    wildcard
}

/// `type/subtype;a=b;q=0.5` → (`type/subtype`, the parameters), trimmed.
fn media_range(range: &str) -> (&str, impl Iterator<Item = (&str, &str)> + Clone) {
    let mut parts = range.split(';');
    let media = parts.next().unwrap_or_default().trim();
    let params = parts.filter_map(|p| {
        let (name, value) = p.split_once('=')?;
        Some((name.trim(), value.trim().trim_matches('"')))
    });
    (media, params)
}

fn param<'a>(mut params: impl Iterator<Item = (&'a str, &'a str)>, name: &str) -> Option<&'a str> {
    params
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// The `q` parameter: 1 when absent, 0 (not acceptable) when unparsable.
fn quality<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> f32 {
    param(params, "q").map_or(1.0, |q| {
        q.parse::<f32>()
            .ok()
            .filter(|q| (0.0..=1.0).contains(q))
            .unwrap_or(0.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_default_accept_header_negotiates_openmetrics() {
        // Prometheus 2.42's default scrape protocols, verbatim.
        let header = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                      version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::from_accept(Some(header)), Format::OpenMetrics);
        // With OpenMetrics disabled in the scrape config (`scrape_protocols`), text.
        let header = "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::from_accept(Some(header)), Format::Text);
    }

    #[test]
    fn quality_decides_and_ties_keep_the_first() {
        let accept = |a| Format::from_accept(Some(a));
        assert_eq!(
            accept("text/plain;q=0.4, application/openmetrics-text;q=0.5"),
            Format::OpenMetrics
        );
        assert_eq!(
            accept("text/plain, application/openmetrics-text"),
            Format::Text
        );
        assert_eq!(
            accept("application/openmetrics-text, text/plain"),
            Format::OpenMetrics
        );
        assert_eq!(accept("text/plain;version=0.0.5"), Format::Text);
        assert_eq!(
            accept("application/openmetrics-text;q=abc, text/plain;q=0.1"),
            Format::Text
        );
        assert_eq!(
            accept("application/openmetrics-text;q=2"),
            Format::Text,
            "q above 1 is invalid, so not acceptable"
        );
        assert_eq!(accept(""), Format::Text);
        assert_eq!(accept(" , ;;, =,"), Format::Text);
        assert_eq!(accept("application/json"), Format::Text);
    }

    #[test]
    fn gzip_is_used_only_when_accepted() {
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, GZip;q=0.5")));
        assert!(accepts_gzip(Some("x-gzip")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(Some("gzip;q=0, *")));
        assert!(!accepts_gzip(Some("*;q=0")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(Some("br, deflate")));
        assert!(!accepts_gzip(None));
    }
}
