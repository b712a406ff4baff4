//! Exact-output tests of the OpenMetrics encoder on hand-built collections.

use std::collections::BTreeSet;

use telemetry_core::{KeyValue, Metric, MetricData, ResourceMetrics};

use super::super::testdata::*;
use super::super::text;
use super::{encode, TextOptions, Warning};

fn render(metrics: &ResourceMetrics) -> String {
    render_with(metrics, &TextOptions::default())
}

fn render_with(metrics: &ResourceMetrics, options: &TextOptions) -> String {
    let mut out = String::new();
    let warnings = encode(metrics, options, &mut out);
    assert_eq!(warnings, [], "unexpected warnings for:\n{out}");
    out
}

fn render_warned(metrics: &ResourceMetrics) -> (String, Vec<Warning>) {
    let mut out = String::new();
    let warnings = encode(metrics, &TextOptions::default(), &mut out);
    (out, warnings)
}

fn one(metric: Metric) -> ResourceMetrics {
    collection(vec![scope("s", vec![metric])])
}

fn with_unit(name: &str, unit: &str, data: MetricData) -> Metric {
    Metric {
        unit: unit.into(),
        ..metric(name, "x", data)
    }
}

#[test]
fn empty_collection_is_only_eof() {
    assert_eq!(render(&ResourceMetrics::default()), "# EOF\n");
}

#[test]
fn counter_family_has_no_total_and_samples_have_total_and_created() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric(
                "requests",
                "Requests served",
                counter(vec![
                    started(point(3u64, &[KeyValue::new("route", "/b")])),
                    started(point(1.5, &[KeyValue::new("route", "/a")])),
                ]),
            ),
            metric("errors_total", "", counter(vec![point(0u64, &[])])),
        ],
    )]);
    assert_eq!(
        render(&m),
        "# TYPE errors counter\n\
         errors_total 0\n\
         errors_created 0.0\n\
         # TYPE requests counter\n\
         # HELP requests Requests served\n\
         requests_total{route=\"/b\"} 3\n\
         requests_created{route=\"/b\"} 1520430000.123\n\
         requests_total{route=\"/a\"} 1.5\n\
         requests_created{route=\"/a\"} 1520430000.123\n\
         # EOF\n"
    );
}

#[test]
fn gauges_help_escaping_utf8_and_special_values() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric(
                "cabin.temperature",
                "Says \"hi\", a \\ and\na newline",
                gauge(vec![point(
                    -2.5,
                    &[
                        KeyValue::new("path", "C:\\dir\\\"x\"\nend"),
                        KeyValue::new("company", "会社検証用"),
                    ],
                )]),
            ),
            metric(
                "readings",
                "r",
                gauge(vec![
                    point(f64::NAN, &[KeyValue::new("v", "nan")]),
                    point(f64::INFINITY, &[KeyValue::new("v", "inf")]),
                    point(f64::NEG_INFINITY, &[KeyValue::new("v", "minf")]),
                    point(i64::MIN, &[KeyValue::new("v", "min")]),
                    point(u64::MAX, &[KeyValue::new("v", "max")]),
                    point(1e-7, &[]),
                ]),
            ),
        ],
    )]);
    assert_eq!(
        render(&m),
        "# TYPE cabin_temperature gauge\n\
         # HELP cabin_temperature Says \\\"hi\\\", a \\\\ and\\na newline\n\
         cabin_temperature{company=\"会社検証用\",path=\"C:\\\\dir\\\\\\\"x\\\"\\nend\"} -2.5\n\
         # TYPE readings gauge\n\
         # HELP readings r\n\
         readings{v=\"nan\"} NaN\n\
         readings{v=\"inf\"} +Inf\n\
         readings{v=\"minf\"} -Inf\n\
         readings{v=\"min\"} -9223372036854775808\n\
         readings{v=\"max\"} 18446744073709551615\n\
         readings 1e-07\n\
         # EOF\n"
    );
}

#[test]
fn unit_only_when_it_is_a_suffix_of_the_family_name() {
    let m = collection(vec![scope(
        "s",
        vec![
            with_unit("battery.level", "%", gauge(vec![point(80i64, &[])])),
            with_unit("latency_seconds", "s", gauge(vec![point(1u64, &[])])),
            with_unit("sent", "By", counter(vec![point(5u64, &[])])),
            with_unit("power", "kW", gauge(vec![point(2u64, &[])])),
        ],
    )]);
    let off = render(&m);
    assert!(!off.contains("# UNIT battery_level"), "{off}");
    assert!(
        off.contains("# TYPE latency_seconds gauge\n# UNIT latency_seconds seconds\n"),
        "{off}"
    );
    assert!(
        off.contains("# TYPE sent counter\n# HELP sent x\nsent_total 5\n"),
        "{off}"
    );
    assert!(!off.contains("# UNIT power"), "{off}");

    let on = render_with(&m, &TextOptions::default().with_unit_suffixes(true));
    assert!(
        on.contains("# TYPE battery_level_percent gauge\n# UNIT battery_level_percent percent\n"),
        "{on}"
    );
    assert!(
        on.contains("# TYPE sent_bytes counter\n# UNIT sent_bytes bytes\n# HELP sent_bytes x\nsent_bytes_total 5\n"),
        "{on}"
    );
    assert!(!on.contains("# UNIT power"), "{on}");
}

#[test]
fn histogram_buckets_count_sum_created_and_canonical_le() {
    let m = one(with_unit(
        "latency_seconds",
        "s",
        histogram(vec![
            started_hist(hist(
                &[0.005, 1.0, 1e6],
                &[1, 2, 0, 3],
                123.25,
                &[KeyValue::new("route", "/a")],
            )),
            hist(&[], &[0], 0.0, &[KeyValue::new("le", "user")]),
        ]),
    ));
    assert_eq!(
        render(&m),
        "# TYPE latency_seconds histogram\n\
         # UNIT latency_seconds seconds\n\
         # HELP latency_seconds x\n\
         latency_seconds_bucket{route=\"/a\",le=\"0.005\"} 1\n\
         latency_seconds_bucket{route=\"/a\",le=\"1.0\"} 3\n\
         latency_seconds_bucket{route=\"/a\",le=\"1e+06\"} 3\n\
         latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 6\n\
         latency_seconds_count{route=\"/a\"} 6\n\
         latency_seconds_sum{route=\"/a\"} 123.25\n\
         latency_seconds_created{route=\"/a\"} 1520430000.123\n\
         latency_seconds_bucket{exported_le=\"user\",le=\"+Inf\"} 0\n\
         latency_seconds_count{exported_le=\"user\"} 0\n\
         latency_seconds_sum{exported_le=\"user\"} 0.0\n\
         latency_seconds_created{exported_le=\"user\"} 0.0\n\
         # EOF\n"
    );
}

#[test]
fn inf_bucket_always_equals_count() {
    // A point whose count disagrees with its buckets (the data model promises it does not):
    // the output still agrees with itself.
    let mut point = hist(&[1.0], &[2, 1], 4.0, &[]);
    point.count = 99;
    let out = render(&one(metric("h", "x", histogram(vec![point]))));
    assert!(
        out.contains("h_bucket{le=\"+Inf\"} 3\nh_count 3\n"),
        "{out}"
    );
}

#[test]
fn histogram_sum_is_left_out_where_openmetrics_forbids_it() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric(
                "negative_buckets",
                "x",
                histogram(vec![hist(&[-1.0, 1.0], &[1, 1, 0], -0.5, &[])]),
            ),
            metric(
                "negative_sum",
                "x",
                histogram(vec![hist(&[1.0], &[1, 0], -3.0, &[])]),
            ),
            metric(
                "nan_sum",
                "x",
                histogram(vec![hist(&[1.0], &[1, 0], f64::NAN, &[])]),
            ),
        ],
    )]);
    let (out, warnings) = render_warned(&m);
    assert_eq!(
        out,
        "# TYPE nan_sum histogram\n# HELP nan_sum x\n\
         nan_sum_bucket{le=\"1.0\"} 1\nnan_sum_bucket{le=\"+Inf\"} 1\nnan_sum_created 0.0\n\
         # TYPE negative_buckets histogram\n# HELP negative_buckets x\n\
         negative_buckets_bucket{le=\"-1.0\"} 1\nnegative_buckets_bucket{le=\"1.0\"} 2\n\
         negative_buckets_bucket{le=\"+Inf\"} 2\nnegative_buckets_created 0.0\n\
         # TYPE negative_sum histogram\n# HELP negative_sum x\n\
         negative_sum_bucket{le=\"1.0\"} 1\nnegative_sum_bucket{le=\"+Inf\"} 1\n\
         negative_sum_created 0.0\n\
         # EOF\n"
    );
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings
        .iter()
        .all(|w| matches!(w, Warning::ValueLeftOut { labels, .. } if labels == "{}")));
}

#[test]
fn gauge_histogram_has_gcount_and_gsum_and_no_created() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric(
                "queue.age",
                "Age of waiting jobs",
                gauge_histogram(vec![started_hist(hist(
                    &[1.0, 10.0],
                    &[3, 0, 1],
                    42.5,
                    &[KeyValue::new("queue", "a")],
                ))]),
            ),
            metric(
                "temperatures",
                "x",
                gauge_histogram(vec![
                    hist(
                        &[-10.0, 0.0],
                        &[1, 0, 0],
                        -12.0,
                        &[KeyValue::new("k", "ok")],
                    ),
                    hist(&[0.0], &[1, 0], -1.0, &[KeyValue::new("k", "bad")]),
                ]),
            ),
        ],
    )]);
    let (out, warnings) = render_warned(&m);
    assert_eq!(
        out,
        "# TYPE queue_age gaugehistogram\n\
         # HELP queue_age Age of waiting jobs\n\
         queue_age_bucket{queue=\"a\",le=\"1.0\"} 3\n\
         queue_age_bucket{queue=\"a\",le=\"10.0\"} 3\n\
         queue_age_bucket{queue=\"a\",le=\"+Inf\"} 4\n\
         queue_age_gcount{queue=\"a\"} 4\n\
         queue_age_gsum{queue=\"a\"} 42.5\n\
         # TYPE temperatures gaugehistogram\n\
         # HELP temperatures x\n\
         temperatures_bucket{k=\"ok\",le=\"-10.0\"} 1\n\
         temperatures_bucket{k=\"ok\",le=\"0.0\"} 1\n\
         temperatures_bucket{k=\"ok\",le=\"+Inf\"} 1\n\
         temperatures_gcount{k=\"ok\"} 1\n\
         temperatures_gsum{k=\"ok\"} -12.0\n\
         temperatures_bucket{k=\"bad\",le=\"0.0\"} 1\n\
         temperatures_bucket{k=\"bad\",le=\"+Inf\"} 1\n\
         # EOF\n"
    );
    assert!(
        matches!(&warnings[..], [Warning::ValueLeftOut { family, labels, .. }]
            if family == "temperatures" && labels == "{k=\"bad\"}"),
        "{warnings:?}"
    );
}

#[test]
fn summary_with_and_without_quantiles() {
    let m = one(metric(
        "rpc.duration",
        "RPC latency",
        summary(vec![
            summary_point(
                10,
                2.5,
                &[(0.5, 0.1), (0.99, 0.9), (1.0, f64::NAN)],
                &[KeyValue::new("method", "get")],
            ),
            summary_point(0, 0.0, &[], &[KeyValue::new("quantile", "mine")]),
        ]),
    ));
    assert_eq!(
        render(&m),
        "# TYPE rpc_duration summary\n\
         # HELP rpc_duration RPC latency\n\
         rpc_duration{method=\"get\",quantile=\"0.5\"} 0.1\n\
         rpc_duration{method=\"get\",quantile=\"0.99\"} 0.9\n\
         rpc_duration{method=\"get\",quantile=\"1.0\"} NaN\n\
         rpc_duration_count{method=\"get\"} 10\n\
         rpc_duration_sum{method=\"get\"} 2.5\n\
         rpc_duration_created{method=\"get\"} 1520430000.123\n\
         rpc_duration_count{exported_quantile=\"mine\"} 0\n\
         rpc_duration_sum{exported_quantile=\"mine\"} 0.0\n\
         rpc_duration_created{exported_quantile=\"mine\"} 1520430000.123\n\
         # EOF\n"
    );
}

#[test]
fn summary_values_openmetrics_forbids_are_left_out() {
    let m = one(metric(
        "s",
        "x",
        summary(vec![summary_point(
            1,
            -1.0,
            &[(1.5, 1.0), (0.5, -1.0), (0.9, 2.0)],
            &[],
        )]),
    ));
    let (out, warnings) = render_warned(&m);
    assert_eq!(
        out,
        "# TYPE s summary\n# HELP s x\n\
         s{quantile=\"0.9\"} 2.0\ns_count 1\ns_created 1520430000.123\n# EOF\n"
    );
    assert_eq!(warnings.len(), 3, "{warnings:?}");
}

#[test]
fn info_gets_one_info_suffix() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric(
                "build",
                "Build information",
                info(vec![point(
                    1u64,
                    &[
                        KeyValue::new("version", "1.2.3"),
                        KeyValue::new("buildhost", "foo@bar"),
                    ],
                )]),
            ),
            metric(
                "my.build_info",
                "",
                info(vec![point(1u64, &[KeyValue::new("v", "1")])]),
            ),
        ],
    )]);
    assert_eq!(
        render(&m),
        "# TYPE build info\n\
         # HELP build Build information\n\
         build_info{buildhost=\"foo@bar\",version=\"1.2.3\"} 1\n\
         # TYPE my_build info\n\
         my_build_info{v=\"1\"} 1\n\
         # EOF\n"
    );
}

#[test]
fn state_set_one_sample_per_state_grouped_by_series() {
    // `zone` sorts after the state label `charging_state`: the series must still be grouped
    // by their own labels (a parser rejects a group that comes back later).
    let mut points = state_set(
        "charging.state",
        &["charging", "complete", "disconnected"],
        "charging",
        &[KeyValue::new("zone", "b")],
    );
    points.extend(state_set(
        "charging.state",
        &["charging", "complete", "disconnected"],
        "complete",
        &[KeyValue::new("zone", "a\"1")],
    ));
    let m = one(metric("charging.state", "Charging state", states(points)));
    assert_eq!(
        render(&m),
        "# TYPE charging_state stateset\n\
         # HELP charging_state Charging state\n\
         charging_state{zone=\"b\",charging_state=\"charging\"} 1\n\
         charging_state{zone=\"b\",charging_state=\"complete\"} 0\n\
         charging_state{zone=\"b\",charging_state=\"disconnected\"} 0\n\
         charging_state{zone=\"a\\\"1\",charging_state=\"charging\"} 0\n\
         charging_state{zone=\"a\\\"1\",charging_state=\"complete\"} 1\n\
         charging_state{zone=\"a\\\"1\",charging_state=\"disconnected\"} 0\n\
         # EOF\n"
    );
}

#[test]
fn state_set_point_without_its_state_is_reported() {
    let mut points = state_set("mode", &["on", "off"], "on", &[]);
    points.push(point(1u64, &[KeyValue::new("other", "x")]));
    points.push(point(0u64, &[KeyValue::new("mode", "off")]));
    let (out, warnings) = render_warned(&one(metric("mode", "x", states(points))));
    assert_eq!(
        out,
        "# TYPE mode stateset\n# HELP mode x\nmode{mode=\"off\"} 0\nmode{mode=\"on\"} 1\n# EOF\n"
    );
    assert_eq!(
        warnings,
        [
            Warning::DuplicateSeries {
                family: "mode".into(),
                labels: "{mode=\"off\"}".into(),
            },
            Warning::ValueLeftOut {
                family: "mode".into(),
                labels: "{other=\"x\"}".into(),
                reason: "a state set point without its state attribute",
            },
        ]
    );
}

#[test]
fn resource_is_the_target_info() {
    let m = with_resource(
        one(metric("g", "x", gauge(vec![point(1u64, &[])]))),
        &[KeyValue::new("service.name", "ev-observer")],
    );
    assert_eq!(
        render(&m),
        "# TYPE g gauge\n# HELP g x\ng 1\n\
         # TYPE target info\n# HELP target Target metadata\n\
         target_info{service_name=\"ev-observer\"} 1\n\
         # EOF\n"
    );
}

#[test]
fn invalid_counter_values_are_left_out() {
    let m = one(metric(
        "c",
        "x",
        counter(vec![
            point(f64::NAN, &[KeyValue::new("k", "nan")]),
            point(-1i64, &[KeyValue::new("k", "neg")]),
            point(f64::INFINITY, &[KeyValue::new("k", "inf")]),
        ]),
    ));
    let (out, warnings) = render_warned(&m);
    assert_eq!(
        out,
        "# TYPE c counter\n# HELP c x\nc_total{k=\"inf\"} +Inf\nc_created{k=\"inf\"} 0.0\n# EOF\n"
    );
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

#[test]
fn names_that_would_be_read_as_another_familys_samples_are_left_out() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric("jobs", "x", counter(vec![point(1u64, &[])])),
            metric("jobs_total", "x", gauge(vec![point(2u64, &[])])),
            metric("jobs_created", "x", gauge(vec![point(3u64, &[])])),
            metric("build", "x", info(vec![point(1u64, &[])])),
            metric("build_info", "x", gauge(vec![point(1u64, &[])])),
            metric("h", "x", histogram(vec![hist(&[], &[1], 1.0, &[])])),
            metric("h_count", "x", gauge(vec![point(1u64, &[])])),
            metric("h_counts", "x", gauge(vec![point(1u64, &[])])),
        ],
    )]);
    let (out, warnings) = render_warned(&m);
    let types: Vec<&str> = out.lines().filter(|l| l.starts_with("# TYPE")).collect();
    assert_eq!(
        types,
        [
            "# TYPE build info",
            "# TYPE h histogram",
            "# TYPE h_counts gauge",
            "# TYPE jobs counter",
        ]
    );
    let clash = |family: &str, with: &str| Warning::NameClash {
        family: family.into(),
        clashes_with: with.into(),
    };
    assert_eq!(
        warnings,
        [
            clash("build_info", "build"),
            clash("h_count", "h"),
            clash("jobs_created", "jobs"),
            clash("jobs_total", "jobs"),
        ]
    );
    // The same families are left out of text 0.0.4, where the gauge `jobs_total` would be
    // a second type for the counter's family name.
    let mut text = String::new();
    let text_warnings = text::encode(&m, &TextOptions::default(), &mut text);
    assert!(text_warnings.contains(&Warning::TypeConflict {
        family: "jobs_total".into(),
        kept: "counter",
        dropped: "gauge",
        metric: "jobs_total".into(),
    }));
    assert_eq!(text_warnings.len(), 4, "{text_warnings:?}");
}

#[test]
fn a_counter_and_a_gauge_of_one_base_name_conflict_in_both_formats() {
    let m = collection(vec![
        scope(
            "a",
            vec![metric("jobs", "x", counter(vec![point(1u64, &[])]))],
        ),
        scope(
            "b",
            vec![metric("jobs", "x", gauge(vec![point(2u64, &[])]))],
        ),
    ]);
    let (out, warnings) = render_warned(&m);
    assert_eq!(
        out,
        "# TYPE jobs counter\n# HELP jobs x\njobs_total 1\njobs_created 0.0\n# EOF\n"
    );
    assert_eq!(
        warnings,
        [Warning::TypeConflict {
            family: "jobs".into(),
            kept: "counter",
            dropped: "gauge",
            metric: "jobs".into(),
        }]
    );
    let mut text = String::new();
    let text_warnings = text::encode(&m, &TextOptions::default(), &mut text);
    assert_eq!(
        text_warnings,
        [Warning::NameClash {
            family: "jobs".into(),
            clashes_with: "jobs_total".into(),
        }]
    );
}

/// Every kind, labelled, with the edge cases above that are valid in both formats.
fn every_kind() -> ResourceMetrics {
    let tricky = [
        KeyValue::new("path", "C:\\temp\\\"q\"\nx"),
        KeyValue::new("company", "会社検証用"),
    ];
    with_resource(
        collection(vec![scope(
            "s",
            vec![
                metric("c", "counter", counter(vec![started(point(3u64, &tricky))])),
                metric(
                    "g.dotted",
                    "gauge",
                    gauge(vec![point(f64::NAN, &[]), point(1i64, &tricky)]),
                ),
                metric(
                    "h",
                    "histogram",
                    histogram(vec![hist(&[0.1, 1.0], &[1, 2, 3], 9.5, &tricky)]),
                ),
                metric(
                    "gh",
                    "gauge histogram",
                    gauge_histogram(vec![hist(&[1.0], &[1, 1], 3.0, &[])]),
                ),
                metric(
                    "sm",
                    "summary",
                    summary(vec![summary_point(2, 1.0, &[(0.5, 0.4)], &tricky)]),
                ),
                metric("i", "info", info(vec![point(1u64, &tricky)])),
                metric(
                    "st",
                    "state set",
                    states(state_set("st", &["a", "b"], "b", &tricky)),
                ),
            ],
        )]),
        &[KeyValue::new("service.name", "svc")],
    )
}

/// The (name, label set) of every sample line.
fn samples(exposition: &str) -> BTreeSet<String> {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l[..l.rfind(' ').expect("a value")].to_owned())
        .collect()
}

#[test]
fn both_formats_write_the_same_series() {
    let m = every_kind();
    let om = render(&m);
    let mut text = String::new();
    assert_eq!(text::encode(&m, &TextOptions::default(), &mut text), []);
    let om_samples: BTreeSet<String> = samples(&om)
        .into_iter()
        .filter(|s| !s.contains("_created"))
        .collect();
    assert_eq!(
        om_samples,
        samples(&text),
        "OpenMetrics:\n{om}\ntext:\n{text}"
    );
    // And the OpenMetrics-only parts are there.
    assert!(om.contains("\nc_created{"), "{om}");
    assert!(om.contains("# TYPE gh gaugehistogram\n"), "{om}");
    assert!(om.contains("# TYPE st stateset\n"), "{om}");
    assert!(om.contains("# TYPE i info\n"), "{om}");
    assert!(om.ends_with("\n# EOF\n"));
}

#[test]
fn every_line_is_well_formed() {
    // A structural check of the grammar for every line (the Python parser and a real
    // Prometheus check the rest in the end-to-end tests).
    let om = render(&every_kind());
    let mut families = BTreeSet::new();
    let mut current = String::new();
    for line in om.lines() {
        if line == "# EOF" {
            continue;
        }
        if let Some(meta) = line.strip_prefix("# ") {
            let mut parts = meta.splitn(3, ' ');
            let keyword = parts.next().unwrap();
            let name = parts.next().unwrap();
            assert!(["TYPE", "HELP", "UNIT"].contains(&keyword), "{line}");
            assert!(
                !parts.next().unwrap_or_default().is_empty(),
                "empty metadata: {line}"
            );
            if keyword == "TYPE" {
                assert!(families.insert(name.to_owned()), "family twice: {name}");
                current = name.to_owned();
            }
            assert_eq!(name, current, "metadata of another family: {line}");
            continue;
        }
        assert!(
            line.starts_with(&current),
            "{line} outside family {current}"
        );
        assert!(!line.contains('\r'));
        let value = &line[line.rfind(' ').unwrap() + 1..];
        let valid = value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value);
        assert!(valid, "value {value:?} in {line}");
    }
    assert_eq!(om.matches("# EOF").count(), 1);
}
