//! What the side-by-side benchmarks (issue 7) share: the libraries compared, the inputs, and
//! one family of `n` series built the same way in each library (`id="0"`…`id="n-1"`), used by
//! the encode rows of `benches/compare.rs` and by the `series_memory` binary.
//!
//! The suite itself is `benches/compare.rs`; `summary.sh` runs it and prints the table. See
//! README.md for what each row measures.

use std::fmt;
use std::str::FromStr;

use measured::metric::MetricFamilyEncoding;
use measured::text::BufferedTextEncoder;

/// The explicit bucket bounds of the histogram row: 14 bounds (Prometheus' default 11 plus
/// three more), the same in every library.
pub const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// 1,024 observations spread over every bucket and the overflow bucket, in an order that
/// defeats branch prediction; the histogram row cycles through them.
#[must_use]
pub fn observations() -> Vec<f64> {
    // A fixed xorshift, so each run and each library sees the same sequence.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Log-uniform over 0.001..15.8, so the narrow low buckets get hits too and
            // about 1 in 20 lands above the last bound.
            let u = (x % 1_000_000) as f64 / 1e6;
            0.001 * 10f64.powf(4.2 * u)
        })
        .collect()
}

/// A library in the comparison; its `Display` is the benchmark id criterion files it under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Library {
    /// This workspace's SDK (telemetry-core, telemetry-exporters).
    Telemetry,
    /// `prometheus-client`, the Prometheus project's crate.
    PrometheusClient,
    /// `prometheus` (TiKV).
    Prometheus,
    /// `metrics` with `metrics-exporter-prometheus`.
    Metrics,
    /// `opentelemetry_sdk`.
    OpenTelemetry,
    /// `measured`.
    Measured,
}

impl Library {
    /// Every library, ours first.
    pub const ALL: [Library; 6] = [
        Library::Telemetry,
        Library::PrometheusClient,
        Library::Prometheus,
        Library::Metrics,
        Library::OpenTelemetry,
        Library::Measured,
    ];

    /// The benchmark id.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Library::Telemetry => "telemetry",
            Library::PrometheusClient => "prometheus-client",
            Library::Prometheus => "prometheus",
            Library::Metrics => "metrics",
            Library::OpenTelemetry => "opentelemetry",
            Library::Measured => "measured",
        }
    }
}

impl fmt::Display for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Library {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Library::ALL
            .into_iter()
            .find(|l| l.id() == s)
            .ok_or_else(|| format!("unknown library `{s}`"))
    }
}

/// The exposition format a [`Family`] renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text 0.0.4.
    Text,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

/// One counter family of `n` series (label `id`), built in one library and kept alive, with
/// that library's way to collect and encode it (when it has one for the asked format).
pub struct Family {
    render: Option<Box<dyn Fn() -> String>>,
    // What the series live in; only kept alive.
    _state: Box<dyn std::any::Any>,
}

impl fmt::Debug for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("renders", &self.render.is_some())
            .finish_non_exhaustive()
    }
}

impl Family {
    /// Collects and encodes the family as the library does for a scrape, or `None` when the
    /// library has no encoder for the format (`opentelemetry_sdk` has none at all; only
    /// `prometheus-client` and ours write OpenMetrics).
    #[must_use]
    pub fn render(&self) -> Option<String> {
        self.render.as_ref().map(|f| f())
    }

    /// Whether [`render`](Self::render) gives anything.
    #[must_use]
    pub fn renders(&self) -> bool {
        self.render.is_some()
    }

    /// Builds the family: one counter `series` with `n` series `id="0"`… each added to once,
    /// in each library's idiomatic labelled-counter API.
    #[must_use]
    pub fn build(library: Library, n: usize, format: Format) -> Family {
        match library {
            Library::Telemetry => telemetry(n, format),
            Library::PrometheusClient => prometheus_client(n, format),
            Library::Prometheus => prometheus(n, format),
            Library::Metrics => metrics(n, format),
            Library::OpenTelemetry => opentelemetry(n),
            Library::Measured => measured(n, format),
        }
    }
}

fn telemetry(n: usize, format: Format) -> Family {
    use telemetry_core::{KeyValue, MeterProvider};
    use telemetry_exporters::prometheus::PrometheusExporter;

    let exporter = PrometheusExporter::builder()
        .with_target_info(false)
        .build();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .with_cardinality_limit(n + 1)
        .build();
    let counter = provider
        .meter("bench")
        .u64_counter("series")
        .build()
        .expect("a valid counter");
    for i in 0..n {
        counter.add(1, &[KeyValue::new("id", i.to_string())]);
    }
    let render: Box<dyn Fn() -> String> = match format {
        Format::Text => Box::new(move || exporter.render().expect("rendered")),
        Format::OpenMetrics => Box::new(move || exporter.render_openmetrics().expect("rendered")),
    };
    Family {
        render: Some(render),
        _state: Box::new((provider, counter)),
    }
}

/// `prometheus-client`'s label set of the family.
#[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
struct IdLabels {
    id: String,
}

fn prometheus_client(n: usize, format: Format) -> Family {
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::family::Family as PcFamily;
    use prometheus_client::registry::Registry;

    let family = PcFamily::<IdLabels, Counter>::default();
    let mut registry = Registry::default();
    registry.register("series", "Series", family.clone());
    for i in 0..n {
        family.get_or_create(&IdLabels { id: i.to_string() }).inc();
    }
    // Its text encoder writes OpenMetrics (with `# EOF`); it has no 0.0.4 encoder.
    let render: Option<Box<dyn Fn() -> String>> = match format {
        Format::Text => None,
        Format::OpenMetrics => {
            let registry = std::sync::Arc::new(registry);
            Some(Box::new(move || {
                let mut out = String::new();
                prometheus_client::encoding::text::encode(&mut out, &registry).expect("encoded");
                out
            }))
        }
    };
    Family {
        render,
        _state: Box::new(family),
    }
}

fn prometheus(n: usize, format: Format) -> Family {
    use prometheus::{Encoder as _, IntCounterVec, Opts, Registry, TextEncoder};

    let registry = Registry::new();
    let family = IntCounterVec::new(Opts::new("series", "Series"), &["id"]).expect("valid opts");
    registry
        .register(Box::new(family.clone()))
        .expect("registered");
    for i in 0..n {
        family.with_label_values(&[i.to_string()]).inc();
    }
    let render: Option<Box<dyn Fn() -> String>> = match format {
        Format::Text => Some(Box::new(move || {
            let mut out = Vec::new();
            TextEncoder::new()
                .encode(&registry.gather(), &mut out)
                .expect("encoded");
            String::from_utf8(out).expect("UTF-8")
        })),
        Format::OpenMetrics => None,
    };
    Family {
        render,
        _state: Box::new(family),
    }
}

fn metrics(n: usize, format: Format) -> Family {
    use metrics_exporter_prometheus::PrometheusBuilder;

    // A local recorder, so this family is alone in what its handle renders.
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || {
        metrics::describe_counter!("series", "Series");
        for i in 0..n {
            metrics::counter!("series", "id" => i.to_string()).increment(1);
        }
    });
    let render: Option<Box<dyn Fn() -> String>> = match format {
        Format::Text => Some(Box::new(move || handle.render())),
        Format::OpenMetrics => None,
    };
    Family {
        render,
        _state: Box::new(recorder),
    }
}

fn opentelemetry(n: usize) -> Family {
    use opentelemetry::metrics::MeterProvider as _;
    use opentelemetry::KeyValue;
    use opentelemetry_sdk::metrics::{ManualReader, SdkMeterProvider, Stream};

    let provider = SdkMeterProvider::builder()
        .with_reader(ManualReader::default())
        .with_view(move |_: &opentelemetry_sdk::metrics::Instrument| {
            Stream::builder().with_cardinality_limit(n + 1).build().ok()
        })
        .build();
    let counter = provider.meter("bench").u64_counter("series").build();
    for i in 0..n {
        counter.add(1, &[KeyValue::new("id", i.to_string())]);
    }
    // The SDK has no Prometheus encoder (that is the separate `opentelemetry-prometheus`).
    Family {
        render: None,
        _state: Box::new((provider, counter)),
    }
}

/// `measured`'s label group of the family: `id` interned on demand.
#[derive(Clone, Copy, measured::LabelGroup)]
#[label(set = MeasuredIdSet)]
struct MeasuredId<'a> {
    #[label(dynamic_with = measured::lasso::ThreadedRodeo, default)]
    id: &'a str,
}

fn measured(n: usize, format: Format) -> Family {
    use measured::metric::name::MetricName;

    let family = measured::CounterVec::with_label_set(MeasuredIdSet::new());
    for i in 0..n {
        family.inc(MeasuredId { id: &i.to_string() });
    }
    let family = std::rc::Rc::new(family);
    let state = family.clone();
    let render: Option<Box<dyn Fn() -> String>> = match format {
        Format::Text => Some(Box::new(move || {
            let mut encoder = BufferedTextEncoder::new();
            family
                .collect_family_into(MetricName::from_str("series"), &mut encoder)
                .expect("encoded");
            String::from_utf8(encoder.finish().to_vec()).expect("UTF-8")
        })),
        Format::OpenMetrics => None,
    };
    Family {
        render,
        _state: Box::new(state),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_its_series() {
        for library in Library::ALL {
            for format in [Format::Text, Format::OpenMetrics] {
                let family = Family::build(library, 3, format);
                if let Some(text) = family.render() {
                    for id in ["0", "1", "2"] {
                        assert!(
                            text.contains(&format!("id=\"{id}\"")),
                            "{library} {format:?}: {text}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn observations_reach_every_bucket() {
        let values = observations();
        let mut hits = [0usize; BUCKETS.len() + 1];
        for v in values {
            hits[BUCKETS.iter().take_while(|b| v > **b).count()] += 1;
        }
        assert!(hits.iter().all(|h| *h > 0), "{hits:?}");
    }
}
