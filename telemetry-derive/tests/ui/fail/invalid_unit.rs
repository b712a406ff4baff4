use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Charger {
    #[metric(unit = "per cent")]
    level: u8,
    #[metric(unit = "°C")]
    temperature: f64,
    #[metric(unit = "{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}")]
    long: u64,
}

fn main() {}
