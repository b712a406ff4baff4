use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
#[metric(prefx = "charger")]
struct Charger {
    #[metric(units = "s", counter)]
    elapsed: f64,
    #[metric(histogram(1, 2), skip)]
    level: u8,
}

fn main() {}
