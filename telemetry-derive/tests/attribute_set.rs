//! `#[derive(AttributeSet)]`: what the generated impl computes (cardinality, mixed-radix
//! index, attributes in field order), and a derived set as a family's key.

use telemetry_core::testing::TestProvider;
use telemetry_core::{AttributeSet, EnumLabel, KeyValue};

#[derive(EnumLabel, Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[label(rename_all = "lowercase")]
enum Zone {
    North,
    South,
    East,
}

#[derive(EnumLabel, Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Tier {
    Free,
    Paid,
}

/// Three fixed fields: 3 × 2 × 2 sets.
#[derive(AttributeSet, Clone, PartialEq, Eq, Hash, Debug)]
struct Fixed {
    zone: Zone,
    tier: Tier,
    #[attribute(rename = "cache.hit")]
    hit: bool,
}

/// A string among fixed fields: no fixed cardinality.
#[derive(AttributeSet, Clone, PartialEq, Eq, Hash, Debug)]
struct Open {
    zone: Zone,
    r#type: String,
    port: u16,
}

#[test]
fn cardinality_and_index() {
    assert_eq!(Fixed::CARDINALITY, Some(12));
    let mut indexes = Vec::new();
    for zone in [Zone::North, Zone::South, Zone::East] {
        for tier in [Tier::Free, Tier::Paid] {
            for hit in [false, true] {
                indexes.push(Fixed { zone, tier, hit }.index());
            }
        }
    }
    // Declaration order, first field most significant: the sets count 0, 1, 2, ...
    assert_eq!(indexes, (0..12).collect::<Vec<_>>());
    assert_eq!(Open::CARDINALITY, None);
}

#[test]
fn attributes_in_field_order_with_renames() {
    let set = Fixed {
        zone: Zone::East,
        tier: Tier::Paid,
        hit: true,
    };
    assert_eq!(
        set.attributes(),
        [
            KeyValue::new("zone", "east"),
            KeyValue::new("tier", "Paid"),
            KeyValue::new("cache.hit", true),
        ]
    );
    let open = Open {
        zone: Zone::North,
        r#type: "api".to_owned(),
        port: 443,
    };
    assert_eq!(
        open.attributes(),
        [
            KeyValue::new("zone", "north"),
            KeyValue::new("type", "api"),
            KeyValue::new("port", 443u16),
        ]
    );
}

#[test]
fn derived_sets_key_families() {
    let t = TestProvider::new();
    let meter = t.meter();
    let hits = meter.u64_counter("hits").build().unwrap().family::<Fixed>();
    let open = meter.i64_gauge("open").build().unwrap().family::<Open>();
    let set = Fixed {
        zone: Zone::South,
        tier: Tier::Free,
        hit: false,
    };
    hits.add(&set, 2);
    hits.add(&set, 3);
    let api = Open {
        zone: Zone::North,
        r#type: "api".to_owned(),
        port: 443,
    };
    open.record(&api, 7);
    let s = t.snapshot();
    s.assert_sum("hits", &set.attributes(), 5u64);
    s.assert_gauge("open", &api.attributes(), 7i64);
}
