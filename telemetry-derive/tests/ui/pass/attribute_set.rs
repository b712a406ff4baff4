//! `#[derive(AttributeSet)]` in the shapes it must accept, under strict lints: renamed and
//! raw fields, generics, an empty struct, a re-exported crate path, and shadowed prelude
//! names (the expansion uses absolute paths only).
#![deny(warnings, missing_docs, unused_qualifications)]
#![allow(dead_code, non_camel_case_types)]

use ::telemetry_core::{AttributeSet, EnumLabel};

type Option = ();
type Vec = ();
type usize = ();
mod std {}
mod core {}

/// A method.
#[derive(EnumLabel, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// Renamed and raw fields.
#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
pub struct Http {
    /// The method.
    pub method: Method,
    /// The route.
    #[attribute(rename = "http.route")]
    pub route: &'static str,
    /// A raw identifier.
    pub r#type: bool,
}

/// Generic over its field.
#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
pub struct Tagged<T: Clone + Eq + ::core::hash::Hash + Send + Sync + 'static> {
    /// The tag.
    pub tag: T,
}

/// No attributes: one series.
#[derive(AttributeSet, Clone, PartialEq, Eq, Hash)]
pub struct Empty {}

mod sdk {
    pub use ::telemetry_core as metrics;
}

/// Reached through a re-export.
#[derive(sdk::metrics::AttributeSet, Clone, PartialEq, Eq, Hash)]
#[attribute(crate = "crate::sdk::metrics")]
pub struct Reexported {
    /// A flag.
    pub flag: bool,
}

fn main() {
    assert!(Http::CARDINALITY.is_none());
    assert_eq!(<Tagged<Method>>::CARDINALITY, ::std::option::Option::Some(2));
    assert_eq!(Tagged { tag: Method::Post }.index(), 1);
    assert_eq!(<Tagged<u8>>::CARDINALITY, ::std::option::Option::None);
    assert_eq!(Empty::CARDINALITY, ::std::option::Option::Some(1));
    assert!(Empty {}.attributes().is_empty());
    assert_eq!(Reexported::CARDINALITY, ::std::option::Option::Some(2));
    let keys: ::std::vec::Vec<_> = Http { method: Method::Get, route: "/", r#type: true }
        .attributes()
        .into_iter()
        .map(|kv| kv.key)
        .collect();
    assert_eq!(keys, ["method", "http.route", "type"]);
}
