//! Interop with the `prometheus-client` crate (feature `prometheus-client`), both ways:
//!
//! - our exporter is one of its `Collector`s, so its registry (and whatever serves it)
//!   carries our provider's metrics;
//! - its `Registry` is one of our [`Gather`] sources, so our endpoint serves its metrics.
//!
//! That crate's encoder has four types (counter, gauge, histogram, info) and writes label
//! values and HELP text as it is given them, so this file maps our other types onto those
//! (keeping the sample names) and escapes before handing strings over.

use std::borrow::Cow;
use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};
use telemetry_core::{Error, HistogramPoint, Number};

use super::family::{self, Body, Family, Kind, Labels, Sample, Source};
use super::format::Format;
use super::gather::{Gather, Gathering};
use super::text::is_zero;
use super::write::{escape, write_canonical_f64};
use super::PrometheusExporter;

/// Each `encode` of the registry is one collection of the provider. The families are
/// those of [`encode_openmetrics`](super::encode_openmetrics), with the same names and
/// label sets:
///
/// | ours | theirs |
/// |---|---|
/// | counter, gauge, histogram, info | the same type; no `_created` samples (their encoder has none) |
/// | state set | `gauge` with the state label |
/// | gauge histogram | gauges `<name>_bucket{le}`, `<name>_gcount`, `<name>_gsum` |
/// | summary | `unknown` families `<name>` (quantiles), `<name>_count`, `<name>_sum` |
///
/// A failed collection (the exporter was never given to a provider) adds nothing and is
/// logged; warnings of the grouping are logged too.
impl Collector for PrometheusExporter {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), fmt::Error> {
        let metrics = match self.collect() {
            Ok(metrics) => metrics,
            Err(e) => {
                log::warn!("prometheus-client collector: collection failed: {e}");
                return Ok(());
            }
        };
        let mut warnings = Vec::new();
        let sources = [Source::Metrics(&metrics, &self.options)];
        let families = family::collect(&sources, Format::OpenMetrics, &mut warnings);
        for warning in &warnings {
            log::warn!("prometheus-client collector: {warning}");
        }
        for (base, family) in &families {
            if let Body::Series(_) = family.body {
                encode_family(&mut encoder, base, family)?;
            }
        }
        Ok(())
    }
}

/// Encodes the registry (with `prometheus_client::encoding::text::encode`) and adds its
/// families to the scrape.
impl Gather for Registry {
    fn gather(&self, into: &mut Gathering) -> Result<(), Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, self).map_err(|fmt::Error| {
            Error::Export {
                exporter: "prometheus-client",
                message: "a metric or collector of the registry failed to encode".to_owned(),
            }
        })?;
        into.push_openmetrics(text);
        Ok(())
    }
}

fn encode_family(
    encoder: &mut DescriptorEncoder<'_>,
    base: &str,
    family: &Family<'_>,
) -> fmt::Result {
    let Body::Series(series) = &family.body else {
        return Ok(());
    };
    let mut help = String::new();
    escape(&mut help, &family.help, true);
    // Their encoder appends `_<unit>` to the name itself.
    let with_unit = family.unit.as_deref().and_then(|unit| {
        let name = base.strip_suffix(unit)?.strip_suffix('_')?;
        Some((name, Unit::Other(unit.to_owned())))
    });
    let (name, unit) = match &with_unit {
        Some((name, unit)) => (*name, Some(unit)),
        None => (base, None),
    };
    match family.kind {
        Kind::Counter => {
            let mut metric = encoder.encode_descriptor(name, &help, unit, MetricType::Counter)?;
            for (labels, sample) in series {
                if let Sample::Number { value, .. } = sample {
                    labelled(&mut metric, &escaped(labels, None), |m| {
                        encode_counter(m, *value)
                    })?;
                }
            }
        }
        Kind::Gauge | Kind::Unknown => {
            let mut metric = encoder.encode_descriptor(name, &help, unit, MetricType::Gauge)?;
            for (labels, sample) in series {
                if let Sample::Number { value, .. } = sample {
                    labelled(&mut metric, &escaped(labels, None), |m| {
                        encode_gauge(m, *value)
                    })?;
                }
            }
        }
        Kind::Info => {
            let mut metric = encoder.encode_descriptor(base, &help, None, MetricType::Info)?;
            for (labels, _) in series {
                metric.encode_info(&escaped(labels, None))?;
            }
        }
        Kind::StateSet => {
            let mut metric = encoder.encode_descriptor(base, &help, None, MetricType::Gauge)?;
            for (labels, sample) in series {
                let Sample::States(states) = sample else {
                    continue;
                };
                for (state, value) in states {
                    let labels = escaped(labels, Some((base, Cow::Borrowed(state))));
                    let bit = i64::from(!is_zero(*value));
                    metric.encode_family(&labels)?.encode_gauge(&bit)?;
                }
            }
        }
        Kind::Histogram => {
            let mut metric = encoder.encode_descriptor(name, &help, unit, MetricType::Histogram)?;
            for (labels, sample) in series {
                if let Sample::Histogram(point) = sample {
                    let buckets = buckets(point);
                    let total = buckets.iter().map(|(_, count)| count).sum();
                    labelled(&mut metric, &escaped(labels, None), |m| {
                        m.encode_histogram::<NoLabelSet>(point.sum, total, &buckets, None)
                    })?;
                }
            }
        }
        Kind::GaugeHistogram => encode_gauge_histogram(encoder, base, &help, series)?,
        Kind::Summary => encode_summary(encoder, base, &help, series)?,
    }
    Ok(())
}

type Series<'s, 'a> = &'s super::family::SeriesMap<'a>;

/// A gauge histogram as three gauge families with the OpenMetrics sample names.
fn encode_gauge_histogram(
    encoder: &mut DescriptorEncoder<'_>,
    base: &str,
    help: &str,
    series: Series<'_, '_>,
) -> fmt::Result {
    let points = || {
        series.iter().filter_map(|(labels, sample)| match sample {
            Sample::Histogram(point) => Some((labels, *point)),
            _ => None,
        })
    };
    let name = format!("{base}_bucket");
    let mut metric = encoder.encode_descriptor(&name, help, None, MetricType::Gauge)?;
    for (labels, point) in points() {
        let mut cumulative = 0;
        for (bound, count) in buckets(point) {
            cumulative += count;
            let mut le = String::new();
            write_canonical_f64(
                &mut le,
                if bound == f64::MAX {
                    f64::INFINITY
                } else {
                    bound
                },
            );
            let labels = escaped(labels, Some(("le", Cow::Owned(le))));
            encode_gauge(&mut metric.encode_family(&labels)?, Number::U64(cumulative))?;
        }
    }
    let total = |point: &HistogramPoint| Number::U64(point.bucket_counts.iter().sum());
    let gcount = points().map(|(labels, point)| (labels, total(point)));
    encode_values(
        encoder,
        &format!("{base}_gcount"),
        help,
        MetricType::Gauge,
        gcount,
    )?;
    let gsum = points().map(|(labels, point)| (labels, Number::F64(point.sum)));
    encode_values(
        encoder,
        &format!("{base}_gsum"),
        help,
        MetricType::Gauge,
        gsum,
    )?;
    Ok(())
}

/// A summary as `unknown` families with the OpenMetrics sample names.
fn encode_summary(
    encoder: &mut DescriptorEncoder<'_>,
    base: &str,
    help: &str,
    series: Series<'_, '_>,
) -> fmt::Result {
    let points = || {
        series.iter().filter_map(|(labels, sample)| match sample {
            Sample::Summary(point) => Some((labels, *point)),
            _ => None,
        })
    };
    if points().any(|(_, point)| !point.quantiles.is_empty()) {
        let mut metric = encoder.encode_descriptor(base, help, None, MetricType::Unknown)?;
        for (labels, point) in points() {
            for &(quantile, value) in &point.quantiles {
                let mut q = String::new();
                write_canonical_f64(&mut q, quantile);
                let labels = escaped(labels, Some(("quantile", Cow::Owned(q))));
                metric.encode_family(&labels)?.encode_gauge(&value)?;
            }
        }
    }
    let count = points().map(|(labels, point)| (labels, Number::U64(point.count)));
    encode_values(
        encoder,
        &format!("{base}_count"),
        help,
        MetricType::Unknown,
        count,
    )?;
    let sum = points().map(|(labels, point)| (labels, Number::F64(point.sum)));
    encode_values(
        encoder,
        &format!("{base}_sum"),
        help,
        MetricType::Unknown,
        sum,
    )?;
    Ok(())
}

/// One family of single-valued series (written as their encoder writes gauges).
fn encode_values<'s, 'a: 's>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    metric_type: MetricType,
    values: impl Iterator<Item = (&'s Labels<'a>, Number)>,
) -> fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
    for (labels, value) in values {
        labelled(&mut metric, &escaped(labels, None), |m| {
            encode_gauge(m, value)
        })?;
    }
    Ok(())
}

/// `(upper bound, count)` pairs as their histogram encoder takes them: per bucket, the last
/// one's bound `f64::MAX` (written `+Inf`). A non-finite bound's count joins the next bucket.
fn buckets(point: &HistogramPoint) -> Vec<(f64, u64)> {
    let mut buckets = Vec::with_capacity(point.bounds.len() + 1);
    let mut carried = 0;
    for (i, count) in point.bucket_counts.iter().enumerate() {
        carried += count;
        match point.bounds.get(i) {
            Some(bound) if !bound.is_finite() => {}
            Some(bound) => buckets.push((*bound, std::mem::take(&mut carried))),
            None => {}
        }
    }
    buckets.push((f64::MAX, carried));
    buckets
}

/// Runs `encode` on the encoder of the series with `labels`: their encoder writes `{}` for
/// an empty label set given as a family, so an empty set is no family at all.
fn labelled(
    metric: &mut MetricEncoder<'_>,
    labels: &Vec<(&str, Cow<'_, str>)>,
    encode: impl FnOnce(&mut MetricEncoder<'_>) -> fmt::Result,
) -> fmt::Result {
    if labels.is_empty() {
        encode(metric)
    } else {
        encode(&mut metric.encode_family(labels)?)
    }
}

fn encode_counter(metric: &mut MetricEncoder<'_>, value: Number) -> fmt::Result {
    match value {
        Number::U64(v) => metric.encode_counter::<NoLabelSet, _, u64>(&v, None),
        Number::F64(v) => metric.encode_counter::<NoLabelSet, _, u64>(&v, None),
        // A negative counter is not a counter; OpenMetrics forbids it.
        Number::I64(v) => match u64::try_from(v) {
            Ok(v) => metric.encode_counter::<NoLabelSet, _, u64>(&v, None),
            Err(_) => Ok(()),
        },
    }
}

fn encode_gauge(metric: &mut MetricEncoder<'_>, value: Number) -> fmt::Result {
    match value {
        Number::I64(v) => metric.encode_gauge(&v),
        Number::F64(v) => metric.encode_gauge(&v),
        // Their gauges are i64 or f64; beyond i64::MAX, the nearest f64.
        #[allow(clippy::cast_precision_loss)]
        Number::U64(v) => match i64::try_from(v) {
            Ok(v) => metric.encode_gauge(&v),
            Err(_) => metric.encode_gauge(&(v as f64)),
        },
    }
}

/// A label set with its values escaped (their encoder writes values as given), plus one
/// more label.
fn escaped<'l>(
    labels: &'l Labels<'_>,
    extra: Option<(&'l str, Cow<'l, str>)>,
) -> Vec<(&'l str, Cow<'l, str>)> {
    let escape_value = |value: &'l str| -> Cow<'l, str> {
        if value.contains(['\\', '"', '\n']) {
            let mut out = String::with_capacity(value.len() + 2);
            escape(&mut out, value, true);
            Cow::Owned(out)
        } else {
            Cow::Borrowed(value)
        }
    };
    labels
        .iter()
        .map(|(name, value)| (name, escape_value(value)))
        .chain(extra.map(|(name, value)| match value {
            Cow::Borrowed(value) => (name, escape_value(value)),
            Cow::Owned(value) => (name, Cow::Owned(value)),
        }))
        .collect()
}
