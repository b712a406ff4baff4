//! What the derive emits when the input has errors: the errors, plus an impl with empty
//! bodies, so that code using the struct as a `MetricCollector` (registration, bounds) still
//! type-checks and the user sees only the errors that matter.
//!
//! The pattern is thiserror's (`impl/src/fallback.rs`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, Path};

use crate::expand::send_sync_static;

pub(crate) fn expand(input: &DeriveInput, krate: &Path, errors: &syn::Error) -> TokenStream {
    let private = quote!(#krate::__private);
    let ident = &input.ident;
    let mut generics = input.generics.clone();
    if !input.generics.params.is_empty() {
        generics
            .make_where_clause()
            .predicates
            .push(send_sync_static());
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let errors = errors.to_compile_error();
    quote! {
        #errors

        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::MetricCollector for #ident #ty_generics #where_clause {
                fn describe(_: &mut #private::Describer<'_>) {}

                fn attributes(&self, _: &mut #private::Vec<#private::KeyValue>) {}

                fn observe(&self, _: &mut #private::Observer<'_>) {}

                fn bind(
                    &mut self,
                    _: &mut #private::Binder<'_>,
                ) -> #private::Result<(), #private::Error> {
                    #private::Result::Ok(())
                }
            }
        };
    }
}
