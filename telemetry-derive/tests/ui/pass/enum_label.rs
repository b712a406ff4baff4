//! `#[derive(EnumLabel)]` on the enum shapes it accepts, under strict lints.
#![deny(warnings, missing_docs, unused_qualifications)]

use telemetry_core::EnumLabel;

/// Names as written; a raw identifier loses its `r#`.
#[derive(EnumLabel, Clone, Copy)]
pub enum Plain {
    /// Idle.
    Idle,
    /// Charging.
    InProgress,
    /// A keyword.
    r#Type,
}

/// Explicit discriminants, out of order: `index` is the declaration order.
#[derive(EnumLabel, Clone, Copy)]
#[repr(u8)]
pub enum Sparse {
    /// 10.
    A = 10,
    /// 3.
    B = 3,
    /// 200.
    C = 200,
}

/// Deprecated variants are named by the impl without a warning.
#[derive(EnumLabel, Clone, Copy)]
pub enum Old {
    /// Current.
    New,
    /// Gone soon.
    #[deprecated]
    Legacy,
}

/// A deprecated enum.
#[deprecated]
#[derive(EnumLabel, Clone, Copy)]
pub enum Obsolete {
    /// Only.
    Only,
}

/// `rename_all` and `rename` together, attributes split over several `#[label]`s.
#[derive(EnumLabel, Clone, Copy)]
#[label(rename_all = "kebab-case")]
#[label()]
pub enum Charging {
    /// `in-progress`.
    InProgress,
    /// `done`.
    #[label(rename = "done")]
    #[doc(alias = "finished")]
    Complete,
    /// Any UTF-8 is a label value.
    #[label(rename = "débranché ⚡")]
    Unplugged,
}

/// Not exported: private enums work too.
#[derive(EnumLabel, Clone, Copy)]
enum Private {
    One,
}

/// A const parameter (the only kind a fieldless enum can have).
#[derive(EnumLabel, Clone, Copy)]
pub enum Tagged<const N: usize> {
    /// A.
    A,
}

/// Through a re-export.
pub mod sdk {
    pub use telemetry_core as metrics;
}

/// Reached through `crate::sdk::metrics`.
#[derive(sdk::metrics::EnumLabel, Clone, Copy)]
#[label(crate = "crate::sdk::metrics")]
pub enum Reexported {
    /// A.
    A,
}

#[allow(deprecated)]
fn main() {
    assert_eq!(Plain::VALUES, ["Idle", "InProgress", "Type"]);
    assert_eq!(Plain::r#Type.as_str(), "Type");
    assert_eq!(
        [Sparse::A.index(), Sparse::B.index(), Sparse::C.index()],
        [0, 1, 2]
    );
    assert_eq!(Old::Legacy.as_str(), "Legacy");
    assert_eq!(Obsolete::Only.as_str(), "Only");
    assert_eq!(Charging::VALUES, ["in-progress", "done", "débranché ⚡"]);
    assert_eq!(Private::One.as_str(), "One");
    assert_eq!(Tagged::<3>::A.as_str(), "A");
    assert_eq!(Reexported::A.index(), 0);
}
