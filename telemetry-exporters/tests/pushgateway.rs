//! The Pushgateway exporter against a real Pushgateway 1.5.1 (Debian's
//! `prometheus-pushgateway`, no persistence): PUT/POST/DELETE semantics, grouping keys,
//! every metric type accepted, the gateway's 400 as a typed error, the final push at
//! shutdown, a gateway that goes away and comes back; and, against a loopback test server,
//! the headers (auth, gzip) and retries of 5xx. A missing gateway fails under `CI=true`.
#![cfg(feature = "pushgateway")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use telemetry_core::export::PushExporter;
use telemetry_core::reader::PeriodicReader;
use telemetry_core::{KeyValue, ManualReader, MeterProvider, ResourceMetrics};
use telemetry_exporters::prometheus::TextOptions;
use telemetry_exporters::pushgateway::{Method, PushgatewayError, PushgatewayExporter};
use telemetry_testkit::Pushgateway;

/// Families of a group as `/api/v1/metrics` shows them, without the gateway's own.
fn families(group: &Value) -> Vec<String> {
    let mut names: Vec<String> = group
        .as_object()
        .expect("a group object")
        .keys()
        .filter(|k| {
            !matches!(
                k.as_str(),
                "labels"
                    | "last_push_successful"
                    | "push_time_seconds"
                    | "push_failure_time_seconds"
            )
        })
        .cloned()
        .collect();
    names.sort();
    names
}

/// The value of the first series of `family` in `group` (a string, as the API gives it).
fn value(group: &Value, family: &str) -> String {
    group[family]["metrics"][0]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("{family} in {group}"))
        .to_owned()
}

/// One collection holding counters `names`, each with value `v`.
fn counters(names: &[&str], v: u64) -> ResourceMetrics {
    let reader = ManualReader::new();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    let meter = provider.meter("test");
    for name in names {
        meter.u64_counter(*name).build().unwrap().add(v, &[]);
    }
    reader.collect().unwrap()
}

fn exporter(
    gw: &Pushgateway,
    job: &str,
) -> telemetry_exporters::pushgateway::PushgatewayExporterBuilder {
    PushgatewayExporter::builder(gw.url(), job)
        .with_text_options(TextOptions::default().with_target_info(false))
        .with_timeout(Duration::from_secs(5))
}

/// Polls `f` for up to 5 s (DELETE is asynchronous in the gateway).
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !f() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn put_replaces_the_group_post_replaces_families_delete_removes_it() {
    let Some(gw) = Pushgateway::start() else {
        return;
    };
    let key = [("job", "sem"), ("instance", "i1")];
    let put = exporter(&gw, "sem")
        .with_grouping_label("instance", "i1")
        .build()
        .unwrap();
    let post = exporter(&gw, "sem")
        .with_grouping_label("instance", "i1")
        .with_method(Method::PushAdd)
        .build()
        .unwrap();

    put.push_now(&counters(&["a", "b"], 1)).unwrap();
    let group = gw.group(&key).expect("the group after PUT");
    assert_eq!(families(&group), ["a_total", "b_total"]);
    assert_eq!(group["a_total"]["type"], "COUNTER");
    assert_eq!(group["last_push_successful"], true);

    // POST c, and a new value of a: b stays.
    post.push_now(&counters(&["a", "c"], 7)).unwrap();
    let group = gw.group(&key).unwrap();
    assert_eq!(families(&group), ["a_total", "b_total", "c_total"]);
    assert_eq!(
        (value(&group, "a_total"), value(&group, "b_total")),
        ("7".into(), "1".into())
    );

    // PUT c alone: a and b are gone.
    put.push_now(&counters(&["c"], 9)).unwrap();
    let group = gw.group(&key).unwrap();
    assert_eq!(families(&group), ["c_total"]);
    assert_eq!(value(&group, "c_total"), "9");

    put.delete().unwrap();
    eventually("the group deleted", || gw.group(&key).is_none());
    // Deleting a missing group is fine too (the gateway answers 202 either way).
    put.delete().unwrap();
}

#[test]
fn grouping_keys_with_slash_empty_and_utf8_round_trip() {
    let Some(gw) = Pushgateway::start() else {
        return;
    };
    let e = exporter(&gw, "x/y")
        .with_grouping_label("instance", "a/b")
        .with_grouping_label("city", "Zürich")
        .with_grouping_label("spaced", "a b+c%2F")
        .with_grouping_label("empty", "")
        .build()
        .unwrap();
    e.push_now(&counters(&["keyed"], 1)).unwrap();
    let groups = gw.groups();
    let labels = &groups[0]["labels"];
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    assert_eq!(labels["job"], "x/y", "{labels}");
    assert_eq!(labels["instance"], "a/b", "{labels}");
    assert_eq!(labels["city"], "Zürich", "{labels}");
    assert_eq!(labels["spaced"], "a b+c%2F", "{labels}");
    assert_eq!(labels["empty"], "", "{labels}");
    let text = gw.scrape();
    assert!(
        text.contains(
            r#"keyed_total{city="Zürich",empty="",instance="a/b",job="x/y",spaced="a b+c%2F"} 1"#
        ),
        "{text}"
    );
}

#[test]
fn every_metric_type_is_accepted_by_the_gateway() {
    let Some(gw) = Pushgateway::start() else {
        return;
    };
    let reader = ManualReader::new();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    let m = provider.meter("types");
    let labels = [KeyValue::new("path", "/a")];
    m.u64_counter("requests")
        .with_description("Requests")
        .build()
        .unwrap()
        .add(3, &labels);
    m.f64_gauge("temperature")
        .with_unit("Cel")
        .build()
        .unwrap()
        .record(21.5, &labels);
    m.i64_up_down_counter("queue").build().unwrap().add(-2, &[]);
    let h = m
        .f64_histogram("latency_seconds")
        .with_buckets(vec![0.1, 1.0])
        .build()
        .unwrap();
    h.record(0.05, &labels);
    h.record(5.0, &labels);
    m.f64_summary("size_bytes")
        .build()
        .unwrap()
        .record(100.0, &[]);
    m.info("build")
        .build()
        .unwrap()
        .set(&[KeyValue::new("version", "1.2.3")]);
    m.state_set("phase", ["init", "run", "done"])
        .build()
        .unwrap()
        .set("run", &[])
        .unwrap();
    let _gh = m
        .f64_observable_gauge_histogram("job_age_seconds")
        .with_buckets(vec![1.0, 10.0])
        .with_callback(|o| {
            o.observe(0.5, &[]);
            o.observe(20.0, &[]);
        })
        .build()
        .unwrap();
    let e = PushgatewayExporter::builder(gw.url(), "types")
        .build()
        .unwrap();
    e.push_now(&reader.collect().unwrap()).unwrap();

    let group = gw.group(&[("job", "types")]).expect("the group");
    assert_eq!(group["last_push_successful"], true);
    let types: Vec<(String, String)> = families(&group)
        .into_iter()
        .map(|f| (group[&f]["type"].as_str().unwrap().to_owned(), f))
        .collect();
    eprintln!("accepted: {types:?}");
    // Text 0.0.4 has no info, state set or gauge histogram types: they arrive as gauges,
    // and the gauge histogram as a histogram plus its _gcount/_gsum gauges.
    let expected = [
        ("GAUGE", "build_info"),
        ("HISTOGRAM", "job_age_seconds"),
        ("GAUGE", "job_age_seconds_gcount"),
        ("GAUGE", "job_age_seconds_gsum"),
        ("HISTOGRAM", "latency_seconds"),
        ("GAUGE", "phase"),
        ("GAUGE", "queue"),
        ("COUNTER", "requests_total"),
        ("SUMMARY", "size_bytes"),
        ("GAUGE", "temperature"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(t, f)| ((*t).to_owned(), (*f).to_owned()))
        .collect();
    assert_eq!(types, expected);
    let text = gw.scrape();
    for series in [
        r#"requests_total{instance="",job="types",path="/a"} 3"#,
        r#"latency_seconds_bucket{instance="",job="types",path="/a",le="0.1"} 1"#,
        r#"latency_seconds_count{instance="",job="types",path="/a"} 2"#,
        r#"build_info{instance="",job="types",version="1.2.3"} 1"#,
        r#"phase{instance="",job="types",phase="run"} 1"#,
        r#"phase{instance="",job="types",phase="done"} 0"#,
    ] {
        assert!(text.contains(series), "{series} missing from\n{text}");
    }
    assert!(text.contains("job_age_seconds"), "{text}");
    // gzip bodies are accepted the same.
    let gz = PushgatewayExporter::builder(gw.url(), "types_gz")
        .with_gzip(true)
        .build()
        .unwrap();
    gz.push_now(&reader.collect().unwrap()).unwrap();
    let group = gw.group(&[("job", "types_gz")]).expect("the gzip group");
    assert_eq!(families(&group).len(), types.len(), "{group}");
}

#[test]
fn a_type_clash_is_a_400_with_the_gateway_message() {
    let Some(gw) = Pushgateway::start() else {
        return;
    };
    let first = exporter(&gw, "clash_a").build().unwrap();
    first.push_now(&counters(&["clash"], 1)).unwrap();

    let reader = ManualReader::new();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    provider
        .meter("m")
        .i64_gauge("clash_total")
        .build()
        .unwrap()
        .record(1, &[]);
    let second = exporter(&gw, "clash_b").build().unwrap();
    let err = second.push_now(&reader.collect().unwrap()).unwrap_err();
    eprintln!("gateway said: {err}");
    assert_eq!(err.status(), Some(400), "{err}");
    let PushgatewayError::Status {
        method, message, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*method, "PUT");
    assert!(
        message.starts_with("pushed metrics are invalid or inconsistent with existing metrics"),
        "{message}"
    );
    // The gateway checks the union of all groups: which of the two series it reports
    // (`… gauge:<value:1 > } is not a COUNTER` or `… counter:<value:1 > } is not a GAUGE`)
    // depends on its map order.
    assert!(
        message.contains(r#"collected metric "clash_total""#),
        "{message}"
    );
    assert!(
        message.ends_with("is not a COUNTER") || message.ends_with("is not a GAUGE"),
        "{message}"
    );
    // Through the PushExporter trait: an Export error naming the exporter and the status.
    let err = second
        .export(&reader.collect().unwrap(), Duration::from_secs(5))
        .unwrap_err();
    match err {
        telemetry_core::Error::Export { exporter, message } => {
            assert_eq!(exporter, "pushgateway");
            assert!(
                message.contains("HTTP 400: pushed metrics are invalid"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn shutdown_right_after_an_observation_delivers_it_20_times_out_of_20() {
    let Some(gw) = Pushgateway::start() else {
        return;
    };
    let mut lost = Vec::new();
    for i in 1..=20_u64 {
        let e = exporter(&gw, "final").build().unwrap();
        let reader = PeriodicReader::builder(e)
            .with_interval(Duration::from_secs(3600))
            .build();
        let provider = MeterProvider::builder().with_reader(reader).build();
        provider
            .meter("job")
            .u64_counter("runs")
            .build()
            .unwrap()
            .add(i, &[]);
        provider.shutdown().unwrap();
        let group = gw.group(&[("job", "final")]);
        if group.map(|g| value(&g, "runs_total")) != Some(i.to_string()) {
            lost.push(i);
        }
    }
    assert!(lost.is_empty(), "lost observations: {lost:?}");
}

#[test]
fn delete_on_shutdown_removes_the_group_after_the_final_push() {
    let Some(gw) = Pushgateway::start() else {
        return;
    };
    let e = exporter(&gw, "ephemeral")
        .with_delete_on_shutdown(true)
        .build()
        .unwrap();
    let reader = PeriodicReader::builder(e)
        .with_interval(Duration::from_millis(50))
        .build();
    let provider = MeterProvider::builder().with_reader(reader).build();
    provider
        .meter("job")
        .u64_counter("steps")
        .build()
        .unwrap()
        .add(1, &[]);
    let key = [("job", "ephemeral")];
    eventually("a periodic push", || gw.group(&key).is_some());
    provider.shutdown().unwrap();
    eventually("the group deleted at shutdown", || gw.group(&key).is_none());
}

#[test]
fn a_gateway_that_goes_away_gives_errors_and_the_next_push_after_it_returns_succeeds() {
    let Some(gw) = Pushgateway::start() else {
        return;
    };
    let port = gw.addr().port();
    let e = exporter(&gw, "outage")
        .with_timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    e.push_now(&counters(&["before"], 1)).unwrap();
    drop(gw);

    let started = Instant::now();
    let err = e.push_now(&counters(&["during"], 2)).unwrap_err();
    eprintln!("gateway down: {err}");
    assert!(
        matches!(err, PushgatewayError::Unreachable { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("PUT http://127.0.0.1:{port}/metrics/job/outage: gateway unreachable: io: Connection refused")),
        "{message}"
    );
    assert!(message.ends_with("; no time left to retry)"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // The same through a periodic reader: errors, no panic, the job goes on.
    let reader = PeriodicReader::builder(e.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    let counter = provider.meter("job").u64_counter("after").build().unwrap();
    counter.add(5, &[]);
    assert!(reader.force_flush().is_err());

    let gw = Pushgateway::start_on(port);
    counter.add(1, &[]);
    reader.force_flush().unwrap();
    let group = gw
        .group(&[("job", "outage")])
        .expect("the group after the restart");
    assert_eq!(value(&group, "after_total"), "6");
    provider.shutdown().unwrap();
}

/// A loopback HTTP server answering `answers` in turn (status, body) and sending each
/// request's head and body to the returned channel.
fn test_server(
    answers: Vec<(u16, &'static str)>,
) -> (SocketAddr, mpsc::Receiver<(String, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for (status, body) in answers {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            let mut payload = vec![0; length];
            reader.read_exact(&mut payload).unwrap();
            let _ = tx.send((head, payload));
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (addr, rx)
}

#[test]
fn basic_auth_and_headers_reach_the_server_and_a_refused_auth_is_a_clear_error() {
    let (addr, requests) = test_server(vec![(200, ""), (401, "Unauthorized\n")]);
    let url = format!("http://{addr}/prefix");
    let good = PushgatewayExporter::builder(&url, "auth")
        .with_basic_auth("user", "pass")
        .with_header("X-Tenant", "t1")
        .with_gzip(true)
        .build()
        .unwrap();
    good.push_now(&counters(&["authed"], 1)).unwrap();
    let (head, body) = requests.recv().unwrap();
    assert!(
        head.starts_with("PUT /prefix/metrics/job/auth HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains("authorization: Basic dXNlcjpwYXNz\r\n")
            || head.contains("Authorization: Basic dXNlcjpwYXNz\r\n"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase().contains("x-tenant: t1\r\n"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("content-encoding: gzip\r\n"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert!(
        text.contains("# TYPE authed_total counter\nauthed_total 1\n"),
        "{text}"
    );

    let bad = PushgatewayExporter::builder(&url, "auth")
        .with_basic_auth("user", "wrong")
        .build()
        .unwrap();
    let err = bad.push_now(&counters(&["authed"], 1)).unwrap_err();
    let (head, _) = requests.recv().unwrap();
    assert!(head.contains("Basic dXNlcjp3cm9uZw=="), "{head}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        err.to_string(),
        format!("PUT {url}/metrics/job/auth: HTTP 401: Unauthorized")
    );
}

#[test]
fn server_errors_are_retried_and_a_bearer_token_is_sent() {
    let (addr, requests) = test_server(vec![(503, "busy"), (500, "oops"), (202, "")]);
    let e = PushgatewayExporter::builder(format!("http://{addr}"), "retry")
        .with_bearer_token("tok")
        .build()
        .unwrap();
    e.delete().unwrap();
    let heads: Vec<String> = requests.try_iter().map(|(h, _)| h).collect();
    assert_eq!(heads.len(), 3, "{heads:?}");
    for head in &heads {
        assert!(
            head.starts_with("DELETE /metrics/job/retry HTTP/1.1"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("authorization: bearer tok\r\n"),
            "{head}"
        );
    }
}

#[test]
fn a_gateway_failing_until_the_deadline_is_reported_with_its_last_status() {
    let answers = vec![(503, "overloaded"); 50];
    let (addr, requests) = test_server(answers);
    let e = PushgatewayExporter::builder(format!("http://{addr}"), "busy")
        .with_timeout(Duration::from_millis(700))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = e.push_now(&counters(&["x"], 1)).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(
        err.to_string(),
        format!("PUT http://{addr}/metrics/job/busy: HTTP 503: overloaded")
    );
    assert!(requests.try_iter().count() >= 2, "retried");
}
