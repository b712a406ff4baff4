//! The per-field where-predicates name the fields' types; private ones in a public struct
//! must not trip `private_bounds` / `private_interfaces`.
#![deny(warnings, missing_docs)]

use telemetry_core::MetricCollector;

#[derive(MetricCollector)]
struct Private {
    #[metric]
    value: u64,
}

/// Public, with private field types.
#[derive(MetricCollector)]
pub struct Public {
    #[metric(flatten)]
    child: Private,
    #[metric]
    level: u8,
}

fn main() {
    let p = Public {
        child: Private { value: 1 },
        level: 2,
    };
    let _ = (p.child.value, p.level);
}
