use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
#[metric(crate = "not a path")]
struct Charger {
    #[metric]
    level: u8,
}

fn main() {}
