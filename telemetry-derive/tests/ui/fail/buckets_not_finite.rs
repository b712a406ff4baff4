use telemetry_core::{BoundHistogram, MetricCollector};

#[derive(MetricCollector)]
struct Charger {
    #[metric(buckets = [1.0, f64::INFINITY])]
    latency: BoundHistogram<f64>,
    #[metric(buckets = [1.0, 1e999])]
    size: BoundHistogram<f64>,
    #[metric(buckets = [1.0, "2.0", 3 + 4])]
    power: BoundHistogram<f64>,
}

fn main() {}
