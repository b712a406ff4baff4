//! Parsing and checking the attribute's arguments. Every mistake is reported (spanned at the
//! offending key or value), not only the first.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::LitStr;

/// The keys, in the order the error for an unknown key lists them.
const KEYS: &str = "`histogram`, `errors`, `in_progress`, `labels`";

/// The parsed `#[instrument_fn(...)]`.
pub(super) struct Args {
    pub(super) histogram: Option<LitStr>,
    pub(super) errors: Option<LitStr>,
    pub(super) in_progress: Option<LitStr>,
    pub(super) labels: Vec<(LitStr, LitStr)>,
}

/// Collects the errors of one attribute.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, err: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(err),
            None => self.0 = Some(err),
        }
    }
}

impl Args {
    pub(super) fn parse(tokens: TokenStream) -> syn::Result<Args> {
        let mut args = Args {
            histogram: None,
            errors: None,
            in_progress: None,
            labels: Vec::new(),
        };
        let mut errors = Errors::default();
        let mut labels_seen = false;
        let mut instrument_given = false;
        let parser = syn::meta::parser(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string);
            match key.as_deref() {
                // #[instrument_fn(histogram = "name")], errors = "name", in_progress = "name"
                Some(k @ ("histogram" | "errors" | "in_progress")) => {
                    instrument_given = true;
                    let value = metric_name(&meta, &mut errors)?;
                    let slot = match k {
                        "histogram" => &mut args.histogram,
                        "errors" => &mut args.errors,
                        _ => &mut args.in_progress,
                    };
                    if slot.is_some() {
                        errors
                            .push(meta.error(format_args!("duplicate `instrument_fn` key `{k}`")));
                    } else {
                        *slot = value;
                    }
                }
                // #[instrument_fn(labels(key = "value", ...))]
                Some("labels") => {
                    if labels_seen {
                        errors.push(meta.error("duplicate `instrument_fn` key `labels`"));
                    }
                    labels_seen = true;
                    meta.parse_nested_meta(|label| {
                        let Some(key) = label.path.get_ident() else {
                            errors.push(label.error("a label name is a single identifier"));
                            return skip_value(&label);
                        };
                        let name = key.to_string();
                        let value: LitStr = label.value()?.parse()?;
                        if !is_label_name(&name) {
                            errors.push(label.error(format_args!(
                                "invalid label name `{name}`: ASCII letters, digits and `_`, \
                                 not starting with a digit or `__`"
                            )));
                        } else if args.labels.iter().any(|(k, _)| k.value() == name) {
                            errors.push(label.error(format_args!("duplicate label `{name}`")));
                        } else {
                            args.labels.push((LitStr::new(&name, key.span()), value));
                        }
                        Ok(())
                    })?;
                }
                _ => {
                    let shown = quote::ToTokens::to_token_stream(&meta.path).to_string();
                    errors.push(meta.error(format_args!(
                        "unknown `instrument_fn` key `{}`: expected one of {KEYS}",
                        shown.replace(' ', "")
                    )));
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        syn::parse::Parser::parse2(parser, tokens)?;
        if !instrument_given {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`#[instrument_fn]` needs at least one of `histogram = \"...\"`, \
                 `errors = \"...\"`, `in_progress = \"...\"`",
            ));
        }
        match errors.0 {
            Some(err) => Err(err),
            None => Ok(args),
        }
    }
}

/// `= "name"`, checked with the rule `telemetry_core::validate_name` applies at registration
/// (keep the two in step). An invalid name is reported and read as absent.
fn metric_name(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    let lit: LitStr = meta.value()?.parse()?;
    let name = lit.value();
    let reason = match name.chars().next() {
        None => Some("the name is empty"),
        Some(c) if !c.is_ascii_alphabetic() => Some("the first character must be an ASCII letter"),
        _ if name.len() > 255 => Some("the name is longer than 255 characters"),
        _ if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')) =>
        {
            Some("only ASCII letters, digits, '_', '.', '-' and '/' are allowed")
        }
        _ => None,
    };
    match reason {
        Some(reason) => {
            errors.push(syn::Error::new(
                lit.span(),
                format_args!("invalid metric name `{name}`: {reason}"),
            ));
            Ok(None)
        }
        None => Ok(Some(lit)),
    }
}

/// A Prometheus label name that is not reserved (`__` prefixes are the server's).
fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
}

/// Consumes whatever follows an unknown key (`= value` or `(...)`) up to the next comma, so
/// parsing goes on with the next key.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    while !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
        let _: proc_macro2::TokenTree = meta.input.parse()?;
    }
    Ok(())
}
