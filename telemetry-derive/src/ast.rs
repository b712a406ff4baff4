//! The derive's view of the input: the struct, its `#[metric]` fields, and what each field
//! *is* (its [`Role`]). Field types are classified syntactically, by the last path segment,
//! because a proc macro sees no types; the where-clause `expand.rs` adds then makes the
//! compiler confirm each classification at the field. A state set's enum cannot be
//! recognised by name at all, so `#[metric(state_set)]` says what the field is.

use syn::ext::IdentExt;
use syn::{Data, DataStruct, DeriveInput, Fields, Generics, Ident, PathArguments, Type};

use crate::attr::{self, Kind};
use crate::ctxt::Ctxt;

/// The struct being derived.
pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) attrs: attr::Container,
    /// The fields marked `#[metric]`, in declaration order; empty if the input is not a
    /// struct with named fields (which is an error).
    pub(crate) fields: Vec<Field<'a>>,
}

/// A field marked `#[metric]`.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: attr::Field,
    pub(crate) role: Role,
}

/// What a field contributes to the collector.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// Observed at collection (`u64`, `Option<f64>`, `Duration`, ...).
    Value(Value),
    /// `#[metric(state_set)]`: an `EnumLabel` enum (or `Option` of one) observed at
    /// collection, one series per state.
    State,
    /// A bound handle or an instrument family, bound at registration.
    Instrument(Instrument),
    /// `#[metric(flatten)]`: a nested collector.
    Flatten,
    /// `#[metric(attribute)]`: an attribute on every point of the struct.
    Attribute,
    /// A type the derive does not know (an error).
    Unsupported,
}

#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Number,
    /// `bool` or `Option<bool>`: observed as 1/0, so never a counter.
    Bool,
}

#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum Instrument {
    Counter,
    UpDownCounter,
    Gauge,
    Histogram,
    Summary,
    /// The families (`CounterFamily<S, T>`, ...): one series per attribute set `S`, each
    /// with the collector's attributes in front of the set's.
    CounterFamily,
    UpDownCounterFamily,
    GaugeFamily,
    HistogramFamily,
    SummaryFamily,
}

impl Instrument {
    const ALL: [Instrument; 10] = [
        Instrument::Counter,
        Instrument::UpDownCounter,
        Instrument::Gauge,
        Instrument::Histogram,
        Instrument::Summary,
        Instrument::CounterFamily,
        Instrument::UpDownCounterFamily,
        Instrument::GaugeFamily,
        Instrument::HistogramFamily,
        Instrument::SummaryFamily,
    ];

    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Instrument::Counter => "BoundCounter",
            Instrument::UpDownCounter => "BoundUpDownCounter",
            Instrument::Gauge => "BoundGauge",
            Instrument::Histogram => "BoundHistogram",
            Instrument::Summary => "BoundSummary",
            Instrument::CounterFamily => "CounterFamily",
            Instrument::UpDownCounterFamily => "UpDownCounterFamily",
            Instrument::GaugeFamily => "GaugeFamily",
            Instrument::HistogramFamily => "HistogramFamily",
            Instrument::SummaryFamily => "SummaryFamily",
        }
    }

    /// Whether it takes `buckets`: a `BoundHistogram` or a `HistogramFamily`.
    pub(crate) fn has_buckets(self) -> bool {
        matches!(self, Instrument::Histogram | Instrument::HistogramFamily)
    }
}

/// The named fields of a struct; anything else (a tuple or unit struct, an enum, a union)
/// is reported at its keyword and name as "`only_named`, not a …", with `enum_note` after
/// "not an enum" (a hint, or empty).
pub(crate) fn named_fields<'a>(
    cx: &Ctxt,
    input: &'a DeriveInput,
    only_named: &str,
    enum_note: &str,
) -> Option<&'a syn::punctuated::Punctuated<syn::Field, syn::Token![,]>> {
    let ident = &input.ident;
    match &input.data {
        Data::Struct(DataStruct {
            fields: Fields::Named(fields),
            ..
        }) => return Some(&fields.named),
        Data::Struct(DataStruct {
            fields: Fields::Unnamed(fields),
            ..
        }) => cx.error_spanned_by(fields, format_args!("{only_named}, not a tuple struct")),
        Data::Struct(DataStruct {
            fields: Fields::Unit,
            struct_token,
            ..
        }) => cx.error_spanned_by(
            quote::quote!(#struct_token #ident),
            format_args!("{only_named}, not a unit struct"),
        ),
        Data::Enum(data) => {
            let enum_token = data.enum_token;
            cx.error_spanned_by(
                quote::quote!(#enum_token #ident),
                format_args!("{only_named}, not an enum{enum_note}"),
            );
        }
        Data::Union(data) => {
            let union_token = data.union_token;
            cx.error_spanned_by(
                quote::quote!(#union_token #ident),
                format_args!("{only_named}, not a union"),
            );
        }
    }
    None
}

impl<'a> Container<'a> {
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Self {
        const ONLY_NAMED: &str =
            "`MetricCollector` can only be derived for structs with named fields";
        let attrs = attr::Container::from_ast(cx, input);
        let ident = &input.ident;
        let fields = named_fields(cx, input, ONLY_NAMED, "")
            .into_iter()
            .flatten()
            .filter_map(|field| Field::from_ast(cx, field))
            .collect();
        Container {
            ident,
            generics: &input.generics,
            attrs,
            fields,
        }
    }

    /// Whether the struct is `#[metric(info)]`.
    pub(crate) fn is_info(&self) -> bool {
        self.attrs.info.is_some()
    }

    /// The prefix of derived metric names: `prefix = "..."`, else the type name in `snake_case`.
    /// An info struct's metric is named the prefix.
    pub(crate) fn prefix(&self) -> String {
        match &self.attrs.prefix {
            Some(prefix) => prefix.value.value(),
            None => snake_case(&self.ident.unraw().to_string()),
        }
    }
}

impl<'a> Field<'a> {
    /// `None` for a field without `#[metric]`.
    fn from_ast(cx: &Ctxt, field: &'a syn::Field) -> Option<Self> {
        let attrs = attr::Field::from_ast(cx, field);
        if !attrs.marked {
            return None;
        }
        let role = if attrs.flatten.is_some() {
            Role::Flatten
        } else if attrs.attribute.is_some() {
            Role::Attribute
        } else if attrs
            .kind
            .as_ref()
            .is_some_and(|k| k.value == Kind::StateSet)
        {
            // Any type but an instrument (for which `check_kind` reports `state_set`): the
            // where-clause `Type: ObservedState` checks it.
            match classify(&field.ty) {
                instrument @ Role::Instrument(_) => instrument,
                _ => Role::State,
            }
        } else {
            classify(&field.ty)
        };
        Some(Field {
            ident: field.ident.as_ref()?,
            ty: &field.ty,
            attrs,
            role,
        })
    }

    /// The field's name without `r#`.
    pub(crate) fn field_name(&self) -> String {
        self.ident.unraw().to_string()
    }

    /// The metric name (value and instrument fields) or attribute key (attribute fields).
    pub(crate) fn name(&self, prefix: &str) -> String {
        match &self.attrs.name {
            Some(name) => name.value.value(),
            None if self.role == Role::Attribute || prefix.is_empty() => self.field_name(),
            None => format!("{prefix}_{}", self.field_name()),
        }
    }
}

/// Classifies a value or instrument field by the last segment of its type's path.
fn classify(ty: &Type) -> Role {
    let path = match ty {
        Type::Group(group) => return classify(&group.elem),
        Type::Paren(paren) => return classify(&paren.elem),
        Type::Path(ty) if ty.qself.is_none() => &ty.path,
        _ => return Role::Unsupported,
    };
    let Some(last) = path.segments.last() else {
        return Role::Unsupported;
    };
    let name = last.ident.to_string();
    if let Some(instrument) = Instrument::ALL.into_iter().find(|i| i.type_name() == name) {
        return Role::Instrument(instrument);
    }
    match &last.arguments {
        PathArguments::None => match name.as_str() {
            "bool" => Role::Value(Value::Bool),
            "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize"
            | "f32" | "f64" | "Duration" => Role::Value(Value::Number),
            _ => Role::Unsupported,
        },
        // Option<T> of a value type; `None` is "no observation".
        PathArguments::AngleBracketed(args) if name == "Option" && args.args.len() == 1 => {
            match &args.args[0] {
                syn::GenericArgument::Type(inner) => match classify(inner) {
                    value @ Role::Value(_) => value,
                    _ => Role::Unsupported,
                },
                _ => Role::Unsupported,
            }
        }
        _ => Role::Unsupported,
    }
}

/// `ChargeState` → `charge_state`, `HTTPServer` → `http_server`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let boundary = i > 0 && {
                let prev = chars[i - 1];
                let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
                prev.is_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_uppercase() && next_is_lower)
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        for (name, snake) in [
            ("ChargeState", "charge_state"),
            ("Battery", "battery"),
            ("HTTPServer", "http_server"),
            ("V2Stats", "v2_stats"),
            ("already_snake", "already_snake"),
            ("Queue_Depth", "queue_depth"),
        ] {
            assert_eq!(snake_case(name), snake);
        }
    }

    #[test]
    fn classification() {
        let cases: [(Type, Role); 13] = [
            (
                syn::parse_quote!(CounterFamily<Http, u64>),
                Role::Instrument(Instrument::CounterFamily),
            ),
            (
                syn::parse_quote!(telemetry_core::HistogramFamily<Http, f64>),
                Role::Instrument(Instrument::HistogramFamily),
            ),
            (syn::parse_quote!(u64), Role::Value(Value::Number)),
            (syn::parse_quote!(bool), Role::Value(Value::Bool)),
            (syn::parse_quote!(Option<bool>), Role::Value(Value::Bool)),
            (
                syn::parse_quote!(::std::time::Duration),
                Role::Value(Value::Number),
            ),
            (
                syn::parse_quote!(Option<Option<f32>>),
                Role::Value(Value::Number),
            ),
            (
                syn::parse_quote!(telemetry_core::BoundHistogram<f64>),
                Role::Instrument(Instrument::Histogram),
            ),
            (
                syn::parse_quote!(BoundSummary<u64>),
                Role::Instrument(Instrument::Summary),
            ),
            (syn::parse_quote!(String), Role::Unsupported),
            (syn::parse_quote!(Option<String>), Role::Unsupported),
            (syn::parse_quote!(&'static u64), Role::Unsupported),
            (syn::parse_quote!(Duration<u8>), Role::Unsupported),
        ];
        for (ty, role) in cases {
            assert!(classify(&ty) == role);
        }
    }
}
