//! The derives behind `telemetry_core::MetricCollector`, `telemetry_core::EnumLabel` and
//! `telemetry_core::AttributeSet`. Use them through `telemetry-core`'s `derive` feature; they
//! are documented where `telemetry_core` re-exports them (the user guide, with the attribute
//! reference, is `telemetry-core/DERIVE.md`).

mod ast;
mod attr;
mod attribute_set;
mod case;
mod check;
mod ctxt;
mod expand;
mod fallback;
mod instrument_fn;
mod label;
mod symbol;

/// Implemented by the `telemetry-derive` crate; use it through `telemetry_core`'s `derive`
/// feature. (When re-exported, rustdoc appends this line to the re-export's documentation.)
#[proc_macro_derive(MetricCollector, attributes(metric))]
pub fn derive_metric_collector(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}

/// Implemented by the `telemetry-derive` crate; use it through `telemetry_core`'s `derive`
/// feature. (When re-exported, rustdoc appends this line to the re-export's documentation.)
#[proc_macro_derive(EnumLabel, attributes(label))]
pub fn derive_enum_label(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    label::derive(&input).into()
}

/// Implemented by the `telemetry-derive` crate; use it through `telemetry_core`'s `derive`
/// feature. (When re-exported, rustdoc appends this line to the re-export's documentation.)
#[proc_macro_derive(AttributeSet, attributes(attribute))]
pub fn derive_attribute_set(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    attribute_set::derive(&input).into()
}

/// Implemented by the `telemetry-derive` crate; use it through `telemetry_core`'s `derive`
/// feature. (When re-exported, rustdoc appends this line to the re-export's documentation.)
#[proc_macro_attribute]
pub fn instrument_fn(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    instrument_fn::instrument_fn(args.into(), item.into()).into()
}
