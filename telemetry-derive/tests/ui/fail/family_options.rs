// A family field takes the options of its instrument: `buckets` only on a `HistogramFamily`,
// no kind keyword.
use telemetry_core::{AttributeSet, CounterFamily, GaugeFamily, HistogramFamily, MetricCollector};

#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
struct Route {
    path: String,
}

#[derive(MetricCollector)]
struct Api {
    #[metric(buckets = [1, 2])]
    requests: CounterFamily<Route, u64>,
    #[metric(counter)]
    in_flight: GaugeFamily<Route, i64>,
    #[metric(buckets = [2, 1])]
    latency: HistogramFamily<Route, f64>,
}

fn main() {}
