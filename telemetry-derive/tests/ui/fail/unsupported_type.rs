use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Charger {
    #[metric]
    label: String,
    #[metric(counter)]
    samples: Vec<u64>,
    #[metric]
    maybe_label: Option<String>,
    #[metric]
    ok: u64,
}

fn main() {}
