//! The keywords of `#[metric(...)]`, `#[label(...)]` and `#[attribute(...)]`, one constant
//! each, so a keyword is spelled once.

use std::fmt::{self, Display};

use syn::{Ident, Path};

#[derive(Copy, Clone)]
pub(crate) struct Symbol(&'static str);

pub(crate) const METRIC: Symbol = Symbol("metric");
pub(crate) const LABEL: Symbol = Symbol("label");
/// `#[attribute(...)]` of `#[derive(AttributeSet)]` is matched by `ATTRIBUTE`; its errors name
/// it by the derive ("unknown AttributeSet attribute `skip`"), not "attribute attribute".
pub(crate) const ATTRIBUTE_SET: Symbol = Symbol("AttributeSet");
pub(crate) const DOC: Symbol = Symbol("doc");
pub(crate) const DEPRECATED: Symbol = Symbol("deprecated");

// Container keys (`crate` is also a `#[label]` key).
pub(crate) const PREFIX: Symbol = Symbol("prefix");
pub(crate) const CRATE: Symbol = Symbol("crate");
pub(crate) const INFO: Symbol = Symbol("info");

// Field keys.
pub(crate) const GAUGE: Symbol = Symbol("gauge");
pub(crate) const COUNTER: Symbol = Symbol("counter");
pub(crate) const UPDOWN_COUNTER: Symbol = Symbol("updown_counter");
pub(crate) const STATE_SET: Symbol = Symbol("state_set");
pub(crate) const UNIT: Symbol = Symbol("unit");
pub(crate) const DESCRIPTION: Symbol = Symbol("description");
pub(crate) const NAME: Symbol = Symbol("name");
pub(crate) const BUCKETS: Symbol = Symbol("buckets");
pub(crate) const FLATTEN: Symbol = Symbol("flatten");
pub(crate) const ATTRIBUTE: Symbol = Symbol("attribute");

// `#[label(...)]` keys: `rename_all` on the enum, `rename` on a variant.
pub(crate) const RENAME_ALL: Symbol = Symbol("rename_all");
pub(crate) const RENAME: Symbol = Symbol("rename");

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for &Ident {
    fn eq(&self, word: &Symbol) -> bool {
        *self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.0)
    }
}
