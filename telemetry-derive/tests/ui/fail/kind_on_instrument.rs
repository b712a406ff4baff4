use telemetry_core::{BoundCounter, BoundGauge, MetricCollector};

#[derive(MetricCollector)]
struct Charger {
    #[metric(counter)]
    temperature: BoundGauge<f64>,
    #[metric(state_set)]
    sessions: BoundCounter<u64>,
}

fn main() {}
