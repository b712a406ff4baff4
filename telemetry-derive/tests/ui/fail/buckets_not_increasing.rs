use telemetry_core::{BoundHistogram, MetricCollector};

#[derive(MetricCollector)]
struct Charger {
    #[metric(buckets = [1.0, 3.0, 2.0])]
    latency: BoundHistogram<f64>,
    #[metric(buckets = [1, 1])]
    size: BoundHistogram<u64>,
    #[metric(buckets = [-0.5, -1])]
    offset: BoundHistogram<f64>,
}

fn main() {}
