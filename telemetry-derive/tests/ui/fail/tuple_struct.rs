use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Level(#[metric] u8);

fn main() {}
