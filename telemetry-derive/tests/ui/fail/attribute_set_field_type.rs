// A field that is not an `AttributeField` is reported at its type.
use telemetry_core::AttributeSet;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum NotALabel {
    A,
}

#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
struct Request {
    kind: NotALabel,
    bytes: Vec<u8>,
    ok: bool,
}

fn main() {}
