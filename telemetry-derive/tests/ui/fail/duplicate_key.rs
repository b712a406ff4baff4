use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
#[metric(prefix = "a")]
#[metric(prefix = "b")]
struct Charger {
    #[metric(unit = "s", unit = "ms")]
    elapsed: f64,
    #[metric(gauge, counter)]
    level: u8,
    #[metric(counter)]
    #[metric(counter)]
    energy: f64,
}

fn main() {}
