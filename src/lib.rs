//! The EV observer scenario (seed 000), shared by `examples/ev_observer.rs` and the end-to-end tests.
