//! `#[instrument_fn(...)]`: times a function, counts its errors and its calls in progress
//! into instruments named in the attribute (the Rust form of Python's decorators).
//!
//! Split as the derive is: `args` parses and checks the attribute (accumulating every error),
//! `item` reads the function, `expand` generates. On any error the function is emitted unchanged next to the errors, so
//! its callers still type-check and the user sees only the attribute's mistakes.

mod args;
mod expand;
mod item;

use proc_macro2::TokenStream;

/// The attribute's entry point: `args` are the tokens inside `#[instrument_fn(...)]`.
pub(crate) fn instrument_fn(args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed = args::Args::parse(args);
    let function = item::FnItem::parse(item.clone());
    let (args, function) = match (parsed, function) {
        (Ok(args), Ok(function)) => (args, function),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            return with_errors(item, a);
        }
        (Err(err), _) | (_, Err(err)) => return with_errors(item, err),
    };
    match expand::expand(&args, function) {
        Ok(tokens) => tokens,
        Err(err) => with_errors(item, err),
    }
}

/// The item unchanged, after the errors (no cascade of secondary errors in its callers).
fn with_errors(item: TokenStream, err: syn::Error) -> TokenStream {
    let errors = err.into_compile_error();
    quote::quote!(#errors #item)
}
