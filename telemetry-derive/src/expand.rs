//! Generation of `impl MetricCollector`, once the input has been parsed and checked.
//!
//! The impl sits in `const _: () = { ... };`, reaches the runtime only through
//! `#krate::__private` (absolute, so a user's `type Result = ();` cannot capture it), and
//! carries one where-predicate per field, spanned at the field's type, so a type that does
//! not fit its role is reported at the field rather than inside the expansion.

use proc_macro2::{Group, Literal, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{parse_quote, parse_quote_spanned, DeriveInput, Path};

use crate::ast::{Container, Field, Role};
use crate::attr::Kind;
use crate::ctxt::Ctxt;
use crate::{check, fallback};

/// The derive: parse, check, then generate, or on any error the errors plus a stub impl.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input);
    check::check(&cx, &cont);
    let krate = cont.attrs.krate();
    match cx.check() {
        Ok(()) => expand(&cont, &krate),
        Err(errors) => fallback::expand(input, &krate, &errors),
    }
}

fn expand(cont: &Container<'_>, krate: &Path) -> TokenStream {
    let private = quote!(#krate::__private);
    let generics = bounded_generics(cont, &private);
    let prefix = cont.prefix();
    let mut body = Body::default();
    if cont.is_info() {
        body.info(&prefix, &cont.attrs.doc, &private);
    }
    for field in &cont.fields {
        body.push(field, &field.name(&prefix), &private);
    }
    let Body {
        describe,
        attributes,
        observe,
        bind,
    } = &body;

    // A parameter no statement uses is `_`, so the expansion has no unused variables.
    let param = |name: &str, statements: &[TokenStream]| {
        if statements.is_empty() {
            quote!(_)
        } else {
            syn::Ident::new(name, Span::call_site()).into_token_stream()
        }
    };
    let describer = param("describer", describe);
    let out = param("out", attributes);
    let observer = param("observer", observe);
    let binder = param("binder", bind);

    let ident = cont.ident;
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::MetricCollector for #ident #ty_generics #where_clause {
                fn describe(#describer: &mut #private::Describer<'_>) {
                    #(#describe)*
                }

                fn attributes(&self, #out: &mut #private::Vec<#private::KeyValue>) {
                    #(#attributes)*
                }

                fn observe(&self, #observer: &mut #private::Observer<'_>) {
                    #(#observe)*
                }

                fn bind(
                    &mut self,
                    #binder: &mut #private::Binder<'_>,
                ) -> #private::Result<(), #private::Error> {
                    #(#bind)*
                    #private::Result::Ok(())
                }
            }
        };
    }
}

/// The struct's generics plus one where-predicate per field, spanned at the field's type:
/// `u64: ObservedValue`, `Charging: ObservedState`, `Cell: MetricCollector`, ...
fn bounded_generics(cont: &Container<'_>, private: &TokenStream) -> syn::Generics {
    let mut generics = cont.generics.clone();
    let where_clause = generics.make_where_clause();
    if !cont.generics.params.is_empty() {
        where_clause.predicates.push(send_sync_static());
    }
    for field in &cont.fields {
        let ty = field.ty;
        // Located at the field, resolved and linted as the expansion it is (a user span
        // would subject `#krate::__private::...` to the user's `unused_qualifications`).
        let span = Span::call_site().located_at(ty.span());
        let bound = match field.role {
            Role::Value(_) => quote!(#private::ObservedValue),
            Role::State => quote!(#private::ObservedState),
            Role::Instrument(_) => quote!(#private::BindInstrument),
            Role::Flatten => quote!(#private::MetricCollector),
            Role::Attribute => quote!(#private::AttributeValue),
            Role::Unsupported => unreachable!("rejected by check_type"),
        };
        // The whole predicate, `#krate` included, carries the field's span: a predicate
        // mixing spans is reported at the derive instead of at the field.
        let bound = respan(bound, span);
        where_clause
            .predicates
            .push(parse_quote_spanned!(span=> #ty: #bound));
    }
    generics
}

/// The statements of the four trait methods, field by field.
#[derive(Default)]
struct Body {
    describe: Vec<TokenStream>,
    attributes: Vec<TokenStream>,
    observe: Vec<TokenStream>,
    bind: Vec<TokenStream>,
}

impl Body {
    /// `#[metric(info)]`: the struct's one metric, labelled with its attributes.
    fn info(&mut self, name: &str, doc: &str, private: &TokenStream) {
        let name = Literal::string(name);
        let description = Literal::string(doc);
        self.describe.push(quote! {
            describer.info(#private::ValueField {
                name: #name,
                kind: #private::ValueKind::Info,
                unit: "",
                description: #description,
            });
        });
        self.observe.push(quote!(observer.info();));
    }

    fn push(&mut self, field: &Field<'_>, name: &str, private: &TokenStream) {
        let ident = field.ident;
        let ty = field.ty;
        let name = Literal::string(name);
        match field.role {
            Role::Value(_) => {
                let kind = match field.attrs.kind.as_ref().map(|k| k.value) {
                    None | Some(Kind::Gauge) => quote!(Gauge),
                    Some(Kind::Counter) => quote!(Counter),
                    Some(Kind::UpDownCounter) => quote!(UpDownCounter),
                    Some(Kind::StateSet) => unreachable!("a state_set field is a Role::State"),
                };
                let unit = unit(field);
                let description = description(field);
                self.describe.push(quote! {
                    describer.value::<#ty>(#private::ValueField {
                        name: #name,
                        kind: #private::ValueKind::#kind,
                        unit: #unit,
                        description: #description,
                    });
                });
                self.observe.push(quote!(observer.value(&self.#ident);));
            }
            Role::State => {
                let description = description(field);
                self.describe.push(quote! {
                    describer.state_set::<#ty>(#private::ValueField {
                        name: #name,
                        kind: #private::ValueKind::StateSet,
                        unit: "",
                        description: #description,
                    });
                });
                self.observe.push(quote!(observer.state(&self.#ident);));
            }
            Role::Instrument(_) => {
                let unit = unit(field);
                let description = description(field);
                let buckets = if let Some(buckets) = &field.attrs.buckets {
                    let bounds = buckets.value.iter().map(|b| float(b.value));
                    quote!(#private::Option::Some(&[#(#bounds),*]))
                } else {
                    quote!(#private::Option::None)
                };
                self.bind.push(quote! {
                    binder.instrument(&mut self.#ident, #private::InstrumentField {
                        name: #name,
                        unit: #unit,
                        description: #description,
                        buckets: #buckets,
                    })?;
                });
            }
            Role::Flatten => {
                self.describe.push(quote!(describer.flatten::<#ty>();));
                self.observe.push(quote!(observer.flatten(&self.#ident);));
                self.bind.push(quote!(binder.flatten(&mut self.#ident)?;));
            }
            Role::Attribute => {
                self.attributes.push(quote! {
                    out.push(#private::KeyValue::new(
                        #name,
                        #private::AttributeValue::attribute_value(&self.#ident),
                    ));
                });
            }
            Role::Unsupported => unreachable!("rejected by check_type"),
        }
    }
}

/// `Self: Send + Sync + 'static`, for generic structs: `MetricCollector` requires it, and a
/// where-clause keeps a struct with unbounded parameters from failing inside the expansion.
pub(crate) fn send_sync_static() -> syn::WherePredicate {
    parse_quote!(Self: ::core::marker::Send + ::core::marker::Sync + 'static)
}

/// `tokens` with every span, inside groups too, set to `span`.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = TokenTree::Group(respanned);
            }
            token.set_span(span);
            token
        })
        .collect()
}

fn unit(field: &Field<'_>) -> Literal {
    let unit = field.attrs.unit.as_ref().map(|u| u.value.value());
    Literal::string(unit.as_deref().unwrap_or(""))
}

fn description(field: &Field<'_>) -> Literal {
    match &field.attrs.description {
        Some(description) => Literal::string(&description.value.value()),
        None => Literal::string(&field.attrs.doc),
    }
}

/// An `f64` literal token; `check.rs` has made sure the value is finite.
fn float(value: f64) -> TokenStream {
    let literal = Literal::f64_unsuffixed(value.abs());
    if value.is_sign_negative() {
        quote!(-#literal)
    } else {
        literal.into_token_stream()
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
    fn value_attribute_and_instrument_fields() {
        let out = expand_str(quote! {
            #[metric(prefix = "ev")]
            struct ChargeState {
                /// Battery level.
                #[metric(unit = "%")]
                level: u8,
                #[metric(counter, name = "ev_energy_total")]
                energy: f64,
                #[metric(attribute)]
                vehicle_id: String,
                #[metric(buckets = [1, 2.5])]
                latency: BoundHistogram<f64>,
                ignored: u64,
            }
        });
        let expected = [
            "const _ : () = {",
            "# [automatically_derived]",
            "impl :: telemetry_core :: __private :: MetricCollector for ChargeState where u8 : :: telemetry_core :: __private :: ObservedValue",
            "describer . value :: < u8 > (:: telemetry_core :: __private :: ValueField { name : \"ev_level\" , kind : :: telemetry_core :: __private :: ValueKind :: Gauge , unit : \"%\" , description : \"Battery level.\" , }) ;",
            "name : \"ev_energy_total\" , kind : :: telemetry_core :: __private :: ValueKind :: Counter",
            "out . push (:: telemetry_core :: __private :: KeyValue :: new (\"vehicle_id\" , :: telemetry_core :: __private :: AttributeValue :: attribute_value (& self . vehicle_id) ,)) ;",
            "observer . value (& self . level) ; observer . value (& self . energy) ;",
            "binder . instrument (& mut self . latency , :: telemetry_core :: __private :: InstrumentField { name : \"ev_latency\" , unit : \"\" , description : \"\" , buckets : :: telemetry_core :: __private :: Option :: Some (& [1.0 , 2.5]) , }) ? ;",
        ];
        for part in expected {
            assert!(out.contains(part), "missing {part}\nin {out}");
        }
        assert!(!out.contains("ignored"), "{out}");
    }

    #[test]
    fn unused_parameters_are_underscores() {
        let out = expand_str(quote! {
            #[metric(crate = "my::tc")]
            struct Empty {}
        });
        assert!(
            out.contains("fn describe (_ : & mut my :: tc :: __private :: Describer < '_ >)"),
            "{out}"
        );
        assert!(
            out.contains(
                "fn bind (& mut self , _ : & mut my :: tc :: __private :: Binder < '_ > ,)"
            ),
            "{out}"
        );
    }

    #[test]
    fn errors_come_with_a_stub_impl() {
        let out = expand_str(quote! {
            struct Bad {
                #[metric(counter)]
                up: bool,
                #[metric(unit = "per cent")]
                load: f64,
            }
        });
        assert!(out.contains("compile_error !"), "{out}");
        assert_eq!(out.matches("compile_error !").count(), 2, "{out}");
        assert!(
            out.contains("impl :: telemetry_core :: __private :: MetricCollector for Bad"),
            "{out}"
        );
    }

    #[test]
    fn negative_and_integer_bounds_become_floats() {
        assert_eq!(float(-0.5).to_string(), "- 0.5");
        assert_eq!(float(10.0).to_string(), "10.0");
    }
}
