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
    #[metric(state_set, gauge)]
    state: u8,
    #[metric(state_set)]
    #[metric(state_set)]
    other: u8,
}

fn main() {}
