use telemetry_core::{EnumLabel, MetricCollector};

#[derive(EnumLabel, Clone, Copy)]
enum State {
    Idle,
}

#[derive(MetricCollector)]
struct Charger {
    #[metric]
    label: String,
    #[metric(counter)]
    samples: Vec<u64>,
    #[metric]
    maybe_label: Option<String>,
    #[metric]
    state: State,
    #[metric]
    ok: u64,
}

fn main() {}
