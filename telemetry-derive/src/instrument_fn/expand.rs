//! Generating the instrumented function.
//!
//! The body gets a `static` [`FnMetrics`](telemetry_core::timing::FnMetrics) (the instruments,
//! created once from the global meter and bound to the labels) and a guard from
//! `FnMetrics::enter` that times the call and counts it in progress until the body is left,
//! by any path: return, `?`, panic, or an async fn's future being dropped.
//!
//! Without `errors`, the body is spliced unchanged after the guard. With `errors`, the result
//! is needed: a sync body runs in a closure annotated with the return type, an async one in
//! an `async move` block, so that `return` and `?` keep their meaning.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use super::item::FnItem;

use super::args::Args;

pub(super) fn expand(args: &Args, function: FnItem) -> syn::Result<TokenStream> {
    if let Some(constness) = &function.constness {
        return Err(syn::Error::new(
            constness.span(),
            "`#[instrument_fn]` cannot instrument a `const fn`",
        ));
    }
    let site = Span::mixed_site();
    let metrics = quote_spanned!(site=> __TELEMETRY_FN_METRICS);
    let call = quote_spanned!(site=> __telemetry_call);
    let result = quote_spanned!(site=> __telemetry_result);
    let name = |n: &Option<syn::LitStr>| match n {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    };
    let (histogram, errors, in_progress) = (
        name(&args.histogram),
        name(&args.errors),
        name(&args.in_progress),
    );
    let labels = args.labels.iter().map(|(k, v)| quote!((#k, #v)));
    let prelude = quote! {
        static #metrics: ::telemetry_core::timing::FnMetrics =
            ::telemetry_core::timing::FnMetrics::new(::telemetry_core::timing::FnSpec {
                histogram: #histogram,
                errors: #errors,
                in_progress: #in_progress,
                labels: &[#(#labels),*],
            });
        let #call = #metrics.enter();
    };
    let block = &function.body;
    let body = if args.errors.is_none() {
        quote!({ #prelude #block })
    } else {
        let ret = function.output.clone().unwrap_or_else(|| quote!(()));
        let ret_span = function
            .output
            .as_ref()
            .and_then(|t| t.clone().into_iter().next())
            .map_or_else(Span::call_site, |t| t.span());
        let run = if function.asyncness.is_some() {
            quote!(async move #block.await)
        } else {
            quote!((move || -> #ret #block)())
        };
        let count = quote_spanned! {ret_span=>
            #call.count_error(::telemetry_core::timing::Fallible::is_error(&#result));
        };
        quote!({
            #prelude
            #[allow(clippy::redundant_closure_call)]
            let #result: #ret = #run;
            #count
            #result
        })
    };
    let head = &function.head;
    Ok(quote!(#head #body))
}
