//! The scenarios of the examples, shared by `examples/` and the end-to-end tests:
//! [`batch`] (seed 001: batch jobs timed with `#[instrument_fn]`),
//! [`ev`] (seed 000: a simulated vehicle, derived collectors, an instrumentor),
//! [`custom`] (seed 002: every Prometheus metric type with labelled children),
//! [`soracom`] (seed 004: a polled API written as a node_exporter textfile) and
//! [`stats`] (seed 003: OpenCensus measures and views, exported to Cloud Monitoring).

pub mod batch;
pub mod cli;
pub mod custom;
pub mod ev;
pub mod soracom;
pub mod stats;

// Compiles the README's quick start as a doctest, so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
