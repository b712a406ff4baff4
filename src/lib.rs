//! The scenarios of the examples, shared by `examples/` and the end-to-end tests:
//! [`batch`] (seed 001: batch jobs timed with `#[instrument_fn]`),
//! [`ev`] (seed 000: a simulated vehicle, derived collectors, an instrumentor) and
//! [`custom`] (seed 002: every Prometheus metric type with labelled children).

pub mod batch;
pub mod cli;
pub mod custom;
pub mod ev;
pub mod soracom;

// Compiles the README's quick start as a doctest, so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
