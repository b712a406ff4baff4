//! Checks that look at more than one key, at a key against the field's type, or at the
//! struct as a whole. Single-key problems (unknown or duplicated keys, a bound that is not a
//! literal) are reported while parsing, in `attr.rs`.
//!
//! The name, unit and bucket rules are the ones `telemetry_core` applies at registration
//! (`telemetry-core/src/name.rs`); keep the two in step.

use std::collections::BTreeMap;

use quote::ToTokens;

use crate::ast::{Container, Field, Role, Value};
use crate::attr::{Bound, Kind};
use crate::ctxt::Ctxt;
use crate::symbol::{ATTRIBUTE, BUCKETS, DESCRIPTION, FLATTEN, INFO, NAME, STATE_SET, UNIT};

/// The longest metric name OpenTelemetry allows.
const MAX_NAME_LEN: usize = 255;
/// The longest unit OpenTelemetry allows.
const MAX_UNIT_LEN: usize = 63;

pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    let prefix_ok = check_prefix(cx, cont);
    check_info_name(cx, cont, prefix_ok);
    for field in &cont.fields {
        if cont.is_info() && field.role != Role::Attribute {
            // Whatever else is wrong with it, the field has no place in an info struct.
            check_info_field(cx, field);
            continue;
        }
        check_type(cx, field);
        check_flatten(cx, field);
        check_attribute(cx, field);
        check_kind(cx, field);
        check_state_set(cx, field);
        check_buckets(cx, field);
        check_unit(cx, field);
        check_name(cx, cont, field, prefix_ok);
    }
    check_unique_names(cx, cont);
}

/// The prefix is the start of a metric name, so it follows the name grammar. An explicit
/// prefix is checked even if no field uses it; the default one (from the type name) only when
/// a name is derived from it: a field's, or an info struct's own. Returns whether derived
/// names can be checked.
fn check_prefix(cx: &Ctxt, cont: &Container<'_>) -> bool {
    let prefix = cont.prefix();
    if prefix.is_empty() {
        return true;
    }
    let Err(reason) = validate_name(&prefix) else {
        return true;
    };
    match &cont.attrs.prefix {
        Some(explicit) => cx.error_spanned_by(
            &explicit.value,
            format_args!("invalid metric name prefix `{prefix}`: {reason}"),
        ),
        None if cont.is_info()
            || cont
                .fields
                .iter()
                .any(|f| f.attrs.name.is_none() && has_metric_name(f)) =>
        {
            cx.error_spanned_by(
                cont.ident,
                format_args!(
                    "the metric name prefix `{prefix}` derived from the type name is invalid: \
                     {reason}; set one with `#[metric(prefix = \"...\")]`"
                ),
            );
        }
        None => {}
    }
    false
}

/// An info struct's metric is named by its prefix (explicit or derived), which therefore
/// cannot be empty, and which the Prometheus exporter suffixes with `_info`, so it must not
/// end in `_info` already. (Its grammar is `check_prefix`'s.)
fn check_info_name(cx: &Ctxt, cont: &Container<'_>, prefix_ok: bool) {
    if !cont.is_info() || !prefix_ok {
        return;
    }
    let name = cont.prefix();
    let explicit = cont.attrs.prefix.as_ref().map(|p| &p.value);
    if let (true, Some(explicit)) = (name.is_empty(), explicit) {
        cx.error_spanned_by(
            explicit,
            format_args!(
                "an `{INFO}` struct exports one metric named by its `prefix`, which cannot be empty"
            ),
        );
    } else if let Some(stem) = name.strip_suffix("_info") {
        let msg = format!(
            "an info metric is named without the `_info` suffix, which the Prometheus exporter \
             adds (`{name}` would be exported as `{name}_info`): name it \
             `#[metric(prefix = \"{stem}\")]`"
        );
        match explicit {
            Some(explicit) => cx.error_spanned_by(explicit, msg),
            None => cx.error_spanned_by(cont.ident, msg),
        }
    }
}

/// An info struct has one metric, the info, whose labels are the struct's attributes: every
/// other `#[metric]` field is an error.
fn check_info_field(cx: &Ctxt, field: &Field<'_>) {
    let name = field.field_name();
    match (&field.role, &field.attrs.flatten) {
        (Role::Flatten, Some(flatten)) => cx.error_spanned_by(
            &flatten.key,
            format_args!(
                "an `{INFO}` struct cannot `{FLATTEN}` `{name}`: its only metric is the info, \
                 labelled with its `{ATTRIBUTE}` fields"
            ),
        ),
        _ => cx.error_spanned_by(
            field.ident,
            format_args!(
                "an `{INFO}` struct carries labels only: `{name}` is not an \
                 `#[metric({ATTRIBUTE})]` field"
            ),
        ),
    }
}

/// Value fields have a known primitive type; anything else must be `flatten`, `attribute`
/// or `state_set`.
fn check_type(cx: &Ctxt, field: &Field<'_>) {
    if field.role == Role::Unsupported {
        cx.error_spanned_by(
            field.ty,
            "unsupported metric field type: expected an integer, a float, `bool`, `Duration`, \
             an `Option` of those, a `BoundCounter`, `BoundUpDownCounter`, `BoundGauge`, \
             `BoundHistogram` or `BoundSummary`, or a `CounterFamily`, `UpDownCounterFamily`, \
             `GaugeFamily`, `HistogramFamily` or `SummaryFamily`; mark a nested collector `#[metric(flatten)]`, \
             a label `#[metric(attribute)]` and an `EnumLabel` enum `#[metric(state_set)]`",
        );
    }
}

/// A flattened field's metrics are described by its own type, so it takes no other option.
fn check_flatten(cx: &Ctxt, field: &Field<'_>) {
    if field.role != Role::Flatten {
        return;
    }
    let a = &field.attrs;
    let others = [
        a.kind.as_ref().map(|k| (k.value.symbol(), &k.key)),
        a.unit.as_ref().map(|k| (UNIT, &k.key)),
        a.description.as_ref().map(|k| (DESCRIPTION, &k.key)),
        a.name.as_ref().map(|k| (NAME, &k.key)),
        a.buckets.as_ref().map(|k| (BUCKETS, &k.key)),
        a.attribute.as_ref().map(|k| (ATTRIBUTE, &k.key)),
    ];
    for (symbol, key) in others.into_iter().flatten() {
        cx.error_spanned_by(
            key,
            format_args!(
                "`{FLATTEN}` cannot be combined with `{symbol}`: a flattened field's metrics \
                 are declared by its own type"
            ),
        );
    }
}

/// An attribute field is a label, not a metric: only its key can be renamed.
fn check_attribute(cx: &Ctxt, field: &Field<'_>) {
    if field.role != Role::Attribute {
        return;
    }
    let a = &field.attrs;
    let others = [
        a.kind.as_ref().map(|k| (k.value.symbol(), &k.key)),
        a.unit.as_ref().map(|k| (UNIT, &k.key)),
        a.description.as_ref().map(|k| (DESCRIPTION, &k.key)),
        a.buckets.as_ref().map(|k| (BUCKETS, &k.key)),
    ];
    for (symbol, key) in others.into_iter().flatten() {
        cx.error_spanned_by(
            key,
            format_args!(
                "`{symbol}` does not apply to an `{ATTRIBUTE}` field (only `{NAME}` does)"
            ),
        );
    }
    if let Some(name) = &a.name {
        if name.value.value().is_empty() {
            cx.error_spanned_by(&name.value, "an attribute key cannot be empty");
        }
    }
}

/// | field type            | `gauge` (default) | `counter`, `updown_counter` | `state_set` |
/// |-----------------------|-------------------|-----------------------------|-------------|
/// | numbers, `Duration`   | yes               | yes                         | (*)         |
/// | `bool`                | yes               | no: 1/0 is a state          | (*)         |
/// | instruments, families | no: the type decides the kind                   | no          |
/// | other types           | unsupported                                     | yes (*)     |
///
/// (*) `state_set` makes the field a [`Role::State`] whatever its type looks like; the
/// where-clause `Type: ObservedState` checks it.
fn check_kind(cx: &Ctxt, field: &Field<'_>) {
    let Some(kind) = &field.attrs.kind else {
        return;
    };
    match field.role {
        Role::Value(Value::Bool) if kind.value != Kind::Gauge => cx.error_spanned_by(
            &kind.key,
            format_args!(
                "a `bool` field cannot be a `{}`: it is observed as 1 or 0, which is a gauge",
                kind.value.symbol()
            ),
        ),
        Role::Instrument(instrument) => cx.error_spanned_by(
            &kind.key,
            format_args!(
                "`{}` does not apply to a `{}` field: its type decides the instrument kind",
                kind.value.symbol(),
                instrument.type_name()
            ),
        ),
        _ => {}
    }
}

/// A state set's points are 1 or 0 per state: no unit. (`buckets` is `check_buckets`'.)
fn check_state_set(cx: &Ctxt, field: &Field<'_>) {
    if field.role != Role::State {
        return;
    }
    if let Some(unit) = &field.attrs.unit {
        cx.error_spanned_by(
            &unit.key,
            format_args!(
                "`{UNIT}` does not apply to a `{STATE_SET}` field: its points are 1 for the \
                 current state and 0 for the others"
            ),
        );
    }
}

/// `buckets` only on a `BoundHistogram` or `HistogramFamily`; bounds finite and strictly increasing.
fn check_buckets(cx: &Ctxt, field: &Field<'_>) {
    let Some(buckets) = &field.attrs.buckets else {
        return;
    };
    match field.role {
        Role::Instrument(instrument) if instrument.has_buckets() => {}
        Role::Value(_) | Role::State | Role::Instrument(_) => {
            cx.error_spanned_by(
                &buckets.key,
                "`buckets` only applies to `BoundHistogram` and `HistogramFamily` fields",
            );
            return;
        }
        // Reported by check_flatten / check_attribute / check_type.
        Role::Flatten | Role::Attribute | Role::Unsupported => return,
    }
    let mut previous: Option<&Bound> = None;
    for bound in &buckets.value {
        if !bound.value.is_finite() {
            cx.error_spanned_by(
                &bound.tokens,
                format_args!(
                    "histogram bucket bound `{}` is not finite (the `+Inf` bucket is implicit)",
                    written(bound)
                ),
            );
            continue;
        }
        if let Some(previous) = previous {
            if bound.value <= previous.value {
                cx.error_spanned_by(
                    &bound.tokens,
                    format_args!(
                        "histogram buckets must be strictly increasing: `{}` follows `{}`",
                        written(bound),
                        written(previous)
                    ),
                );
            }
        }
        previous = Some(bound);
    }
}

/// A bound as the user wrote it: `-0.5`, not the token stream's `- 0.5`.
fn written(bound: &Bound) -> String {
    bound.tokens.to_string().replace(' ', "")
}

/// A unit is at most 63 printable ASCII characters, without spaces (`By`, `ms`, `{request}`).
fn check_unit(cx: &Ctxt, field: &Field<'_>) {
    let Some(unit) = &field.attrs.unit else {
        return;
    };
    let value = unit.value.value();
    if value.len() > MAX_UNIT_LEN || !value.chars().all(|c| c.is_ascii_graphic()) {
        cx.error_spanned_by(
            &unit.value,
            format_args!(
                "invalid unit `{value}`: a unit is at most {MAX_UNIT_LEN} printable ASCII \
                 characters, without spaces"
            ),
        );
    }
}

/// Each metric name follows the OpenTelemetry grammar `[A-Za-z][A-Za-z0-9_.\-/]{0,254}`.
fn check_name(cx: &Ctxt, cont: &Container<'_>, field: &Field<'_>, prefix_ok: bool) {
    if !has_metric_name(field) {
        return;
    }
    let name = field.name(&cont.prefix());
    let Err(reason) = validate_name(&name) else {
        return;
    };
    match &field.attrs.name {
        Some(explicit) => cx.error_spanned_by(
            &explicit.value,
            format_args!("invalid metric name `{name}`: {reason}"),
        ),
        // The prefix was already reported.
        None if !prefix_ok => {}
        None => cx.error_spanned_by(
            field.ident,
            format_args!(
                "invalid metric name `{name}`: {reason}; set one with `#[metric(name = \"...\")]`"
            ),
        ),
    }
}

/// Two fields of one struct cannot export the same metric, nor set the same attribute key.
/// Every field involved is pointed at. (Names inside flattened types are checked at
/// registration: they are not known here.)
fn check_unique_names(cx: &Ctxt, cont: &Container<'_>) {
    let prefix = cont.prefix();
    let mut metrics: BTreeMap<String, Vec<&Field<'_>>> = BTreeMap::new();
    let mut attributes: BTreeMap<String, Vec<&Field<'_>>> = BTreeMap::new();
    for field in &cont.fields {
        let map = match field.role {
            Role::Attribute => &mut attributes,
            _ if has_metric_name(field) => &mut metrics,
            _ => continue,
        };
        map.entry(field.name(&prefix)).or_default().push(field);
    }
    for (what, map) in [("metric name", metrics), ("attribute key", attributes)] {
        for (name, fields) in map.into_iter().filter(|(_, fields)| fields.len() > 1) {
            let list = fields
                .iter()
                .map(|f| format!("`{}`", f.field_name()))
                .collect::<Vec<_>>()
                .join(", ");
            for field in fields {
                let span = match &field.attrs.name {
                    Some(explicit) => explicit.value.to_token_stream(),
                    None => field.ident.to_token_stream(),
                };
                cx.error_spanned_by(
                    span,
                    format_args!("duplicate {what} `{name}`, used by fields {list}"),
                );
            }
        }
    }
}

/// Value, state-set and instrument fields export a metric under a name; flatten and
/// attribute fields do not.
fn has_metric_name(field: &Field<'_>) -> bool {
    matches!(
        field.role,
        Role::Value(_) | Role::State | Role::Instrument(_)
    )
}

/// The OpenTelemetry instrument name grammar; `Err` carries the reason.
fn validate_name(name: &str) -> Result<(), &'static str> {
    let mut chars = name.chars();
    match chars.next() {
        None => Err("the name is empty"),
        Some(first) if !first.is_ascii_alphabetic() => {
            Err("the first character must be an ASCII letter")
        }
        Some(_) if name.len() > MAX_NAME_LEN => Err("the name is longer than 255 characters"),
        Some(_)
            if !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')) =>
        {
            Err("only ASCII letters, digits, '_', '.', '-' and '/' are allowed")
        }
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::validate_name;

    #[test]
    fn names() {
        for ok in ["a", "charge_state_level", "a.b-c/d_1", &"x".repeat(255)] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "_a", "1a", "a b", "ä", &"x".repeat(256)] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }
}
