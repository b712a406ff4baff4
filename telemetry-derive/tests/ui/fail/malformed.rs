use telemetry_core::{BoundHistogram, MetricCollector};

#[derive(MetricCollector)]
#[metric]
struct Charger {
    #[metric = "level"]
    level: u8,
    #[metric(unit = 5)]
    current: f64,
    #[metric(flatten = true)]
    voltage: f64,
    #[metric(unit)]
    power: f64,
    #[metric(buckets = 1.0)]
    latency: BoundHistogram<f64>,
    #[metric(name = energy, description = "Still parsed", unit = "a" "b")]
    energy: f64,
    #[metric(name = , unit = "J")]
    work: f64,
}

fn main() {}
