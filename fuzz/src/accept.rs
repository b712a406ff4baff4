//! `Format::from_accept`: the negotiation of a scrape's format from its `Accept` header.

use telemetry_exporters::prometheus::Format;

/// The documented rule, written independently: among the comma-separated media ranges with
/// a quality above zero, the highest `q` among those the crate can produce wins, the
/// earlier one on a tie; `application/openmetrics-text` (version 1.0.0 or none) or
/// `text/plain` (version 0.0.4 or none), type and parameter names case-insensitive,
/// parameter values optionally quoted; nothing matching gives text.
fn oracle(header: &str) -> Format {
    let mut best: Option<(f32, Format)> = None;
    for range in header.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut version = None;
        let mut q = None;
        for param in parts {
            let Some((name, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match name.trim().to_ascii_lowercase().as_str() {
                "version" if version.is_none() => version = Some(value),
                "q" if q.is_none() => q = Some(value),
                _ => {}
            }
        }
        let format = match (media.as_str(), version) {
            ("application/openmetrics-text", None | Some("1.0.0")) => Format::OpenMetrics,
            ("text/plain", None | Some("0.0.4")) => Format::Text,
            _ => continue,
        };
        // `q` is a number in [0, 1]; anything else is "not acceptable".
        let q = match q {
            None => 1.0,
            Some(q) => q
                .parse::<f32>()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))
                .unwrap_or(0.0),
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, format));
        }
    }
    best.map_or(Format::Text, |(_, f)| f)
}

/// Invariants: the answer is the documented rule's; putting a full-quality range of either
/// format first makes it the answer; adding a zero-quality range anywhere, or any range
/// after a full-quality one, changes nothing; the content type is one of the two formats'.
pub fn accept_header(data: &[u8]) {
    let header = String::from_utf8_lossy(data);
    let accept = |h: &str| Format::from_accept(Some(h));
    let got = accept(&header);
    assert_eq!(got, oracle(&header), "Accept: {header:?}");
    assert_eq!(
        accept(&format!(
            "application/openmetrics-text;version=1.0.0,{header}"
        )),
        Format::OpenMetrics
    );
    assert_eq!(accept(&format!("text/plain,{header}")), Format::Text);
    assert_eq!(
        accept(&format!("{header},application/openmetrics-text;q=0")),
        got
    );
    assert_eq!(accept(&format!("text/plain;q=0,{header}")), got);
    assert!([
        Format::Text.content_type(),
        Format::OpenMetrics.content_type()
    ]
    .contains(&got.content_type()));
    assert_eq!(Format::from_accept(None), Format::Text);
}
