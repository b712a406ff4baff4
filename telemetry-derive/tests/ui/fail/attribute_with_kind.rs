use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Charger {
    #[metric(attribute, counter)]
    site: String,
    #[metric(attribute, unit = "1", description = "Bay", buckets = [1.0])]
    bay: u16,
    #[metric(attribute, name = "")]
    region: String,
}

fn main() {}
