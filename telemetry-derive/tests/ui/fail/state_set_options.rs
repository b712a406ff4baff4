use telemetry_core::{EnumLabel, MetricCollector};

#[derive(EnumLabel, Clone, Copy)]
enum Charging {
    Idle,
    Charging,
}

#[derive(MetricCollector)]
struct Charger {
    #[metric(state_set, unit = "1")]
    state: Charging,
    #[metric(state_set, buckets = [1, 2])]
    previous: Option<Charging>,
    #[metric(state_set, description = "Fine", name = "charger_state_2")]
    fine: Charging,
}

fn main() {}
