// A state set's type is checked by the compiler, at the field: it must implement
// `EnumLabel` (or be an `Option` of such an enum).
use telemetry_core::MetricCollector;

#[derive(Clone, Copy)]
enum Charging {
    Idle,
    Charging,
}

#[derive(MetricCollector)]
struct Charger {
    #[metric(state_set)]
    state: Charging,
    #[metric(state_set)]
    maybe: Option<Charging>,
    #[metric(state_set)]
    level: u8,
}

fn main() {
    let _ = (Charging::Idle, Charging::Charging);
}
