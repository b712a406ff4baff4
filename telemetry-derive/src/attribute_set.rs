//! `#[derive(AttributeSet)]`: a struct whose named fields are the attributes of a series,
//! the key of an instrument family (`CounterFamily<S, T>`, ...).
//!
//! The pipeline is `MetricCollector`'s, in one file like `label.rs`: the `#[attribute(...)]`
//! attributes and the struct's shape → [`Struct`] (errors go to the [`Ctxt`]), then
//! [`check`] (keys), then [`expand`] or, on any error, the errors plus a stub impl
//! ([`fallback`]).

use std::collections::BTreeMap;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{parse_quote_spanned, DeriveInput, Generics, Ident, LitStr};
use syn::{Path, Type};

use crate::ast::named_fields;
use crate::attr::{get_crate_path, krate_or_default, rename_only, unknown_key, Attr, Keyed};
use crate::ctxt::Ctxt;
use crate::expand::respan;
use crate::symbol::{ATTRIBUTE, ATTRIBUTE_SET, CRATE};

const STRUCT_KEYS: &str = "`crate`";
const FIELD_KEYS: &str = "`rename`";
const ONLY_NAMED: &str = "`AttributeSet` can only be derived for structs with named fields";

/// The derive: parse, check, then generate, or on any error the errors plus a stub impl.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let cont = Struct::from_ast(&cx, input);
    check(&cx, &cont);
    let krate = krate_or_default(cont.krate.as_ref());
    match cx.check() {
        Ok(()) => expand(&cont, &krate),
        Err(errors) => fallback(input, &krate, &errors),
    }
}

/// The struct being derived.
struct Struct<'a> {
    ident: &'a Ident,
    generics: &'a Generics,
    /// `#[attribute(crate = "...")]`.
    krate: Option<Keyed<Path>>,
    /// Every field, in declaration order; empty if the input is not a struct with named
    /// fields (which is an error).
    fields: Vec<Field<'a>>,
}

/// One field: one attribute of the set.
struct Field<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    /// `#[attribute(rename = "...")]`.
    rename: Option<Keyed<LitStr>>,
}

impl<'a> Struct<'a> {
    fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Self {
        let ident = &input.ident;
        let mut krate = Attr::none(cx, ATTRIBUTE_SET, CRATE);
        for attr in input.attrs.iter().filter(|attr| attr.path() == ATTRIBUTE) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path == CRATE {
                    // #[attribute(crate = "path::to::telemetry_core")]
                    if let Some(path) = get_crate_path(cx, &meta)? {
                        krate.set(&meta.path, path);
                    }
                } else {
                    unknown_key(cx, &meta, ATTRIBUTE_SET, STRUCT_KEYS)?;
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }
        let enum_note = " (an enum is one attribute's value: derive `EnumLabel` on it and make it \
                         a field)";
        let fields = named_fields(cx, input, ONLY_NAMED, enum_note)
            .into_iter()
            .flatten()
            .filter_map(|field| Field::from_ast(cx, field))
            .collect();
        Struct {
            ident,
            generics: &input.generics,
            krate: krate.get(),
            fields,
        }
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &Ctxt, field: &'a syn::Field) -> Option<Self> {
        // #[attribute(rename = "http.request.method")]
        let rename = rename_only(cx, &field.attrs, ATTRIBUTE, ATTRIBUTE_SET, FIELD_KEYS);
        Some(Field {
            ident: field.ident.as_ref()?,
            ty: &field.ty,
            rename,
        })
    }

    /// `rename`, else the field's name as written (without `r#`).
    fn key(&self) -> String {
        match &self.rename {
            Some(rename) => rename.value.value(),
            None => self.ident.unraw().to_string(),
        }
    }

    /// Where a problem with the key is reported: the `rename` string, else the field.
    fn key_tokens(&self) -> TokenStream {
        match &self.rename {
            Some(rename) => rename.value.to_token_stream(),
            None => self.ident.to_token_stream(),
        }
    }
}

/// Each key is valid (see [`validate_key`]) and used by one field only; every field sharing
/// a key is pointed at.
fn check(cx: &Ctxt, cont: &Struct<'_>) {
    let mut by_key: BTreeMap<String, Vec<&Field<'_>>> = BTreeMap::new();
    for field in &cont.fields {
        let key = field.key();
        if let Err(reason) = validate_key(&key) {
            let hint = if field.rename.is_none() {
                "; set one with `#[attribute(rename = \"...\")]`"
            } else {
                ""
            };
            cx.error_spanned_by(
                field.key_tokens(),
                format_args!("invalid attribute key `{key}`: {reason}{hint}"),
            );
            continue;
        }
        by_key.entry(key).or_default().push(field);
    }
    for (key, fields) in by_key.into_iter().filter(|(_, f)| f.len() > 1) {
        let list = fields
            .iter()
            .map(|f| format!("`{}`", f.ident.unraw()))
            .collect::<Vec<_>>()
            .join(", ");
        for field in fields {
            cx.error_spanned_by(
                field.key_tokens(),
                format_args!("duplicate attribute key `{key}`, used by fields {list}"),
            );
        }
    }
}

/// An attribute key as the Prometheus exporter can write it: a label name
/// (`[A-Za-z_][A-Za-z0-9_]*`, not starting with `__`, which Prometheus reserves), where dots
/// are also allowed, for OpenTelemetry's keys (`http.request.method`, exported as
/// `http_request_method`).
fn validate_key(key: &str) -> Result<(), &'static str> {
    let mut chars = key.chars();
    match chars.next() {
        None => Err("a key cannot be empty"),
        Some(first) if !(first.is_ascii_alphabetic() || first == '_') => {
            Err("the first character must be an ASCII letter or `_`")
        }
        Some(_) if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') => {
            Err("only ASCII letters, digits, `_` and `.` are allowed")
        }
        Some(_) if key.starts_with("__") => Err("keys starting with `__` are reserved"),
        Some(_) => Ok(()),
    }
}

/// `impl AttributeSet`: the cardinality as a constant product, the index by mixed radix (the
/// first field most significant), the attributes in field order. Each field's type gets a
/// where-predicate `Type: AttributeField` spanned at it, so a field that cannot be an
/// attribute is reported there.
fn expand(cont: &Struct<'_>, krate: &Path) -> TokenStream {
    let private = quote!(#krate::__private);
    let ident = cont.ident;
    let mut generics = cont.generics.clone();
    let where_clause = generics.make_where_clause();
    for field in &cont.fields {
        let ty = field.ty;
        let span = Span::call_site().located_at(ty.span());
        let bound = respan(quote!(#private::AttributeField), span);
        where_clause
            .predicates
            .push(parse_quote_spanned!(span=> #ty: #bound));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let field_cardinality = |ty: &Type| quote!(<#ty as #private::AttributeField>::CARDINALITY);
    let cardinalities = cont.fields.iter().map(|f| field_cardinality(f.ty));
    let digits = cont.fields.iter().map(|f| {
        let (member, radix) = (f.ident, field_cardinality(f.ty));
        quote! {
            .wrapping_mul(#private::radix(#radix))
            .wrapping_add(#private::AttributeField::index(&self.#member))
        }
    });
    let pairs = cont.fields.iter().map(|f| {
        let (member, key) = (f.ident, Literal::string(&f.key()));
        quote!(#private::KeyValue::new(#key, #private::AttributeField::value(&self.#member)))
    });
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::AttributeSet for #ident #ty_generics #where_clause {
                const CARDINALITY: #private::Option<::core::primitive::usize> =
                    #private::product_cardinality(&[#(#cardinalities),*]);

                #[inline]
                fn index(&self) -> ::core::primitive::usize {
                    0usize #(#digits)*
                }

                fn attributes(&self) -> #private::Vec<#private::KeyValue> {
                    #private::Vec::from([#(#pairs),*])
                }
            }
        };
    }
}

/// The errors, plus an impl of no fixed cardinality and no attributes, so that code using the
/// struct as an `AttributeSet` (a family's key) reports nothing more.
fn fallback(input: &DeriveInput, krate: &Path, errors: &syn::Error) -> TokenStream {
    let private = quote!(#krate::__private);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let errors = errors.to_compile_error();
    quote! {
        #errors

        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::AttributeSet for #ident #ty_generics #where_clause {
                const CARDINALITY: #private::Option<::core::primitive::usize> =
                    #private::Option::None;

                fn index(&self) -> ::core::primitive::usize {
                    0
                }

                fn attributes(&self) -> #private::Vec<#private::KeyValue> {
                    #private::Vec::new()
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(input: TokenStream) -> String {
        let input: DeriveInput = syn::parse2(input).unwrap();
        derive(&input).to_string()
    }

    #[test]
    fn cardinality_index_and_attributes() {
        let out = expand_str(quote! {
            struct Http {
                method: Method,
                #[attribute(rename = "http.status")]
                r#status: Status,
            }
        });
        let expected = [
            "impl :: telemetry_core :: __private :: AttributeSet for Http where Method : :: telemetry_core :: __private :: AttributeField , Status : :: telemetry_core :: __private :: AttributeField",
            "const CARDINALITY : :: telemetry_core :: __private :: Option < :: core :: primitive :: usize > = :: telemetry_core :: __private :: product_cardinality (& [< Method as :: telemetry_core :: __private :: AttributeField > :: CARDINALITY , < Status as :: telemetry_core :: __private :: AttributeField > :: CARDINALITY]) ;",
            "0usize . wrapping_mul (:: telemetry_core :: __private :: radix (< Method as :: telemetry_core :: __private :: AttributeField > :: CARDINALITY)) . wrapping_add (:: telemetry_core :: __private :: AttributeField :: index (& self . method))",
            ":: telemetry_core :: __private :: KeyValue :: new (\"http.status\" , :: telemetry_core :: __private :: AttributeField :: value (& self . r#status))",
        ];
        for part in expected {
            assert!(out.contains(part), "missing {part}\nin {out}");
        }
    }

    #[test]
    fn keys() {
        for ok in ["method", "_x", "http.request.method", "a1"] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1a", "a-b", "größe", "__name__", ".a"] {
            assert!(validate_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_come_with_a_stub_impl() {
        let out = expand_str(quote! {
            #[attribute(crate = "my::tc")]
            struct Bad {
                #[attribute(rename = "")]
                a: bool,
                #[attribute(skip)]
                b: bool,
            }
        });
        assert_eq!(out.matches("compile_error !").count(), 2, "{out}");
        assert!(
            out.contains("impl my :: tc :: __private :: AttributeSet for Bad"),
            "{out}"
        );
    }
}
