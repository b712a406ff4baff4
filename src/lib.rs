//! The EV observer scenario (seed 000), shared by `examples/ev_observer.rs` and the
//! end-to-end tests: a simulated vehicle behind a fetcher trait, two derived collectors
//! grouped under one vehicle, and an instrumentor that refreshes them on a schedule.

pub mod ev;
pub mod soracom;

// Compiles the README's quick start as a doctest, so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
