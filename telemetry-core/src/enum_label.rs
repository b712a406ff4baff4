//! Fieldless enums as label values and states.

/// A fieldless enum whose variants are a fixed set of strings: the states of a
/// [`StateSet`](crate::StateSet) (`#[metric(state_set)]` fields of a derived collector) or
/// a label value of fixed cardinality. With the `derive` feature, `#[derive(EnumLabel)]`
/// implements it; each variant's string is its name, or `#[label(rename = "…")]`.
///
/// ```
/// use telemetry_core::EnumLabel;
///
/// #[derive(Clone, Copy)]
/// enum Door { Open, Closed }
///
/// impl EnumLabel for Door {
///     const VALUES: &'static [&'static str] = &["open", "closed"];
///     fn index(self) -> usize {
///         self as usize
///     }
/// }
///
/// assert_eq!(Door::Closed.as_str(), "closed");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `EnumLabel`",
    label = "not an `EnumLabel` enum",
    note = "derive it on an enum without fields: `#[derive(Clone, Copy, EnumLabel)]`"
)]
pub trait EnumLabel: Copy + Send + Sync + 'static {
    /// Every variant's string, in declaration order.
    const VALUES: &'static [&'static str];

    /// This variant's position in [`VALUES`](Self::VALUES).
    fn index(self) -> usize;

    /// This variant's string.
    #[must_use]
    fn as_str(self) -> &'static str {
        Self::VALUES[self.index()]
    }
}
