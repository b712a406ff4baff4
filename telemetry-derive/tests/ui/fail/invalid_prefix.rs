use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
#[metric(prefix = "9x")]
struct Charger {
    #[metric]
    level: u8,
    #[metric]
    current: f64,
}

#[derive(MetricCollector)]
#[allow(non_camel_case_types)]
struct _Hidden {
    #[metric]
    level: u8,
}

fn main() {}
