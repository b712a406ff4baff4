use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
enum State {
    Idle,
    Charging { level: u8 },
}

fn main() {}
