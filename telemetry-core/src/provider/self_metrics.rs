//! The SDK's own metrics (opt-in: [`MeterProviderBuilder::with_self_metrics`]), recorded
//! into the provider they describe, under the scope `telemetry-core` and the prefix
//! `otel.sdk.` of OpenTelemetry's SDK self-observability conventions:
//!
//! | name | instrument | attributes | what |
//! |---|---|---|---|
//! | `otel.sdk.metric_reader.collection.duration` | histogram, `s` | | time of each collection (callbacks included) |
//! | `otel.sdk.metric.callback.failures` | counter | `reason` = `panic` \| `timeout` | callbacks left out of a collection |
//! | `otel.sdk.metric.overflow.measurements` | counter | `metric` | measurements folded into an overflow series by a cardinality limit |
//! | `otel.sdk.exporter.export.attempts` | counter | `exporter` | exports a periodic reader started |
//! | `otel.sdk.exporter.export.failures` | counter | `exporter` | exports that returned an error |
//!
//! In Prometheus they read `otel_sdk_metric_reader_collection_duration_seconds`,
//! `otel_sdk_exporter_export_failures_total`, and so on.
//!
//! [`MeterProviderBuilder::with_self_metrics`]: crate::MeterProviderBuilder::with_self_metrics

use std::sync::Arc;

use crate::attributes::KeyValue;
use crate::data::Scope;
use crate::error::Error;
use crate::instrument::{Counter, Histogram};

use super::meter::Meter;
use super::pipeline::Pipeline;

/// The scope of the self-metrics.
pub const SELF_METRICS_SCOPE: &str = "telemetry-core";

/// The instruments the SDK records into about itself.
#[derive(Debug)]
pub(crate) struct SelfMetrics {
    collection_duration: Histogram<f64>,
    callback_failures: Counter<u64>,
    overflow: Counter<u64>,
    export_attempts: Counter<u64>,
    export_failures: Counter<u64>,
}

impl SelfMetrics {
    pub(crate) fn new(pipeline: &Arc<Pipeline>) -> Result<Self, Error> {
        let meter = Meter::new(
            pipeline.clone(),
            Scope {
                name: SELF_METRICS_SCOPE.into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            },
        );
        Ok(SelfMetrics {
            collection_duration: meter
                .f64_histogram("otel.sdk.metric_reader.collection.duration")
                .with_unit("s")
                .with_description("Duration of each collection, callbacks included")
                .with_buckets(vec![
                    0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0,
                ])
                .build()?,
            callback_failures: meter
                .u64_counter("otel.sdk.metric.callback.failures")
                .with_description("Callbacks left out of a collection (reason: panic or timeout)")
                .build()?,
            overflow: meter
                .u64_counter("otel.sdk.metric.overflow.measurements")
                .with_description(
                    "Measurements folded into an overflow series by a cardinality limit",
                )
                .build()?,
            export_attempts: meter
                .u64_counter("otel.sdk.exporter.export.attempts")
                .with_description("Exports started by periodic readers")
                .build()?,
            export_failures: meter
                .u64_counter("otel.sdk.exporter.export.failures")
                .with_description("Exports that returned an error")
                .build()?,
        })
    }

    pub(crate) fn collection(&self, seconds: f64) {
        self.collection_duration.record(seconds, &[]);
    }

    pub(crate) fn callback_failures(&self, panics: u64, timeouts: u64) {
        if panics > 0 {
            self.callback_failures
                .add(panics, &[KeyValue::new("reason", "panic")]);
        }
        if timeouts > 0 {
            self.callback_failures
                .add(timeouts, &[KeyValue::new("reason", "timeout")]);
        }
    }

    pub(crate) fn overflow(&self, metric: &str, measurements: u64) {
        self.overflow
            .add(measurements, &[KeyValue::new("metric", metric.to_owned())]);
    }

    pub(crate) fn export(&self, exporter: &'static str, ok: bool) {
        let attrs = [KeyValue::new("exporter", exporter)];
        self.export_attempts.add(1, &attrs);
        if !ok {
            self.export_failures.add(1, &attrs);
        }
    }
}
