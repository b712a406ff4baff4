//! Every family is an instrument field of a derived collector.
#![deny(warnings, missing_docs, unused_qualifications)]

use telemetry_core::{
    AttributeSet, CounterFamily, GaugeFamily, HistogramFamily, MetricCollector, SummaryFamily,
    UpDownCounterFamily,
};

/// A route.
#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    /// The path.
    pub path: String,
    /// Whether TLS was used.
    pub secure: bool,
}

/// All five families.
#[derive(MetricCollector, Default)]
pub struct Api {
    /// Requests.
    #[metric]
    pub requests: CounterFamily<Route, u64>,
    /// In flight.
    #[metric]
    pub in_flight: UpDownCounterFamily<Route, i64>,
    /// Last size.
    #[metric(unit = "By")]
    pub last_size: GaugeFamily<Route, u64>,
    /// Latency.
    #[metric(unit = "s", buckets = [0.1, 1])]
    pub latency: HistogramFamily<Route, f64>,
    /// Sizes.
    #[metric(name = "api_request_size")]
    pub sizes: SummaryFamily<Route, f64>,
    /// The service.
    #[metric(attribute)]
    pub service: &'static str,
}

fn assert_collector<C: MetricCollector>() {}

fn main() {
    assert_collector::<Api>();
}
