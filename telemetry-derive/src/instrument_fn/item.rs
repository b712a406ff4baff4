//! Reading the annotated function from its tokens.
//!
//! The crate builds `syn` without its `full` feature (derives only need `DeriveInput`), so a
//! function is read here at the token level: everything before the body is kept as is, and
//! only what the expansion needs is picked out (`async`, `const`, the return type). The body
//! is never parsed: it is spliced back unchanged.

use proc_macro2::{Delimiter, Group, Ident, Spacing, TokenStream, TokenTree};

/// A function with a body: `#[attrs] vis const? async? unsafe? extern? fn name<..>(..) -> R
/// where .. { body }`.
pub(super) struct FnItem {
    /// Every token before the body (attributes, signature, where clause).
    pub(super) head: TokenStream,
    pub(super) body: Group,
    pub(super) asyncness: Option<Ident>,
    pub(super) constness: Option<Ident>,
    /// The tokens of the return type, if one is written.
    pub(super) output: Option<TokenStream>,
}

impl FnItem {
    pub(super) fn parse(item: TokenStream) -> syn::Result<FnItem> {
        let mut tokens: Vec<TokenTree> = item.into_iter().collect();
        let not_fn = |at: Option<&TokenTree>| {
            let msg =
                "`#[instrument_fn]` applies to functions with a body (free functions and methods)";
            match at {
                Some(t) => syn::Error::new(t.span(), msg),
                None => syn::Error::new(proc_macro2::Span::call_site(), msg),
            }
        };
        // The item's keyword: the first identifier at top level that is not a qualifier.
        let keyword = tokens.iter().position(|t| match t {
            TokenTree::Ident(i) => !matches!(
                i.to_string().as_str(),
                "pub" | "const" | "async" | "unsafe" | "extern" | "default" | "crate"
            ),
            _ => false,
        });
        let Some(fn_at) = keyword.filter(|&i| is_ident(&tokens[i], "fn")) else {
            return Err(not_fn(keyword.map(|i| &tokens[i]).or(tokens.first())));
        };
        let body = match tokens.last() {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => g.clone(),
            _ => return Err(not_fn(tokens.get(fn_at))),
        };
        tokens.pop();
        let qualifier = |word: &str| {
            tokens[..fn_at].iter().find_map(|t| match t {
                TokenTree::Ident(i) if i == word => Some(i.clone()),
                _ => None,
            })
        };
        let (asyncness, constness) = (qualifier("async"), qualifier("const"));
        let output = return_type(&tokens[fn_at..]);
        Ok(FnItem {
            head: tokens.into_iter().collect(),
            body,
            asyncness,
            constness,
            output,
        })
    }
}

fn is_ident(t: &TokenTree, word: &str) -> bool {
    matches!(t, TokenTree::Ident(i) if i == word)
}

/// The return type in `fn name<generics>(params) -> Type where …` (without the body).
/// Generics are skipped by counting angle brackets (`->` inside them is not a closing `>`);
/// the parameters are the first parenthesized group after them.
fn return_type(sig: &[TokenTree]) -> Option<TokenStream> {
    let mut i = 2; // after `fn name`
    if matches!(sig.get(i), Some(TokenTree::Punct(p)) if p.as_char() == '<') {
        let mut depth = 0usize;
        let mut after_dash = false;
        while let Some(t) = sig.get(i) {
            if let TokenTree::Punct(p) = t {
                match p.as_char() {
                    '<' => depth += 1,
                    '>' if !after_dash => depth -= 1,
                    _ => {}
                }
                after_dash = p.as_char() == '-' && p.spacing() == Spacing::Joint;
            } else {
                after_dash = false;
            }
            i += 1;
            if depth == 0 {
                break;
            }
        }
    }
    // The parameters.
    while !matches!(sig.get(i), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
    {
        sig.get(i)?;
        i += 1;
    }
    let rest = &sig[i + 1..];
    match rest {
        [TokenTree::Punct(dash), TokenTree::Punct(gt), ty @ ..]
            if dash.as_char() == '-' && gt.as_char() == '>' =>
        {
            let end = ty
                .iter()
                .position(|t| is_ident(t, "where"))
                .unwrap_or(ty.len());
            Some(ty[..end].iter().cloned().collect())
        }
        _ => None,
    }
}
