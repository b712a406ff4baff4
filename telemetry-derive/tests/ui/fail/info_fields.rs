use telemetry_core::{BoundCounter, EnumLabel, MetricCollector};

#[derive(EnumLabel, Clone, Copy)]
enum Channel {
    Stable,
    Beta,
}

#[derive(MetricCollector)]
struct Cell {
    #[metric]
    voltage: f64,
}

/// Build information.
#[derive(MetricCollector)]
#[metric(info, prefix = "build")]
struct BuildInfo {
    #[metric(attribute)]
    version: &'static str,
    #[metric]
    uptime: u64,
    #[metric(state_set)]
    channel: Channel,
    #[metric]
    restarts: BoundCounter<u64>,
    #[metric]
    revision: String,
    #[metric(flatten)]
    cell: Cell,
    not_a_metric: String,
}

fn main() {}
