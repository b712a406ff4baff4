// Only a struct with named fields is a set of attributes.
use telemetry_core::AttributeSet;

#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
enum Method {
    Get,
    Post,
}

#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
struct Tuple(bool, String);

#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
struct Unit;

fn main() {}
