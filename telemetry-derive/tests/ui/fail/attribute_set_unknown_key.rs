// Unknown, duplicated and malformed `#[attribute(...)]` keys, all reported in one compile.
use telemetry_core::AttributeSet;

#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
#[attribute(prefix = "http", crate = telemetry_core)]
struct Http {
    #[attribute(skip)]
    secure: bool,
    #[attribute(rename = "a", rename = "b")]
    retried: bool,
    #[attribute(rename = 1)]
    cached: bool,
}

fn main() {}
