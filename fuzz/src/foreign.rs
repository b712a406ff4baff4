//! `Gathering::push_openmetrics`: another library's OpenMetrics text served beside ours
//! (what the endpoint does with a `prometheus_client` registry).

use telemetry_exporters::prometheus::{
    encode_openmetrics, encode_text, Format, Gathering, Warning,
};

use crate::expo;
use crate::model;
use crate::tape::Tape;

/// The name of the `\r` check in [`crate::KNOWN_FINDINGS`].
const FOREIGN_CR: &str = "foreign-cr";

/// Invariants, with a flag byte choosing the input:
///
/// - well-formed input (our own OpenMetrics exposition of a decoded `ResourceMetrics`):
///   served again through a `Gathering`, it comes out byte for byte as our encoders write it
///   directly, in both formats, with no warning; and both outputs parse strictly. (Only when
///   OpenMetrics left no value out: such a family is written without samples, which a
///   reader of its text rightly drops.)
/// - any text: rendering does not panic, OpenMetrics output ends with its only `# EOF` line,
///   and the text 0.0.4 output has no `# EOF` line. (The reader passes what it does not recognise
///   through unchanged, so nothing more can be promised.)
pub fn foreign_openmetrics(data: &[u8]) {
    let mut tape = Tape::new(data);
    if tape.flag() {
        let mut gathering = Gathering::new();
        gathering.push_openmetrics(tape.rest());
        let (om, _) = gathering.render(Format::OpenMetrics);
        let eof_lines = |text: &str| text.split('\n').filter(|l| *l == "# EOF").count();
        assert!(om.ends_with("\n# EOF\n") || om == "# EOF\n", "{om}");
        assert_eq!(eof_lines(&om), 1, "{om}");
        let (text, _) = gathering.render(Format::Text);
        assert_eq!(eof_lines(&text), 0, "{text}");
        return;
    }
    let input = model::input(&mut tape);
    let options = input.options.text_options();
    let mut om = String::new();
    let warnings = encode_openmetrics(&input.metrics, &options, &mut om);
    let mut text = String::new();
    encode_text(&input.metrics, &options, &mut text);

    let mut gathering = Gathering::new();
    gathering.push_openmetrics(om.clone());
    let (om_again, om_warnings) = gathering.render(Format::OpenMetrics);
    let (text_again, text_warnings) = gathering.render(Format::Text);
    let context = || format!("--- input: {input:#?}\n--- OpenMetrics:\n{om}");
    if let Err(e) = expo::parse_openmetrics(&om_again) {
        panic!("{e}\n--- served again:\n{om_again}\n{}", context());
    }
    if let Err(e) = expo::parse_text(&text_again) {
        panic!(
            "{e}\n--- served again as text:\n{text_again}\n{}",
            context()
        );
    }
    // Known: the reader splits lines with `str::lines`, which also drops a `\r` before the
    // `\n`, so a HELP text ending in `\r` loses it (or the whole HELP line).
    let help_cr = input
        .metrics
        .metrics()
        .any(|m| m.description.ends_with('\r'));
    if warnings
        .iter()
        .any(|w| matches!(w, Warning::ValueLeftOut { .. }))
        || (help_cr && !crate::enabled(FOREIGN_CR))
    {
        return;
    }
    assert_eq!(om_again, om, "OpenMetrics served again\n{}", context());
    // Text 0.0.4 keeps the foreign sample order (OpenMetrics writes `_count` before `_sum`,
    // our text encoder after it), which no reader depends on: compare each family's lines
    // as a set.
    let families = |text: &str| {
        let mut blocks = expo::parse_text(text).expect("parsed above");
        for block in &mut blocks {
            block
                .samples
                .sort_by(|a, b| (&a.name, &a.labels).cmp(&(&b.name, &b.labels)));
        }
        format!("{blocks:?}")
    };
    assert_eq!(
        families(&text_again),
        families(&text),
        "text from OpenMetrics\n--- served again:\n{text_again}\n--- ours:\n{text}\n{}",
        context()
    );
    assert!(
        om_warnings.is_empty() && text_warnings.is_empty(),
        "{om_warnings:?} {text_warnings:?}\n{}",
        context()
    );
}
