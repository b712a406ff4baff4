use telemetry_core::{BoundGauge, MetricCollector};

#[derive(MetricCollector)]
struct Charger {
    #[metric(counter)]
    temperature: BoundGauge<f64>,
}

fn main() {}
