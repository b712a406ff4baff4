//! What `#[derive(EnumLabel)]`, `#[metric(state_set)]`, `#[metric(info)]` and `BoundSummary`
//! fields export, read back through `telemetry_core::testing`.
#![deny(clippy::all, clippy::pedantic)]

use telemetry_core::testing::TestProvider;
use telemetry_core::{BoundSummary, EnumLabel, KeyValue, MetricCollector, MetricData};

#[derive(EnumLabel, Clone, Copy, Debug, PartialEq, Eq, Default)]
enum ChargingState {
    #[default]
    Disconnected,
    Charging,
    Complete,
}

#[test]
fn variant_names_as_written_and_index_in_declaration_order() {
    assert_eq!(
        ChargingState::VALUES,
        ["Disconnected", "Charging", "Complete"]
    );
    assert_eq!(ChargingState::Complete.index(), 2);
    assert_eq!(ChargingState::Charging.as_str(), "Charging");
}

/// The variants of serde's own `rename_all` test, one enum per rule.
macro_rules! rename_all {
    ($($rule:literal => $name:ident [$outcome:literal, $very_tasty:literal, $a:literal, $z42:literal],)*) => {$(
        #[derive(EnumLabel, Clone, Copy)]
        #[label(rename_all = $rule)]
        #[allow(dead_code, clippy::upper_case_acronyms)]
        enum $name {
            Outcome,
            VeryTasty,
            A,
            Z42,
        }
        assert_eq!($name::VALUES, [$outcome, $very_tasty, $a, $z42], "{}", $rule);
    )*};
}

#[test]
fn rename_all_follows_serde() {
    rename_all! {
        "lowercase" => Lower ["outcome", "verytasty", "a", "z42"],
        "UPPERCASE" => Upper ["OUTCOME", "VERYTASTY", "A", "Z42"],
        "PascalCase" => Pascal ["Outcome", "VeryTasty", "A", "Z42"],
        "camelCase" => Camel ["outcome", "veryTasty", "a", "z42"],
        "snake_case" => Snake ["outcome", "very_tasty", "a", "z42"],
        "SCREAMING_SNAKE_CASE" => ScreamingSnake ["OUTCOME", "VERY_TASTY", "A", "Z42"],
        "kebab-case" => Kebab ["outcome", "very-tasty", "a", "z42"],
        "SCREAMING-KEBAB-CASE" => ScreamingKebab ["OUTCOME", "VERY-TASTY", "A", "Z42"],
    }
}

#[derive(EnumLabel, Clone, Copy, Debug)]
#[label(rename_all = "snake_case")]
#[repr(u8)]
enum Door {
    WideOpen = 7,
    #[label(rename = "closed (locked)")]
    Locked = 1,
    Ajar = 4,
}

#[test]
fn rename_overrides_rename_all_and_discriminants_do_not_matter() {
    assert_eq!(Door::VALUES, ["wide_open", "closed (locked)", "ajar"]);
    let indices = [Door::WideOpen, Door::Locked, Door::Ajar].map(EnumLabel::index);
    assert_eq!(indices, [0, 1, 2]);
    assert_eq!(Door::Locked as u8, 1);
}

#[derive(MetricCollector, Default)]
#[metric(prefix = "car")]
struct Car {
    /// Charging state,
    ///   as reported.
    #[metric(state_set)]
    charging_state: ChargingState,
    /// Unknown until the car reports it.
    #[metric(state_set, name = "car_door")]
    door: Option<Door>,
    /// Request sizes.
    #[metric(unit = "By", description = "Sizes of requests")]
    request_size: BoundSummary<u64>,
    #[metric(attribute)]
    vin: &'static str,
}

#[test]
fn state_sets_export_one_series_per_state() {
    let t = TestProvider::new();
    let car = t
        .meter()
        .register(Car {
            vin: "5YJ3",
            ..Car::default()
        })
        .unwrap();
    let vin = [KeyValue::new("vin", "5YJ3")];

    let snapshot = t.snapshot();
    snapshot.assert_state("car_charging_state", &vin, "Disconnected");
    // `None`: no observation.
    snapshot.assert_absent("car_door");
    let state = snapshot.0.metric("car_charging_state").unwrap();
    assert_eq!(&*state.description, "Charging state, as reported.");
    assert_eq!(&*state.unit, "");
    match &state.data {
        MetricData::StateSet(g) => assert_eq!(g.points.len(), ChargingState::VALUES.len()),
        other => panic!("expected a state set, found {other:?}"),
    }

    car.update(|c| {
        c.charging_state = ChargingState::Complete;
        c.door = Some(Door::Locked);
    });
    let snapshot = t.snapshot();
    snapshot.assert_state("car_charging_state", &vin, "Complete");
    snapshot.assert_state("car_door", &vin, "closed (locked)");
}

#[test]
fn summary_fields_count_and_sum() {
    let t = TestProvider::new();
    let car = Car {
        vin: "5YJ3",
        ..Car::default()
    };
    // Recorded before registration: folded into the registered series.
    car.request_size.record(100);
    let car = t.meter().register(car).unwrap();
    car.read().request_size.record(20);
    car.read().request_size.record(3);

    let snapshot = t.snapshot();
    snapshot.assert_summary(
        "car_request_size",
        &[KeyValue::new("vin", "5YJ3")],
        3,
        123.0,
    );
    let size = snapshot.0.metric("car_request_size").unwrap();
    assert_eq!(&*size.unit, "By");
    assert_eq!(&*size.description, "Sizes of requests");
}

/// Build information of the observer.
#[derive(MetricCollector)]
#[metric(info, prefix = "ev_observer_build")]
struct BuildInfo {
    #[metric(attribute)]
    version: &'static str,
    #[metric(attribute)]
    revision: String,
    /// Not exported: no `#[metric]`.
    #[allow(dead_code)]
    built_by: String,
}

#[test]
fn an_info_struct_exports_its_attributes_with_value_1() {
    let t = TestProvider::new();
    let build = t
        .meter()
        .register(BuildInfo {
            version: "1.2.3",
            revision: "abc123".to_owned(),
            built_by: "ci".to_owned(),
        })
        .unwrap();
    let labels = [
        KeyValue::new("version", "1.2.3"),
        KeyValue::new("revision", "abc123"),
    ];
    let snapshot = t.snapshot();
    snapshot.assert_info("ev_observer_build", &labels);
    let info = snapshot.0.metric("ev_observer_build").unwrap();
    assert_eq!(&*info.description, "Build information of the observer.");
    assert_eq!(snapshot.metric_names(), ["ev_observer_build"]);

    // The labels follow the struct.
    build.update(|b| b.revision = "def456".to_owned());
    t.snapshot().assert_info(
        "ev_observer_build",
        &[
            KeyValue::new("version", "1.2.3"),
            KeyValue::new("revision", "def456"),
        ],
    );
}

/// Firmware of one charger.
#[derive(MetricCollector, Default)]
#[metric(info)]
struct Firmware {
    #[metric(attribute, name = "firmware")]
    version: String,
}

#[derive(MetricCollector, Default)]
struct Charger {
    #[metric]
    power: f64,
    #[metric(flatten)]
    firmware: Firmware,
    #[metric(attribute)]
    site: String,
}

#[test]
fn a_flattened_info_is_labelled_with_its_parents_attributes_too() {
    let t = TestProvider::new();
    let _charger = t
        .meter()
        .register(Charger {
            power: 7.4,
            firmware: Firmware {
                version: "2024.8".to_owned(),
            },
            site: "depot".to_owned(),
        })
        .unwrap();
    let snapshot = t.snapshot();
    snapshot.assert_info(
        "firmware",
        &[
            KeyValue::new("site", "depot"),
            KeyValue::new("firmware", "2024.8"),
        ],
    );
    snapshot.assert_gauge("charger_power", &[KeyValue::new("site", "depot")], 7.4);
}
