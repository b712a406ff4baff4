// Keys are label names (dots allowed); each is reported at the field or its `rename`.
use telemetry_core::AttributeSet;

#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
struct Http {
    #[attribute(rename = "")]
    empty: bool,
    #[attribute(rename = "1xx")]
    digit: bool,
    #[attribute(rename = "__name__")]
    reserved: bool,
    #[attribute(rename = "http method")]
    space: bool,
    größe: bool,
    #[attribute(rename = "route")]
    path: String,
    route: String,
}

fn main() {}
