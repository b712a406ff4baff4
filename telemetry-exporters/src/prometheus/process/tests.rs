use std::fs;

use telemetry_core::testing::TestProvider;
use telemetry_core::{MeterProvider, Number};

use super::*;
use crate::prometheus::PrometheusExporter;

const KERNEL: Kernel = Kernel {
    ticks_per_second: 100,
    page_size: 4096,
};

/// A command name with spaces and parentheses, as `prctl(PR_SET_NAME)` allows.
const STAT: &str = "4242 (my (weird) app) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 12345 10485760 256 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
const LIMITS: &str = "\
Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 1048576              files
Max locked memory         8388608              8388608              bytes
";

/// A fake procfs: `/stat` with btime, `/4242/{stat,limits,fd/0..3}`.
fn fake_proc() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    fs::write(
        root.path().join("stat"),
        "cpu  1 2 3 4\nintr 5\nbtime 1700000000\nprocesses 9\n",
    )
    .unwrap();
    let pid = root.path().join("4242");
    fs::create_dir_all(pid.join("fd")).unwrap();
    fs::write(pid.join("stat"), STAT).unwrap();
    fs::write(pid.join("limits"), LIMITS).unwrap();
    for fd in 0..3 {
        fs::write(pid.join("fd").join(fd.to_string()), "").unwrap();
    }
    root
}

#[test]
fn stat_fields_are_counted_from_the_last_parenthesis() {
    assert_eq!(
        parse_stat(STAT),
        Some(Stat {
            utime: 250,
            stime: 50,
            starttime: 12345,
            vsize: 10_485_760,
            rss_pages: 256,
        })
    );
    assert_eq!(parse_stat("4242 (cut) S 1 2"), None);
    assert_eq!(parse_stat("no parenthesis at all"), None);
}

#[test]
fn limits_give_the_soft_limit_and_nothing_when_unlimited() {
    assert_eq!(parse_max_fds(LIMITS), Some(1024));
    assert_eq!(
        parse_max_fds(
            "Max open files            unlimited            unlimited            files\n"
        ),
        None
    );
    assert_eq!(parse_max_fds("Max cpu time 1 1 seconds\n"), None);
    assert_eq!(parse_boot_time("cpu 1\nbtime 1700000000\n"), Some(1.7e9));
    assert_eq!(parse_boot_time("cpu 1\n"), None);
}

#[test]
fn values_from_a_fake_procfs() {
    let root = fake_proc();
    let t = TestProvider::new();
    ProcessCollector::new()
        .with_pid(4242)
        .with_proc_root(root.path())
        .register_with(&t.meter(), KERNEL)
        .unwrap();
    let s = t.snapshot();
    s.assert_sum("process_cpu_seconds", &[], 3.0);
    s.assert_gauge("process_resident_memory_bytes", &[], 256_u64 * 4096);
    s.assert_gauge("process_virtual_memory_bytes", &[], 10_485_760_u64);
    s.assert_gauge("process_open_fds", &[], 3_u64);
    s.assert_gauge("process_max_fds", &[], 1024_u64);
    s.assert_gauge("process_start_time_seconds", &[], 1_700_000_123.45);
}

#[test]
fn unreadable_files_leave_their_series_out() {
    let root = fake_proc();
    fs::remove_file(root.path().join("stat")).unwrap(); // no btime
    fs::write(
        root.path().join("4242/limits"),
        "Max open files unlimited unlimited files\n",
    )
    .unwrap();
    fs::remove_dir_all(root.path().join("4242/fd")).unwrap();
    let t = TestProvider::new();
    ProcessCollector::new()
        .with_pid(4242)
        .with_proc_root(root.path())
        .register_with(&t.meter(), KERNEL)
        .unwrap();
    let s = t.snapshot();
    for gone in [
        "process_start_time_seconds",
        "process_max_fds",
        "process_open_fds",
    ] {
        assert_eq!(s.value(gone, &[]), None, "{gone}");
    }
    s.assert_sum("process_cpu_seconds", &[], 3.0);

    // The whole process gone: every series disappears, nothing fails.
    fs::remove_dir_all(root.path().join("4242")).unwrap();
    let s = t.snapshot();
    for name in ["process_cpu_seconds", "process_resident_memory_bytes"] {
        assert_eq!(s.value(name, &[]), None, "{name}");
    }
}

#[test]
fn the_namespace_prefixes_every_name() {
    let root = fake_proc();
    let t = TestProvider::new();
    ProcessCollector::new()
        .with_namespace("myapp")
        .with_pid(4242)
        .with_proc_root(root.path())
        .register_with(&t.meter(), KERNEL)
        .unwrap();
    t.snapshot()
        .assert_gauge("myapp_process_open_fds", &[], 3_u64);
}

/// The exposition names are the standard ones, with or without unit suffixes.
#[test]
fn exposition_names_are_the_standard_ones() {
    for unit_suffixes in [false, true] {
        let root = fake_proc();
        let exporter = PrometheusExporter::builder()
            .with_unit_suffixes(unit_suffixes)
            .build();
        let provider = MeterProvider::builder()
            .with_reader(exporter.clone())
            .build();
        ProcessCollector::new()
            .with_pid(4242)
            .with_proc_root(root.path())
            .register_with(&provider.meter("process"), KERNEL)
            .unwrap();
        let text = exporter.render().unwrap();
        let families: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .collect();
        assert_eq!(
            families,
            [
                "process_cpu_seconds_total counter",
                "process_max_fds gauge",
                "process_open_fds gauge",
                "process_resident_memory_bytes gauge",
                "process_start_time_seconds gauge",
                "process_virtual_memory_bytes gauge",
            ],
            "unit suffixes {unit_suffixes}:\n{text}"
        );
        assert!(text.contains("\nprocess_cpu_seconds_total 3.0\n"), "{text}");
        assert!(
            text.contains("\nprocess_start_time_seconds 1700000123.45\n"),
            "{text}"
        );
        let names: Vec<String> = families
            .iter()
            .map(|f| f.split(' ').next().unwrap().to_owned())
            .collect();
        assert_eq!(names, PROCESS_METRIC_NAMES);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn this_process_has_plausible_values() {
    let t = TestProvider::new();
    register_process_metrics(&t.meter()).unwrap();
    let _held_open = fs::File::open("/proc/self/stat").unwrap();
    let s = t.snapshot();
    let value = |name| match s.value(name, &[]) {
        Some(Number::U64(v)) => v as f64,
        Some(Number::F64(v)) => v,
        other => panic!("{name}: {other:?}"),
    };
    assert!(value("process_cpu_seconds") >= 0.0);
    assert!(value("process_resident_memory_bytes") > 1e5);
    assert!(value("process_virtual_memory_bytes") >= value("process_resident_memory_bytes"));
    assert!(value("process_open_fds") >= 4.0); // stdio + the file held open
    assert!(value("process_max_fds") >= value("process_open_fds"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let start = value("process_start_time_seconds");
    // Started before now (ticks and btime are whole seconds and 1/100 s: allow 2 s),
    // and not before the test binary was built.
    assert!(
        start <= now + 2.0 && start > now - 24.0 * 3600.0,
        "{start} vs {now}"
    );
}

#[test]
fn build_info_is_an_info_metric_with_the_labels() {
    let t = TestProvider::new();
    let labels = [
        KeyValue::new("version", "1.2.3"),
        KeyValue::new("revision", "abc123"),
        KeyValue::new("branch", "main"),
    ];
    register_build_info(&t.meter(), "myapp", &labels).unwrap();
    let s = t.snapshot();
    s.assert_info("myapp_build", &labels);
    assert!(matches!(
        s.metric("myapp_build").unwrap().data,
        telemetry_core::MetricData::Info(_)
    ));
}
