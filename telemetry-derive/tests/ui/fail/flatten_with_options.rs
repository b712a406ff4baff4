use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Cell {
    #[metric]
    voltage: f64,
}

#[derive(MetricCollector)]
struct Battery {
    #[metric(flatten, unit = "V", name = "cell")]
    cell: Cell,
    #[metric(flatten, counter)]
    other: Cell,
    #[metric(flatten, attribute)]
    third: Cell,
}

fn main() {}
