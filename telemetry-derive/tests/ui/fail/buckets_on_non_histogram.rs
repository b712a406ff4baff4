use telemetry_core::{BoundCounter, BoundSummary, MetricCollector};

#[derive(MetricCollector)]
struct Charger {
    #[metric(buckets = [1.0, 2.0])]
    level: u8,
    #[metric(buckets = [1.0, 2.0])]
    sessions: BoundCounter<u64>,
    #[metric(buckets = [1.0, 2.0])]
    sizes: BoundSummary<u64>,
}

fn main() {}
