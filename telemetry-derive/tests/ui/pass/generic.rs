//! Generic structs: a nested collector as a parameter; the bounds are the derive's.
#![deny(warnings, missing_docs)]

use telemetry_core::MetricCollector;

/// A leaf.
#[derive(MetricCollector)]
pub struct Leaf {
    /// A value.
    #[metric]
    pub value: u64,
}

/// Generic over its child.
#[derive(MetricCollector)]
#[metric(prefix = "")]
pub struct Wrapper<C> {
    /// The child.
    #[metric(flatten)]
    pub child: C,
    /// Own value.
    #[metric]
    pub own: i32,
}

fn assert_collector<C: MetricCollector>() {}

fn main() {
    assert_collector::<Wrapper<Leaf>>();
}
