// The type is classified by name; the compiler checks the classification at the field.
use telemetry_core::MetricCollector;

struct Duration;

struct NotACollector;

#[derive(MetricCollector)]
struct Charger {
    #[metric]
    elapsed: Duration,
    #[metric(attribute)]
    site: Vec<u8>,
    #[metric(flatten)]
    child: NotACollector,
}

fn main() {}
