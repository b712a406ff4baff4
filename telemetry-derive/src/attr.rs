//! `#[metric(...)]` attributes → [`Container`] and [`Field`], plus the key parsers
//! `#[label(...)]` (in `label.rs`) shares.
//!
//! None of the parsers return a `Result`: an unknown, malformed or duplicated key is reported
//! to the [`Ctxt`] and parsing goes on with the next key, so the user sees every bad
//! attribute of the struct in one compile. Rules that look at more than one key (`flatten`
//! with `unit`, `counter` on a `bool`, ...) live in `check.rs`.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser};
use syn::{Lit, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::symbol::{
    Symbol, ATTRIBUTE, BUCKETS, COUNTER, CRATE, DESCRIPTION, DOC, FLATTEN, GAUGE, INFO, METRIC,
    NAME, PREFIX, RENAME, STATE_SET, UNIT, UPDOWN_COUNTER,
};

const CONTAINER_KEYS: &str = "`prefix`, `crate`, `info`";
const FIELD_KEYS: &str = "`gauge`, `counter`, `updown_counter`, `state_set`, `unit`, \
                          `description`, `name`, `buckets`, `flatten`, `attribute`";

/// A parsed key and its value; `key` is kept to point errors at it.
pub(crate) struct Keyed<T> {
    pub(crate) key: syn::Path,
    pub(crate) value: T,
}

/// One slot per key of the attribute `attr` (`metric` or `label`): a second occurrence is an
/// error at the second key.
pub(crate) struct Attr<'c, T> {
    cx: &'c Ctxt,
    attr: Symbol,
    name: Symbol,
    slot: Option<Keyed<T>>,
}

impl<'c, T> Attr<'c, T> {
    pub(crate) fn none(cx: &'c Ctxt, attr: Symbol, name: Symbol) -> Self {
        Attr {
            cx,
            attr,
            name,
            slot: None,
        }
    }

    pub(crate) fn set(&mut self, key: &syn::Path, value: T) {
        if self.slot.is_some() {
            self.cx.error_spanned_by(
                key,
                format_args!("duplicate {} attribute `{}`", self.attr, self.name),
            );
        } else {
            self.slot = Some(Keyed {
                key: key.clone(),
                value,
            });
        }
    }

    pub(crate) fn get(self) -> Option<Keyed<T>> {
        self.slot
    }
}

/// Struct-level `#[metric(...)]`.
pub(crate) struct Container {
    pub(crate) prefix: Option<Keyed<LitStr>>,
    krate: Option<Keyed<syn::Path>>,
    /// `#[metric(info)]`: the struct is one info metric whose labels are its attributes.
    pub(crate) info: Option<Keyed<()>>,
    /// The struct's `///` comment (the info metric's description).
    pub(crate) doc: String,
}

impl Container {
    pub(crate) fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> Self {
        let mut prefix = Attr::none(cx, METRIC, PREFIX);
        let mut krate = Attr::none(cx, METRIC, CRATE);
        let mut info = Attr::none(cx, METRIC, INFO);

        for attr in input.attrs.iter().filter(|attr| attr.path() == METRIC) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path == PREFIX {
                    // #[metric(prefix = "chargestate")]
                    if let Some(s) = get_lit_str(cx, PREFIX, &meta)? {
                        prefix.set(&meta.path, s);
                    }
                } else if meta.path == CRATE {
                    // #[metric(crate = "path::to::telemetry_core")]
                    if let Some(path) = get_crate_path(cx, &meta)? {
                        krate.set(&meta.path, path);
                    }
                } else if meta.path == INFO {
                    // #[metric(info)]
                    flag(cx, METRIC, INFO, &meta)?;
                    info.set(&meta.path, ());
                } else {
                    unknown_key(cx, &meta, METRIC, CONTAINER_KEYS)?;
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }

        let info = info.get();
        Container {
            prefix: prefix.get(),
            krate: krate.get(),
            doc: if info.is_some() {
                doc(&input.attrs)
            } else {
                String::new()
            },
            info,
        }
    }

    /// The path generated code reaches `telemetry_core` through.
    pub(crate) fn krate(&self) -> syn::Path {
        krate_or_default(self.krate.as_ref())
    }
}

/// An explicit `crate = "..."`, else `::telemetry_core`.
pub(crate) fn krate_or_default(krate: Option<&Keyed<syn::Path>>) -> syn::Path {
    match krate {
        Some(krate) => krate.value.clone(),
        None => syn::parse_quote!(::telemetry_core),
    }
}

/// The kind keyword of a value field.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Gauge,
    Counter,
    UpDownCounter,
    /// Not a number: the field's type is an `EnumLabel` enum (or an `Option` of one).
    StateSet,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Gauge,
        Kind::Counter,
        Kind::UpDownCounter,
        Kind::StateSet,
    ];

    pub(crate) fn symbol(self) -> Symbol {
        match self {
            Kind::Gauge => GAUGE,
            Kind::Counter => COUNTER,
            Kind::UpDownCounter => UPDOWN_COUNTER,
            Kind::StateSet => STATE_SET,
        }
    }
}

/// One histogram bound as written, with its tokens for error spans.
pub(crate) struct Bound {
    pub(crate) value: f64,
    pub(crate) tokens: TokenStream,
}

/// Field-level `#[metric(...)]`.
pub(crate) struct Field {
    /// Whether the field carries `#[metric]` at all (unmarked fields are ignored).
    pub(crate) marked: bool,
    pub(crate) kind: Option<Keyed<Kind>>,
    pub(crate) unit: Option<Keyed<LitStr>>,
    pub(crate) description: Option<Keyed<LitStr>>,
    pub(crate) name: Option<Keyed<LitStr>>,
    pub(crate) buckets: Option<Keyed<Vec<Bound>>>,
    pub(crate) flatten: Option<Keyed<()>>,
    pub(crate) attribute: Option<Keyed<()>>,
    /// The `///` comment: lines trimmed and joined with a space.
    pub(crate) doc: String,
}

impl Field {
    pub(crate) fn from_ast(cx: &Ctxt, field: &syn::Field) -> Self {
        let mut marked = false;
        let mut kind = KindAttr { cx, slot: None };
        let mut unit = Attr::none(cx, METRIC, UNIT);
        let mut description = Attr::none(cx, METRIC, DESCRIPTION);
        let mut name = Attr::none(cx, METRIC, NAME);
        let mut buckets = Attr::none(cx, METRIC, BUCKETS);
        let mut flatten = Attr::none(cx, METRIC, FLATTEN);
        let mut attribute = Attr::none(cx, METRIC, ATTRIBUTE);

        for attr in field.attrs.iter().filter(|attr| attr.path() == METRIC) {
            marked = true;
            // #[metric]
            if let syn::Meta::Path(_) = attr.meta {
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                if let Some(k) = Kind::ALL.into_iter().find(|k| meta.path == k.symbol()) {
                    // #[metric(gauge)], #[metric(counter)], #[metric(updown_counter)],
                    // #[metric(state_set)]
                    flag(cx, METRIC, k.symbol(), &meta)?;
                    kind.set(&meta.path, k);
                } else if meta.path == UNIT {
                    // #[metric(unit = "By")]
                    if let Some(s) = get_lit_str(cx, UNIT, &meta)? {
                        unit.set(&meta.path, s);
                    }
                } else if meta.path == DESCRIPTION {
                    // #[metric(description = "...")]
                    if let Some(s) = get_lit_str(cx, DESCRIPTION, &meta)? {
                        description.set(&meta.path, s);
                    }
                } else if meta.path == NAME {
                    // #[metric(name = "battery_level")]
                    if let Some(s) = get_lit_str(cx, NAME, &meta)? {
                        name.set(&meta.path, s);
                    }
                } else if meta.path == BUCKETS {
                    // #[metric(buckets = [0.5, 1, 2.5])]
                    if let Some(bounds) = get_buckets(cx, &meta)? {
                        buckets.set(&meta.path, bounds);
                    }
                } else if meta.path == FLATTEN {
                    // #[metric(flatten)]
                    flag(cx, METRIC, FLATTEN, &meta)?;
                    flatten.set(&meta.path, ());
                } else if meta.path == ATTRIBUTE {
                    // #[metric(attribute)]
                    flag(cx, METRIC, ATTRIBUTE, &meta)?;
                    attribute.set(&meta.path, ());
                } else {
                    unknown_key(cx, &meta, METRIC, FIELD_KEYS)?;
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }

        Field {
            marked,
            kind: kind.slot,
            unit: unit.get(),
            description: description.get(),
            name: name.get(),
            buckets: buckets.get(),
            flatten: flatten.get(),
            attribute: attribute.get(),
            doc: if marked {
                doc(&field.attrs)
            } else {
                String::new()
            },
        }
    }
}

/// The kind slot: four keywords share it, so the duplicate message names both.
struct KindAttr<'c> {
    cx: &'c Ctxt,
    slot: Option<Keyed<Kind>>,
}

impl KindAttr<'_> {
    fn set(&mut self, key: &syn::Path, kind: Kind) {
        match &self.slot {
            Some(first) if first.value == kind => self.cx.error_spanned_by(
                key,
                format_args!("duplicate metric attribute `{}`", kind.symbol()),
            ),
            Some(first) => self.cx.error_spanned_by(
                key,
                format_args!(
                    "conflicting metric kinds `{}` and `{}`: a field has one kind",
                    first.value.symbol(),
                    kind.symbol(),
                ),
            ),
            None => {
                self.slot = Some(Keyed {
                    key: key.clone(),
                    value: kind,
                });
            }
        }
    }
}

/// `key = "string"`; any other value (literal, identifier, expression) is reported and
/// yields `None`, and parsing goes on; a missing value is a syn error.
pub(crate) fn get_lit_str(
    cx: &Ctxt,
    key: Symbol,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(&meta.path, format_args!("expected `{key} = \"...\"`"));
        skip_value(meta)?;
        return Ok(None);
    }
    let value = meta.value()?;
    let tokens = rest_of_value(value)?;
    if tokens.is_empty() {
        return Err(value.error(format_args!("expected a string after `{key} =`")));
    }
    match syn::parse2::<Lit>(tokens.clone()) {
        Ok(Lit::Str(s)) if s.suffix().is_empty() => Ok(Some(s)),
        // Another literal, an identifier, an expression: reported, and the next key parsed.
        _ => {
            cx.error_spanned_by(
                tokens,
                format_args!("expected `{key}` to be a string: `{key} = \"...\"`"),
            );
            Ok(None)
        }
    }
}

/// `crate = "path::to::telemetry_core"`; a string that is not a path is reported.
pub(crate) fn get_crate_path(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<syn::Path>> {
    let Some(s) = get_lit_str(cx, CRATE, meta)? else {
        return Ok(None);
    };
    match s.parse::<syn::Path>() {
        Ok(path) => Ok(Some(path)),
        Err(_) => {
            cx.error_spanned_by(
                &s,
                format_args!("`crate` must be a path, found `{}`", s.value()),
            );
            Ok(None)
        }
    }
}

/// `buckets = [bound, ...]` where each bound is a numeric literal, optionally negated.
fn get_buckets(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Vec<Bound>>> {
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(&meta.path, "expected `buckets = [...]`");
        skip_value(meta)?;
        return Ok(None);
    }
    let value = meta.value()?;
    if !value.peek(syn::token::Bracket) {
        let tokens = rest_of_value(value)?;
        cx.error_spanned_by(
            tokens,
            "expected a list of bounds: `buckets = [0.5, 1, 2.5]`",
        );
        return Ok(None);
    }
    let content;
    syn::bracketed!(content in value);
    let mut bounds = Vec::new();
    let mut all_literals = true;
    while !content.is_empty() {
        let tokens = rest_of_value(&content)?;
        if tokens.is_empty() {
            return Err(content.error("expected a bucket bound"));
        }
        if let Ok(value) = numeric_literal.parse2(tokens.clone()) {
            bounds.push(Bound { value, tokens });
        } else {
            all_literals = false;
            cx.error_spanned_by(
                tokens,
                "histogram bucket bounds must be finite numeric literals, such as `0.5` or `10`",
            );
        }
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    Ok(all_literals.then_some(bounds))
}

/// `1`, `2.5`, `-0.5`, `1e3`: the literal's value (possibly infinite, which `check.rs` rejects).
fn numeric_literal(input: ParseStream<'_>) -> syn::Result<f64> {
    let negative = input.parse::<Option<Token![-]>>()?.is_some();
    let value = match input.parse::<Lit>()? {
        Lit::Int(int) => int.base10_parse::<f64>()?,
        Lit::Float(float) => float.base10_parse::<f64>()?,
        other => return Err(syn::Error::new_spanned(other, "not a number")),
    };
    Ok(if negative { -value } else { value })
}

/// A keyword without a value: `flatten`, not `flatten = true`.
fn flag(cx: &Ctxt, attr: Symbol, key: Symbol, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        cx.error_spanned_by(
            &meta.path,
            format_args!("`{key}` takes no value: write `#[{attr}({key})]`"),
        );
        skip_value(meta)?;
    }
    Ok(())
}

/// An unknown key of `#[attr(...)]`, reported with the keys `attr` accepts there.
pub(crate) fn unknown_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    attr: Symbol,
    expected: &str,
) -> syn::Result<()> {
    let key = meta.path.to_token_stream().to_string().replace(' ', "");
    cx.error_spanned_by(
        &meta.path,
        format_args!("unknown {attr} attribute `{key}`; expected one of {expected}"),
    );
    skip_value(meta)
}

/// Consumes `= value` or `(...)` after a key, so the keys after it are still parsed.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
    }
    rest_of_value(meta.input).map(drop)
}

/// The tokens up to the next top-level comma (or the end).
fn rest_of_value(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok(tokens)
}

/// The `///` comment of a field or struct: each line trimmed, blank lines dropped, joined
/// with a space.
fn doc(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path() == DOC) {
        // #[doc = "..."]; `#[doc(hidden)]` and `#[doc = include_str!(..)]` are not text.
        if let syn::Meta::NameValue(syn::MetaNameValue {
            value: syn::Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }),
            ..
        }) = &attr.meta
        {
            let text = s.value();
            lines.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    lines.join(" ")
}

/// The `rename = "…"` of the `#[path(...)]` attributes of a field or variant, where it is the
/// only key: `#[label(rename)]` on an `EnumLabel` variant, `#[attribute(rename)]` on an
/// `AttributeSet` field. Errors name the attribute `name` and list `expected` keys.
pub(crate) fn rename_only(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    path: Symbol,
    name: Symbol,
    expected: &str,
) -> Option<Keyed<LitStr>> {
    let mut rename = Attr::none(cx, name, RENAME);
    for attr in attrs.iter().filter(|attr| attr.path() == path) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path == RENAME {
                if let Some(s) = get_lit_str(cx, RENAME, &meta)? {
                    rename.set(&meta.path, s);
                }
            } else {
                unknown_key(cx, &meta, name, expected)?;
            }
            Ok(())
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
    }
    rename.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_lines_are_trimmed_and_joined() {
        let field: syn::Field = Parser::parse2(
            syn::Field::parse_named,
            quote::quote! {
                /// Battery level,
                ///   in percent.
                ///
                #[doc = "Sampled."]
                #[doc(hidden)]
                level: u8
            },
        )
        .unwrap();
        assert_eq!(doc(&field.attrs), "Battery level, in percent. Sampled.");
    }

    #[test]
    fn numeric_literals() {
        for (tokens, value) in [
            (quote::quote!(1), 1.0_f64),
            (quote::quote!(2.5), 2.5),
            (quote::quote!(-0.25), -0.25),
            (quote::quote!(1e3), 1000.0),
            (quote::quote!(0x10), 16.0),
            (quote::quote!(3f32), 3.0),
        ] {
            assert_eq!(
                numeric_literal.parse2(tokens).unwrap().to_bits(),
                value.to_bits()
            );
        }
        assert!(numeric_literal
            .parse2(quote::quote!(1e999))
            .unwrap()
            .is_infinite());
        for tokens in [
            quote::quote!(f64::INFINITY),
            quote::quote!("1"),
            quote::quote!(1 + 2),
        ] {
            assert!(numeric_literal.parse2(tokens).is_err());
        }
    }
}
