use telemetry_core::{BoundCounter, MetricCollector};

#[derive(MetricCollector)]
struct Charger {
    #[metric(buckets = [1.0, 2.0])]
    level: u8,
    #[metric(buckets = [1.0, 2.0])]
    sessions: BoundCounter<u64>,
}

fn main() {}
