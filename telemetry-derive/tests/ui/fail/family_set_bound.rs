// A family's key must be an `AttributeSet`: reported at the field.
use telemetry_core::{CounterFamily, MetricCollector};

#[derive(Clone, PartialEq, Eq, Hash)]
struct NotASet {
    path: String,
}

#[derive(MetricCollector)]
struct Api {
    #[metric]
    errors: CounterFamily<NotASet, u64>,
}

fn main() {}
