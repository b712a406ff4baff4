// On an error the derive still implements the trait, so code using the type as a
// collector reports nothing more than the derive's own error.
use telemetry_core::testing::TestProvider;
use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Charger {
    #[metric(unit = "per cent")]
    level: u8,
}

fn main() {
    let t = TestProvider::new();
    let _ = t.meter().register(Charger { level: 1 });
}
