use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Nothing;

fn main() {}
