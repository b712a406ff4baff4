//! The collector runtime, driven by hand-written impls shaped like the derive's output.

use telemetry_core::__private::{
    AttributeValue, Binder, Describer, InstrumentField, Observer, ValueField, ValueKind,
};
use telemetry_core::testing::TestProvider;
use telemetry_core::{BoundCounter, BoundHistogram, Error, KeyValue, MetricCollector};

#[derive(Default)]
struct Child {
    level: Option<f64>,
    zone: &'static str,
    hits: BoundCounter<u64>,
}

impl MetricCollector for Child {
    fn describe(d: &mut Describer<'_>) {
        d.value::<Option<f64>>(ValueField {
            name: "child_level",
            kind: ValueKind::Gauge,
            unit: "%",
            description: "level",
        });
    }
    fn attributes(&self, out: &mut Vec<KeyValue>) {
        out.push(KeyValue::new("zone", self.zone.attribute_value()));
    }
    fn observe(&self, o: &mut Observer<'_>) {
        o.value(&self.level);
    }
    fn bind(&mut self, b: &mut Binder<'_>) -> Result<(), Error> {
        b.instrument(
            &mut self.hits,
            InstrumentField {
                name: "child_hits",
                unit: "",
                description: "hits",
                buckets: None,
            },
        )
    }
}

#[derive(Default)]
struct Parent {
    id: String,
    total: u64,
    up: bool,
    child: Child,
    latency: BoundHistogram<f64>,
}

impl MetricCollector for Parent {
    fn describe(d: &mut Describer<'_>) {
        d.value::<u64>(ValueField {
            name: "parent_total",
            kind: ValueKind::Counter,
            unit: "",
            description: "total",
        });
        d.flatten::<Child>();
        d.value::<bool>(ValueField {
            name: "parent_up",
            kind: ValueKind::Gauge,
            unit: "",
            description: "up",
        });
    }
    fn attributes(&self, out: &mut Vec<KeyValue>) {
        out.push(KeyValue::new("id", self.id.attribute_value()));
    }
    fn observe(&self, o: &mut Observer<'_>) {
        o.value(&self.total);
        o.flatten(&self.child);
        o.value(&self.up);
    }
    fn bind(&mut self, b: &mut Binder<'_>) -> Result<(), Error> {
        b.instrument(
            &mut self.latency,
            InstrumentField {
                name: "parent_latency",
                unit: "s",
                description: "latency",
                buckets: Some(&[0.1, 1.0]),
            },
        )?;
        b.flatten(&mut self.child)
    }
}

#[test]
fn fields_attributes_flatten_and_none() {
    let t = TestProvider::new();
    let parent = Parent {
        id: "p1".into(),
        total: 3,
        up: true,
        child: Child {
            level: None,
            zone: "eu",
            ..Default::default()
        },
        ..Default::default()
    };
    parent.child.hits.add(2); // recorded while detached: kept at registration
    let handle = t.meter().register(parent).unwrap();
    let p = [KeyValue::new("id", "p1")];
    let pc = [KeyValue::new("id", "p1"), KeyValue::new("zone", "eu")];

    let s = t.snapshot();
    s.assert_sum("parent_total", &p, 3u64);
    s.assert_gauge("parent_up", &p, 1i64);
    s.assert_absent("child_level"); // None: no observation, not zero
    s.assert_sum("child_hits", &pc, 2u64);

    handle.update(|p| {
        p.child.level = Some(42.5);
        p.total = 5;
    });
    handle.read().child.hits.add(1);
    handle.read().latency.record(0.5);
    let s = t.snapshot();
    s.assert_gauge("child_level", &pc, 42.5);
    s.assert_sum("parent_total", &p, 5u64);
    s.assert_sum("child_hits", &pc, 3u64);
    s.assert_histogram("parent_latency", &p, &[0, 1, 0], 0.5);

    // Replacing the struct re-binds its instrument fields to the same series.
    handle
        .replace(Parent {
            id: "p1".into(),
            total: 6,
            ..Default::default()
        })
        .unwrap();
    handle.read().latency.record(0.05);
    let s = t.snapshot();
    s.assert_histogram("parent_latency", &p, &[1, 1, 0], 0.55);
    s.assert_sum("parent_total", &p, 6u64);

    // Dropping the handle unregisters the struct.
    drop(handle);
    let s = t.snapshot();
    s.assert_absent("parent_total");
}

#[test]
fn detached_histogram_with_other_buckets_is_an_error() {
    let t = TestProvider::new();
    let parent = Parent::default();
    parent.latency.record(3.0); // default buckets while detached
    let err = t.meter().register(parent).unwrap_err();
    assert!(matches!(err, Error::InvalidBuckets { .. }), "{err}");
}

#[test]
fn two_collectors_with_different_attributes_share_instruments() {
    let t = TestProvider::new();
    let a = t
        .meter()
        .register(Parent {
            id: "a".into(),
            total: 1,
            ..Default::default()
        })
        .unwrap();
    let b = t
        .meter()
        .register(Parent {
            id: "b".into(),
            total: 2,
            ..Default::default()
        })
        .unwrap();
    let s = t.snapshot();
    s.assert_sum("parent_total", &[KeyValue::new("id", "a")], 1u64);
    s.assert_sum("parent_total", &[KeyValue::new("id", "b")], 2u64);
    drop((a, b));
}
