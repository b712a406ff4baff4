//! `crate = "..."` reaches telemetry_core through a re-export.
#![deny(warnings, missing_docs, unused_qualifications)]

mod sdk {
    pub use telemetry_core as metrics;
}

/// Reached through `crate::sdk::metrics`.
#[derive(sdk::metrics::MetricCollector)]
#[metric(crate = "crate::sdk::metrics")]
pub struct Queue {
    /// Items waiting.
    #[metric]
    pub depth: u64,
}

fn assert_collector<C: sdk::metrics::MetricCollector>() {}

fn main() {
    assert_collector::<Queue>();
}
