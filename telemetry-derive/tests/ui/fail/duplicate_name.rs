use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Charger {
    #[metric]
    level: u8,
    #[metric(name = "charger_level")]
    level_again: u8,
    #[metric(attribute)]
    site: String,
    #[metric(attribute, name = "site")]
    site_name: &'static str,
}

fn main() {}
