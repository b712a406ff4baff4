//! `#[derive(EnumLabel)]`: a fieldless enum whose variants are a fixed set of label values,
//! such as the states of a `#[metric(state_set)]` field.
//!
//! The pipeline is `MetricCollector`'s, in one file because this derive is small: the
//! `#[label(...)]` attributes and the enum's shape → [`Enum`] (errors go to the [`Ctxt`]),
//! then [`check`] (rules across variants), then [`expand`] or, on any error, the errors plus a
//! stub impl ([`fallback`]).

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Generics, Ident, LitStr, Path};

use crate::attr::{
    get_crate_path, get_lit_str, krate_or_default, rename_only, unknown_key, Attr, Keyed,
};
use crate::case::RenameRule;
use crate::ctxt::Ctxt;
use crate::symbol::{CRATE, DEPRECATED, LABEL, RENAME_ALL};

const ENUM_KEYS: &str = "`rename_all`, `crate`";
const VARIANT_KEYS: &str = "`rename`";
const ONLY_FIELDLESS: &str = "`EnumLabel` can only be derived for enums without fields";

/// The derive: parse, check, then generate, or on any error the errors plus a stub impl.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let cont = Enum::from_ast(&cx, input);
    check(&cx, &cont);
    let krate = krate_or_default(cont.attrs.krate.as_ref());
    match cx.check() {
        Ok(()) => expand(&cont, &krate),
        Err(errors) => fallback(input, &krate, &errors),
    }
}

/// Enum-level `#[label(...)]`.
struct EnumAttrs {
    rename_all: Option<Keyed<RenameRule>>,
    krate: Option<Keyed<Path>>,
}

impl EnumAttrs {
    fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut rename_all = Attr::none(cx, LABEL, RENAME_ALL);
        let mut krate = Attr::none(cx, LABEL, CRATE);
        for attr in attrs.iter().filter(|attr| attr.path() == LABEL) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path == RENAME_ALL {
                    // #[label(rename_all = "snake_case")]
                    if let Some(s) = get_lit_str(cx, RENAME_ALL, &meta)? {
                        match RenameRule::from_name(&s.value()) {
                            Some(rule) => rename_all.set(&meta.path, rule),
                            None => cx.error_spanned_by(
                                &s,
                                format_args!(
                                    "unknown rename rule `rename_all = {:?}`, expected one of {}",
                                    s.value(),
                                    RenameRule::names()
                                ),
                            ),
                        }
                    }
                } else if meta.path == CRATE {
                    // #[label(crate = "path::to::telemetry_core")]
                    if let Some(path) = get_crate_path(cx, &meta)? {
                        krate.set(&meta.path, path);
                    }
                } else {
                    unknown_key(cx, &meta, LABEL, ENUM_KEYS)?;
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }
        EnumAttrs {
            rename_all: rename_all.get(),
            krate: krate.get(),
        }
    }
}

/// The enum being derived.
struct Enum<'a> {
    ident: &'a Ident,
    generics: &'a Generics,
    attrs: EnumAttrs,
    /// Empty if the input is not an enum (which is an error).
    variants: Vec<Variant<'a>>,
    /// Whether the enum or a variant is `#[deprecated]`: the impl names them all.
    deprecated: bool,
}

/// One variant and its `#[label(...)]`.
struct Variant<'a> {
    ident: &'a Ident,
    /// `#[label(rename = "...")]`.
    rename: Option<Keyed<LitStr>>,
}

impl<'a> Enum<'a> {
    fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Self {
        let attrs = EnumAttrs::from_ast(cx, &input.attrs);
        let ident = &input.ident;
        let mut deprecated = is_deprecated(&input.attrs);
        let variants = match &input.data {
            Data::Enum(data) => {
                if data.variants.is_empty() {
                    let enum_token = data.enum_token;
                    cx.error_spanned_by(
                        quote!(#enum_token #ident),
                        "`EnumLabel` cannot be derived for an enum without variants: a label \
                         has at least one value",
                    );
                }
                data.variants
                    .iter()
                    .map(|variant| {
                        deprecated |= is_deprecated(&variant.attrs);
                        Variant::from_ast(cx, variant)
                    })
                    .collect()
            }
            Data::Struct(data) => {
                let struct_token = data.struct_token;
                cx.error_spanned_by(
                    quote!(#struct_token #ident),
                    format_args!("{ONLY_FIELDLESS}, not for a struct"),
                );
                Vec::new()
            }
            Data::Union(data) => {
                let union_token = data.union_token;
                cx.error_spanned_by(
                    quote!(#union_token #ident),
                    format_args!("{ONLY_FIELDLESS}, not for a union"),
                );
                Vec::new()
            }
        };
        Enum {
            ident,
            generics: &input.generics,
            attrs,
            variants,
            deprecated,
        }
    }

    /// Each variant's label value, in declaration order.
    fn values(&self) -> Vec<String> {
        let rule = self.attrs.rename_all.as_ref().map(|rule| rule.value);
        self.variants
            .iter()
            .map(|variant| variant.value(rule))
            .collect()
    }
}

impl<'a> Variant<'a> {
    fn from_ast(cx: &Ctxt, variant: &'a syn::Variant) -> Self {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                format_args!(
                    "{ONLY_FIELDLESS}: variant `{}` has fields",
                    variant.ident.unraw()
                ),
            );
        }
        // #[label(rename = "in_progress")]
        let rename = rename_only(cx, &variant.attrs, LABEL, LABEL, VARIANT_KEYS);
        Variant {
            ident: &variant.ident,
            rename,
        }
    }

    /// `rename`, else the name as written (without `r#`) under the enum's `rename_all`.
    fn value(&self, rule: Option<RenameRule>) -> String {
        match (&self.rename, rule) {
            (Some(rename), _) => rename.value.value(),
            (None, Some(rule)) => rule.apply(&self.ident.unraw().to_string()),
            (None, None) => self.ident.unraw().to_string(),
        }
    }
}

fn is_deprecated(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| attr.path() == DEPRECATED)
}

/// Label values are non-empty (any UTF-8 is a valid label value) and distinct, since
/// `index` maps each variant to its own. Every variant sharing a value is pointed at.
fn check(cx: &Ctxt, cont: &Enum<'_>) {
    let mut by_value: BTreeMap<String, Vec<&Variant<'_>>> = BTreeMap::new();
    for (variant, value) in cont.variants.iter().zip(cont.values()) {
        if value.is_empty() {
            // Only `rename` can be empty: variant names are not.
            if let Some(rename) = &variant.rename {
                cx.error_spanned_by(&rename.value, "a label value cannot be empty");
            }
            continue;
        }
        by_value.entry(value).or_default().push(variant);
    }
    for (value, variants) in by_value.into_iter().filter(|(_, v)| v.len() > 1) {
        let list = variants
            .iter()
            .map(|v| format!("`{}`", v.ident.unraw()))
            .collect::<Vec<_>>()
            .join(", ");
        for variant in variants {
            let span = match &variant.rename {
                Some(rename) => rename.value.to_token_stream(),
                None => variant.ident.to_token_stream(),
            };
            cx.error_spanned_by(
                span,
                format_args!("duplicate label value `{value}`, used by variants {list}"),
            );
        }
    }
}

/// `impl EnumLabel`: the values in declaration order, and `index` as a match, so explicit
/// discriminants (`Idle = 10`) change nothing.
fn expand(cont: &Enum<'_>, krate: &Path) -> TokenStream {
    let private = quote!(#krate::__private);
    let ident = cont.ident;
    let (impl_generics, ty_generics, where_clause) = cont.generics.split_for_impl();
    let values = cont.values().into_iter().map(|v| Literal::string(&v));
    let arms = cont.variants.iter().enumerate().map(|(index, variant)| {
        let variant = variant.ident;
        let index = Literal::usize_unsuffixed(index);
        quote!(Self::#variant => #index,)
    });
    // The match names every variant, deprecated or not.
    let allow_deprecated = cont.deprecated.then(|| quote!(#[allow(deprecated)]));
    quote! {
        const _: () = {
            #[automatically_derived]
            #allow_deprecated
            impl #impl_generics #private::EnumLabel for #ident #ty_generics #where_clause {
                const VALUES: &'static [&'static ::core::primitive::str] = &[#(#values),*];

                #[inline]
                fn index(self) -> ::core::primitive::usize {
                    match self {
                        #(#arms)*
                    }
                }
            }
        };
    }
}

/// The errors, plus an impl without values, so that code using the enum as an `EnumLabel`
/// (a `#[metric(state_set)]` field) reports nothing more.
fn fallback(input: &DeriveInput, krate: &Path, errors: &syn::Error) -> TokenStream {
    let private = quote!(#krate::__private);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let errors = errors.to_compile_error();
    quote! {
        #errors

        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::EnumLabel for #ident #ty_generics #where_clause {
                const VALUES: &'static [&'static ::core::primitive::str] = &[];

                fn index(self) -> ::core::primitive::usize {
                    0
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
    fn values_and_index_by_match() {
        let out = expand_str(quote! {
            #[label(rename_all = "snake_case")]
            enum Charging {
                InProgress = 10,
                #[label(rename = "done")]
                Complete,
                r#Disconnected,
            }
        });
        let expected = [
            "impl :: telemetry_core :: __private :: EnumLabel for Charging",
            "const VALUES : & 'static [& 'static :: core :: primitive :: str] = & [\"in_progress\" , \"done\" , \"disconnected\"] ;",
            "fn index (self) -> :: core :: primitive :: usize { match self { Self :: InProgress => 0 , Self :: Complete => 1 , Self :: r#Disconnected => 2 , } }",
        ];
        for part in expected {
            assert!(out.contains(part), "missing {part}\nin {out}");
        }
        assert!(!out.contains("deprecated"), "{out}");
    }

    #[test]
    fn crate_path_and_deprecated_variants() {
        let out = expand_str(quote! {
            #[label(crate = "my::tc")]
            enum Door {
                Open,
                #[deprecated]
                Ajar,
            }
        });
        assert!(
            out.contains("# [allow (deprecated)] impl my :: tc :: __private :: EnumLabel for Door"),
            "{out}"
        );
    }

    #[test]
    fn errors_come_with_a_stub_impl() {
        let out = expand_str(quote! {
            enum Door {
                Open(u8),
                #[label(rename = "")]
                Closed,
            }
        });
        assert_eq!(out.matches("compile_error !").count(), 2, "{out}");
        assert!(out.contains("= & [] ;"), "{out}");
    }
}
