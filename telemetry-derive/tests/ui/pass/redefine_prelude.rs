//! The expansion uses absolute paths only: shadowing prelude names, `std`, `core` and even
//! `telemetry_core` in the user's scope changes nothing.
#![deny(warnings, missing_docs, unused_qualifications)]
#![allow(dead_code, non_camel_case_types)]

use ::telemetry_core::MetricCollector;

type Result = ();
type Option = ();
type Vec = ();
type Some = ();
type Ok = ();
type Send = ();
type Sync = ();
type str = ();
type f64 = ();
type usize = ();
type Copy = ();
mod std {}
mod core {}
mod telemetry_core {}

/// Shadowed everything.
#[derive(MetricCollector)]
pub struct Shadowed {
    /// A value.
    #[metric(counter)]
    pub value: u64,
    /// A histogram.
    #[metric(buckets = [1, 2])]
    pub latency: ::telemetry_core::BoundHistogram<u64>,
    /// An attribute.
    #[metric(attribute)]
    pub name: &'static ::core::primitive::str,
}

/// Shadowed `str` and `usize`.
#[derive(::telemetry_core::EnumLabel, ::core::clone::Clone, ::core::marker::Copy)]
pub enum State {
    /// A.
    A,
    /// B.
    #[label(rename = "b")]
    B,
}

/// An info struct, shadowed everything.
#[derive(MetricCollector)]
#[metric(info)]
pub struct Build {
    /// An attribute.
    #[metric(attribute)]
    pub version: &'static ::core::primitive::str,
}

/// State sets and summaries, shadowed everything.
#[derive(MetricCollector)]
pub struct Kinds {
    /// A state set.
    #[metric(state_set)]
    pub state: State,
    /// An optional one.
    #[metric(state_set)]
    pub maybe: ::core::option::Option<State>,
    /// A summary.
    #[metric]
    pub sizes: ::telemetry_core::BoundSummary<::core::primitive::u64>,
}

/// Nothing from the prelude at all.
#[no_implicit_prelude]
pub mod no_prelude {
    /// Inside a module without the prelude.
    #[derive(::telemetry_core::MetricCollector)]
    pub struct Inner {
        /// A value.
        #[metric]
        pub value: ::core::option::Option<u32>,
        /// An attribute.
        #[metric(attribute)]
        pub id: ::std::string::String,
        /// Nested.
        #[metric(flatten)]
        pub shadowed: super::Shadowed,
        /// A state set.
        #[metric(state_set)]
        pub state: Door,
    }

    /// Without the prelude.
    #[derive(::telemetry_core::EnumLabel, ::core::clone::Clone, ::core::marker::Copy)]
    #[label(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum Door {
        /// Open.
        WideOpen,
    }

    /// An info struct without the prelude.
    #[derive(::telemetry_core::MetricCollector)]
    #[metric(info, prefix = "no_prelude")]
    pub struct Info {
        /// An attribute.
        #[metric(attribute)]
        pub id: ::std::string::String,
    }
}

fn main() {}
