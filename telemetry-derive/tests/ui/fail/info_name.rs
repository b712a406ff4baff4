use telemetry_core::MetricCollector;

/// The prefix names the info; the Prometheus exporter adds `_info`.
#[derive(MetricCollector)]
#[metric(info)]
struct BuildInfo {
    #[metric(attribute)]
    version: &'static str,
}

#[derive(MetricCollector)]
#[metric(info, prefix = "ev_build_info")]
struct Build {
    #[metric(attribute)]
    version: &'static str,
}

#[derive(MetricCollector)]
#[metric(info, prefix = "")]
struct Unnamed {
    #[metric(attribute)]
    version: &'static str,
}

#[derive(MetricCollector)]
#[metric(info, prefix = "9build")]
struct Invalid {
    #[metric(attribute)]
    version: &'static str,
}

#[derive(MetricCollector)]
#[metric(info = true, prefix = "fine")]
struct Flag {
    #[metric(attribute)]
    version: &'static str,
}

fn main() {}
