use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Charger {
    #[metric(counter)]
    plugged_in: bool,
    #[metric(updown_counter)]
    charging: Option<bool>,
    #[metric(gauge)]
    fine: bool,
}

fn main() {}
