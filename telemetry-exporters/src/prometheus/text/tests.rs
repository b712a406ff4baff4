//! Exact-output tests of the encoder on hand-built collections.

use telemetry_core::{
    KeyValue, Metric, MetricData, Resource, ResourceMetrics, SumData, Temporality,
};

use super::super::testdata::*;
use super::{encode, to_string, TextOptions, Warning};

fn render(metrics: &ResourceMetrics) -> String {
    render_with(metrics, &TextOptions::default())
}

fn render_with(metrics: &ResourceMetrics, options: &TextOptions) -> String {
    let mut out = String::new();
    let warnings = encode(metrics, options, &mut out);
    assert_eq!(warnings, [], "unexpected warnings for:\n{out}");
    out
}

#[test]
fn counter_gets_total_suffix_help_and_type() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric(
                "requests",
                "Requests served",
                counter(vec![point(3u64, &[])]),
            ),
            metric("errors_total", "Errors", counter(vec![point(1u64, &[])])),
        ],
    )]);
    assert_eq!(
        render(&m),
        "# HELP errors_total Errors\n\
         # TYPE errors_total counter\n\
         errors_total 1\n\
         # HELP requests_total Requests served\n\
         # TYPE requests_total counter\n\
         requests_total 3\n"
    );
}

#[test]
fn non_monotonic_sums_and_gauges_are_gauges() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric(
                "queue.depth",
                "Jobs waiting",
                up_down(vec![point(-4i64, &[])]),
            ),
            metric("temperature", "Cabin", gauge(vec![point(21.5, &[])])),
        ],
    )]);
    assert_eq!(
        render(&m),
        "# HELP queue_depth Jobs waiting\n\
         # TYPE queue_depth gauge\n\
         queue_depth -4\n\
         # HELP temperature Cabin\n\
         # TYPE temperature gauge\n\
         temperature 21.5\n"
    );
}

#[test]
fn help_and_label_values_are_escaped_and_utf8_kept() {
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "escapes",
            "a \\ backslash,\na newline and \"quotes\"",
            gauge(vec![point(
                1u64,
                &[
                    KeyValue::new("path", "C:\\dir\\\"x\"\nend"),
                    KeyValue::new("company", "会社検証用"),
                ],
            )]),
        )],
    )]);
    assert_eq!(
        render(&m),
        "# HELP escapes a \\\\ backslash,\\na newline and \"quotes\"\n\
         # TYPE escapes gauge\n\
         escapes{company=\"会社検証用\",path=\"C:\\\\dir\\\\\\\"x\\\"\\nend\"} 1\n"
    );
}

#[test]
fn empty_help_has_no_trailing_space() {
    let m = collection(vec![scope(
        "s",
        vec![metric("x", "", gauge(vec![point(1u64, &[])]))],
    )]);
    assert_eq!(render(&m), "# HELP x\n# TYPE x gauge\nx 1\n");
}

#[test]
fn integers_are_exact_and_special_floats_are_spelled_out() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric("big", "u64", gauge(vec![point(u64::MAX, &[])])),
            metric(
                "near_2_53",
                "not rounded",
                gauge(vec![point((1u64 << 53) + 1, &[])]),
            ),
            metric("neg", "i64", gauge(vec![point(i64::MIN, &[])])),
            metric(
                "special",
                "f64",
                gauge(vec![
                    point(f64::INFINITY, &[KeyValue::new("v", "inf")]),
                    point(f64::NEG_INFINITY, &[KeyValue::new("v", "minf")]),
                    point(f64::NAN, &[KeyValue::new("v", "nan")]),
                ]),
            ),
        ],
    )]);
    assert_eq!(
        render(&m),
        "# HELP big u64\n# TYPE big gauge\nbig 18446744073709551615\n\
         # HELP near_2_53 not rounded\n# TYPE near_2_53 gauge\nnear_2_53 9007199254740993\n\
         # HELP neg i64\n# TYPE neg gauge\nneg -9223372036854775808\n\
         # HELP special f64\n# TYPE special gauge\n\
         special{v=\"inf\"} +Inf\nspecial{v=\"minf\"} -Inf\nspecial{v=\"nan\"} NaN\n"
    );
}

#[test]
fn histogram_buckets_are_cumulative_and_end_with_inf() {
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "latency",
            "Request latency",
            histogram(vec![hist(
                &[0.005, 1.0, 10.0],
                &[1, 2, 0, 3],
                123.25,
                &[KeyValue::new("route", "/a")],
            )]),
        )],
    )]);
    assert_eq!(
        render(&m),
        "# HELP latency Request latency\n\
         # TYPE latency histogram\n\
         latency_bucket{route=\"/a\",le=\"0.005\"} 1\n\
         latency_bucket{route=\"/a\",le=\"1.0\"} 3\n\
         latency_bucket{route=\"/a\",le=\"10.0\"} 3\n\
         latency_bucket{route=\"/a\",le=\"+Inf\"} 6\n\
         latency_sum{route=\"/a\"} 123.25\n\
         latency_count{route=\"/a\"} 6\n"
    );
}

#[test]
fn histogram_without_labels_or_bounds() {
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "h",
            "all in one",
            histogram(vec![hist(&[], &[4], 2.0, &[])]),
        )],
    )]);
    assert_eq!(
        render(&m),
        "# HELP h all in one\n# TYPE h histogram\n\
         h_bucket{le=\"+Inf\"} 4\nh_sum 2.0\nh_count 4\n"
    );
}

#[test]
fn user_le_attribute_on_a_histogram_is_renamed() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric(
                "h",
                "x",
                histogram(vec![hist(
                    &[1.0],
                    &[1, 0],
                    0.5,
                    &[KeyValue::new("le", "user")],
                )]),
            ),
            // On other types `le` is an ordinary label.
            metric(
                "g",
                "x",
                gauge(vec![point(1u64, &[KeyValue::new("le", "user")])]),
            ),
        ],
    )]);
    let out = render(&m);
    assert!(
        out.contains("h_bucket{exported_le=\"user\",le=\"1.0\"} 1\n"),
        "{out}"
    );
    assert!(out.contains("h_sum{exported_le=\"user\"} 0.5\n"), "{out}");
    assert!(out.contains("g{le=\"user\"} 1\n"), "{out}");
}

#[test]
fn families_sorted_by_name_and_series_in_collection_order() {
    let m = collection(vec![
        scope(
            "z",
            vec![metric(
                "b",
                "B",
                gauge(vec![
                    point(3u64, &[KeyValue::new("k", "y")]),
                    point(1u64, &[KeyValue::new("j", "z")]),
                    point(2u64, &[KeyValue::new("k", "x")]),
                    point(0u64, &[]),
                ]),
            )],
        ),
        scope("a", vec![metric("a", "A", gauge(vec![point(9u64, &[])]))]),
    ]);
    assert_eq!(
        render(&m),
        "# HELP a A\n\
         # TYPE a gauge\n\
         a 9\n\
         # HELP b B\n\
         # TYPE b gauge\n\
         b{k=\"y\"} 3\n\
         b{j=\"z\"} 1\n\
         b{k=\"x\"} 2\n\
         b 0\n"
    );
}

#[test]
fn names_and_label_names_are_sanitised() {
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "http.server.active-requests",
            "x",
            up_down(vec![point(
                2i64,
                &[
                    KeyValue::new("otel.metric.overflow", true),
                    KeyValue::new("1st", 1),
                ],
            )]),
        )],
    )]);
    assert_eq!(
        render(&m),
        "# HELP http_server_active_requests x\n\
         # TYPE http_server_active_requests gauge\n\
         http_server_active_requests{_1st=\"1\",otel_metric_overflow=\"true\"} 2\n"
    );
}

#[test]
fn colliding_label_names_are_merged_in_key_order() {
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "g",
            "x",
            gauge(vec![point(
                1u64,
                &[
                    KeyValue::new("a_b", "2"),
                    KeyValue::new("a.b", "1"),
                    KeyValue::new("a-b", "0"),
                ],
            )]),
        )],
    )]);
    // Keys sorted bytewise: "a-b" < "a.b" < "a_b".
    assert!(render(&m).ends_with("g{a_b=\"0;1;2\"} 1\n"));
}

#[test]
fn two_scopes_share_one_family_block() {
    let m = collection(vec![
        scope(
            "one",
            vec![metric(
                "jobs",
                "",
                counter(vec![point(1u64, &[KeyValue::new("q", "b")])]),
            )],
        ),
        scope(
            "two",
            vec![metric(
                "jobs",
                "Jobs run",
                counter(vec![point(2u64, &[KeyValue::new("q", "a")])]),
            )],
        ),
    ]);
    assert_eq!(
        render(&m),
        "# HELP jobs_total Jobs run\n\
         # TYPE jobs_total counter\n\
         jobs_total{q=\"b\"} 1\n\
         jobs_total{q=\"a\"} 2\n"
    );
}

#[test]
fn duplicate_series_are_written_once_and_reported() {
    let series = || counter(vec![point(1u64, &[KeyValue::new("q", "a")])]);
    let m = collection(vec![
        scope("one", vec![metric("jobs", "first", series())]),
        scope("two", vec![metric("jobs.total", "second", series())]),
    ]);
    let mut out = String::new();
    let warnings = encode(&m, &TextOptions::default(), &mut out);
    assert_eq!(
        out,
        "# HELP jobs_total first\n# TYPE jobs_total counter\njobs_total{q=\"a\"} 1\n"
    );
    assert_eq!(
        warnings,
        [Warning::DuplicateSeries {
            family: "jobs_total".into(),
            labels: "{q=\"a\"}".into(),
        }]
    );
    assert_eq!(
        warnings[0].to_string(),
        "duplicate series jobs_total{q=\"a\"}: only the first is written"
    );
}

#[test]
fn attribute_sets_that_sanitise_alike_are_duplicates() {
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "g",
            "x",
            gauge(vec![
                point(1u64, &[KeyValue::new("a.b", "v")]),
                point(2u64, &[KeyValue::new("a_b", "v")]),
            ]),
        )],
    )]);
    let mut out = String::new();
    let warnings = encode(&m, &TextOptions::default(), &mut out);
    assert_eq!(out, "# HELP g x\n# TYPE g gauge\ng{a_b=\"v\"} 1\n");
    assert!(matches!(&warnings[..], [Warning::DuplicateSeries { .. }]));
}

#[test]
fn scope_labels_separate_what_would_be_duplicates() {
    let series = || counter(vec![point(1u64, &[])]);
    let mut m = collection(vec![
        scope("one", vec![metric("jobs", "x", series())]),
        scope("two", vec![metric("jobs", "x", series())]),
    ]);
    m.scope_metrics[1].scope.version = Some("1.2".into());
    let out = render_with(&m, &TextOptions::default().with_scope_labels(true));
    assert_eq!(
        out,
        "# HELP jobs_total x\n# TYPE jobs_total counter\n\
         jobs_total{otel_scope_name=\"one\"} 1\n\
         jobs_total{otel_scope_name=\"two\",otel_scope_version=\"1.2\"} 1\n"
    );
}

#[test]
fn type_conflicts_keep_the_first_family() {
    let m = collection(vec![
        scope(
            "one",
            vec![metric("jobs", "counter", counter(vec![point(1u64, &[])]))],
        ),
        scope(
            "two",
            vec![metric("jobs_total", "gauge", gauge(vec![point(5u64, &[])]))],
        ),
    ]);
    let mut out = String::new();
    let warnings = encode(&m, &TextOptions::default(), &mut out);
    assert_eq!(
        out,
        "# HELP jobs_total counter\n# TYPE jobs_total counter\njobs_total 1\n"
    );
    assert_eq!(
        warnings,
        [Warning::TypeConflict {
            family: "jobs_total".into(),
            kept: "counter",
            dropped: "gauge",
            metric: "jobs_total".into(),
        }]
    );
}

#[test]
fn families_named_like_histogram_series_are_dropped() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric("h", "x", histogram(vec![hist(&[], &[1], 1.0, &[])])),
            metric("h_count", "x", gauge(vec![point(1u64, &[])])),
            metric("h_counts", "x", gauge(vec![point(1u64, &[])])),
        ],
    )]);
    let mut out = String::new();
    let warnings = encode(&m, &TextOptions::default(), &mut out);
    assert!(!out.contains("# TYPE h_count "), "{out}");
    assert!(out.contains("# TYPE h_counts gauge\n"), "{out}");
    assert_eq!(
        warnings,
        [Warning::NameClash {
            family: "h_count".into(),
            clashes_with: "h".into(),
        }]
    );
}

#[test]
fn delta_temporality_is_left_out() {
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "d",
            "x",
            MetricData::Sum(SumData {
                points: vec![point(1u64, &[])],
                monotonic: true,
                temporality: Temporality::Delta,
            }),
        )],
    )]);
    let mut out = String::new();
    let warnings = encode(&m, &TextOptions::default(), &mut out);
    assert_eq!(out, "");
    assert_eq!(warnings, [Warning::DeltaTemporality { metric: "d".into() }]);
}

#[test]
fn resource_becomes_target_info_unless_disabled() {
    let mut m = collection(vec![scope(
        "s",
        vec![metric("g", "x", gauge(vec![point(1u64, &[])]))],
    )]);
    m.resource = Resource::new([
        KeyValue::new("service.name", "ev-observer"),
        KeyValue::new("service.version", "0.1.0"),
    ]);
    assert_eq!(
        render(&m),
        "# HELP g x\n# TYPE g gauge\ng 1\n\
         # HELP target_info Target metadata\n# TYPE target_info gauge\n\
         target_info{service_name=\"ev-observer\",service_version=\"0.1.0\"} 1\n"
    );
    assert_eq!(
        render_with(&m, &TextOptions::default().with_target_info(false)),
        "# HELP g x\n# TYPE g gauge\ng 1\n"
    );
    m.resource = Resource::default();
    assert!(!render(&m).contains("target_info"));
}

#[test]
fn unit_suffixes_are_off_by_default_and_opt_in() {
    let with_unit = |name: &str, unit: &str, data: MetricData| Metric {
        unit: unit.into(),
        ..metric(name, "x", data)
    };
    let m = collection(vec![scope(
        "s",
        vec![
            with_unit(
                "chargestate.battery_level",
                "%",
                gauge(vec![point(80i64, &[])]),
            ),
            with_unit("sent", "By", counter(vec![point(5u64, &[])])),
            with_unit(
                "wait_seconds",
                "s",
                histogram(vec![hist(&[], &[0], 0.0, &[])]),
            ),
        ],
    )]);
    let off = render(&m);
    assert!(off.contains("\nchargestate_battery_level 80\n"), "{off}");
    assert!(off.contains("\nsent_total 5\n"), "{off}");
    let on = render_with(&m, &TextOptions::default().with_unit_suffixes(true));
    assert!(
        on.contains("\nchargestate_battery_level_percent 80\n"),
        "{on}"
    );
    assert!(on.contains("\nsent_bytes_total 5\n"), "{on}");
    assert!(on.contains("\nwait_seconds_count 0\n"), "{on}");
}

#[test]
fn empty_collection_is_empty_text_and_every_family_is_contiguous() {
    assert_eq!(
        to_string(&ResourceMetrics::default(), &TextOptions::default()),
        ""
    );

    let m = collection(vec![
        scope(
            "a",
            vec![metric(
                "x",
                "x",
                gauge(vec![point(1u64, &[KeyValue::new("i", 1)])]),
            )],
        ),
        scope("b", vec![metric("y", "y", gauge(vec![point(1u64, &[])]))]),
        scope(
            "c",
            vec![metric(
                "x",
                "x",
                gauge(vec![point(1u64, &[KeyValue::new("i", 2)])]),
            )],
        ),
    ]);
    let out = render(&m);
    assert!(out.ends_with('\n'));
    let mut seen = Vec::new();
    for line in out.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().unwrap();
        if seen.last() != Some(&name) {
            assert!(!seen.contains(&name), "{name} is split:\n{out}");
            seen.push(name);
        }
    }
    assert_eq!(out.matches("# TYPE x ").count(), 1);
}

#[test]
fn summary_is_a_summary_with_quantiles_sum_and_count() {
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "rpc.duration",
            "RPC latency",
            summary(vec![
                summary_point(
                    10,
                    2.5,
                    &[(0.5, 0.1), (0.99, 0.9)],
                    &[KeyValue::new("m", "get")],
                ),
                summary_point(0, 0.0, &[], &[]),
            ]),
        )],
    )]);
    assert_eq!(
        render(&m),
        "# HELP rpc_duration RPC latency\n\
         # TYPE rpc_duration summary\n\
         rpc_duration{m=\"get\",quantile=\"0.5\"} 0.1\n\
         rpc_duration{m=\"get\",quantile=\"0.99\"} 0.9\n\
         rpc_duration_sum{m=\"get\"} 2.5\n\
         rpc_duration_count{m=\"get\"} 10\n\
         rpc_duration_sum 0.0\n\
         rpc_duration_count 0\n"
    );
}

#[test]
fn info_is_a_gauge_named_info() {
    let m = collection(vec![scope(
        "s",
        vec![
            metric(
                "my.build",
                "Build information",
                info(vec![point(1u64, &[KeyValue::new("version", "1.2.3")])]),
            ),
            metric("other_info", "", info(vec![point(1u64, &[])])),
        ],
    )]);
    assert_eq!(
        render(&m),
        "# HELP my_build_info Build information\n\
         # TYPE my_build_info gauge\n\
         my_build_info{version=\"1.2.3\"} 1\n\
         # HELP other_info\n\
         # TYPE other_info gauge\n\
         other_info 1\n"
    );
}

#[test]
fn state_set_is_a_gauge_with_one_series_per_state() {
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "charging.state",
            "Charging state",
            states(state_set(
                "charging.state",
                &["charging", "complete"],
                "complete",
                &[KeyValue::new("vehicle_id", "Ju")],
            )),
        )],
    )]);
    assert_eq!(
        render(&m),
        "# HELP charging_state Charging state\n\
         # TYPE charging_state gauge\n\
         charging_state{vehicle_id=\"Ju\",charging_state=\"charging\"} 0\n\
         charging_state{vehicle_id=\"Ju\",charging_state=\"complete\"} 1\n"
    );
}

#[test]
fn gauge_histogram_is_a_histogram_of_buckets_and_two_gauges_as_in_python() {
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "queue.age",
            "Age of waiting jobs",
            gauge_histogram(vec![hist(
                &[1.0, 1e6],
                &[3, 0, 1],
                42.5,
                &[KeyValue::new("q", "a")],
            )]),
        )],
    )]);
    assert_eq!(
        render(&m),
        "# HELP queue_age Age of waiting jobs\n\
         # TYPE queue_age histogram\n\
         queue_age_bucket{q=\"a\",le=\"1.0\"} 3\n\
         queue_age_bucket{q=\"a\",le=\"1e+06\"} 3\n\
         queue_age_bucket{q=\"a\",le=\"+Inf\"} 4\n\
         # HELP queue_age_gcount Age of waiting jobs\n\
         # TYPE queue_age_gcount gauge\n\
         queue_age_gcount{q=\"a\"} 4\n\
         # HELP queue_age_gsum Age of waiting jobs\n\
         # TYPE queue_age_gsum gauge\n\
         queue_age_gsum{q=\"a\"} 42.5\n"
    );
}

#[test]
fn two_providers_with_one_resource_give_one_target_info() {
    use super::super::family::Source;
    use super::super::format::Format;

    let m = with_resource(
        collection(vec![scope(
            "s",
            vec![metric("g", "x", gauge(vec![point(1u64, &[])]))],
        )]),
        &[KeyValue::new("service.name", "svc")],
    );
    let options = TextOptions::default();
    let mut out = String::new();
    let sources = [Source::Metrics(&m, &options), Source::Metrics(&m, &options)];
    let warnings = Format::Text.encode(&sources, &mut out);
    assert_eq!(out.matches("target_info{").count(), 1, "{out}");
    // The gauge, though, is a duplicate series.
    assert_eq!(
        warnings,
        [Warning::DuplicateSeries {
            family: "g".into(),
            labels: "{}".into(),
        }]
    );
}

#[test]
fn an_empty_label_value_is_no_label_and_its_twin_is_a_duplicate() {
    // Found by the `text_encoder` fuzz target: `{a=""}` and `{}` are one series to Prometheus.
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "g",
            "x",
            gauge(vec![
                point(1u64, &[KeyValue::new("a", "")]),
                point(2u64, &[]),
            ]),
        )],
    )]);
    let options = TextOptions::default();
    let mut out = String::new();
    let sources = [super::super::family::Source::Metrics(&m, &options)];
    let warnings = super::super::format::Format::Text.encode(&sources, &mut out);
    assert_eq!(
        out.matches("\ng ").count() + usize::from(out.starts_with("g ")),
        1,
        "{out}"
    );
    assert!(!out.contains("a=\"\""), "{out}");
    assert_eq!(
        warnings,
        [Warning::DuplicateSeries {
            family: "g".into(),
            labels: "{}".into(),
        }]
    );
}

#[test]
fn an_attribute_named_like_the_state_label_is_exported_prefixed() {
    // Found by the `openmetrics_encoder` fuzz target: `door_state` twice in one label set.
    let m = collection(vec![scope(
        "s",
        vec![metric(
            "door.state",
            "x",
            states(vec![point(
                1u64,
                &[
                    KeyValue::new("door.state", "open"),
                    KeyValue::new("door_state", "front"),
                ],
            )]),
        )],
    )]);
    let options = TextOptions::default();
    let mut out = String::new();
    let sources = [super::super::family::Source::Metrics(&m, &options)];
    let warnings = super::super::format::Format::OpenMetrics.encode(&sources, &mut out);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(
        out.contains("door_state{door_state=\"open\",exported_door_state=\"front\"} 1")
            || out.contains("door_state{exported_door_state=\"front\",door_state=\"open\"} 1"),
        "{out}"
    );
}

#[test]
fn a_gauge_histogram_keeps_name_count_and_sum_to_itself() {
    // Found by the `text_encoder` fuzz target: in text 0.0.4 a gauge histogram is typed
    // `histogram`, so a gauge `h_count` next to it is rejected by promtool and expfmt.
    let m = collection(vec![scope(
        "s",
        vec![
            metric(
                "h",
                "x",
                gauge_histogram(vec![hist(&[1.0], &[1, 0], 0.5, &[])]),
            ),
            metric("h_count", "y", gauge(vec![point(3u64, &[])])),
        ],
    )]);
    let mut out = String::new();
    let warnings = encode(&m, &TextOptions::default(), &mut out);
    assert!(!out.contains("# TYPE h_count"), "{out}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
}

#[test]
fn a_state_set_named_like_a_scope_label_keeps_its_state_label() {
    // Found by the `openmetrics_encoder` fuzz target: `otel_scope_name` twice in one set.
    let m = collection(vec![scope(
        "lib",
        vec![metric(
            "otel_scope_name",
            "x",
            states(vec![point(1u64, &[KeyValue::new("otel_scope_name", "on")])]),
        )],
    )]);
    let out = render_with(&m, &TextOptions::default().with_scope_labels(true));
    assert!(
        out.contains("otel_scope_name{otel_scope_name=\"on\",exported_otel_scope_name=\"lib\"} 1")
            || out.contains(
                "otel_scope_name{exported_otel_scope_name=\"lib\",otel_scope_name=\"on\"} 1"
            ),
        "{out}"
    );
}

#[test]
fn an_empty_scope_version_is_no_label() {
    // Found by the fuzz targets: `otel_scope_version=""` was written.
    let mut m = collection(vec![scope(
        "lib",
        vec![metric("g", "x", gauge(vec![point(1u64, &[])]))],
    )]);
    m.scope_metrics[0].scope.version = Some(String::new());
    let out = render_with(&m, &TextOptions::default().with_scope_labels(true));
    assert!(out.contains("g{otel_scope_name=\"lib\"} 1"), "{out}");
}
