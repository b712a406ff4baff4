use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Charger {
    #[metric(name = "1bad")]
    level: u8,
    #[metric(name = "has space")]
    current: f64,
    #[metric(name = "")]
    voltage: f64,
}

#[derive(MetricCollector)]
#[metric(prefix = "")]
struct Unprefixed {
    #[metric]
    _private: u8,
}

fn main() {}
