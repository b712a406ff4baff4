//! Prints the markdown table of issue 7 from a finished run: criterion's estimates
//! (`<criterion dir>/<group>/<library>/new/estimates.json`, the median) and the
//! `series_memory` lines (a TSV file). `summary.sh` runs everything and then this:
//!
//! ```text
//! bench_summary <criterion dir> [<series_memory tsv>]
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use telemetry_benches::Library;

/// What a row's target compares ours with.
#[derive(Clone, Copy)]
enum Target {
    /// No target in the issue.
    None,
    /// ours <= factor × the fastest peer.
    FastestPeer(f64),
    /// ours <= factor × one named peer.
    Peer(Library, f64),
    /// ours <= factor × the raw `AtomicU64::fetch_add` of the same group.
    Atomic(f64),
    /// ours < this many nanoseconds.
    Below(f64),
}

struct Row {
    group: &'static str,
    workload: &'static str,
    target: Target,
}

const ROWS: &[Row] = &[
    Row {
        group: "1_counter_add_no_attributes",
        workload: "1. counter add, no attributes",
        target: Target::None,
    },
    Row {
        group: "2_counter_add_2_string_attributes",
        workload: "2. counter add, 2 string attributes (lookup per add)",
        target: Target::FastestPeer(0.5),
    },
    Row {
        group: "3_counter_add_2_enum_attributes",
        workload: "3. counter add, 2 enum attributes (ours: a `#[derive(AttributeSet)]` family)",
        target: Target::Peer(Library::Measured, 1.0),
    },
    Row {
        group: "4_bound_counter_add",
        workload: "4. bound counter add",
        target: Target::Atomic(1.2),
    },
    Row {
        group: "5_histogram_observe_14_buckets",
        workload: "5. histogram observe, 14 buckets",
        target: Target::FastestPeer(0.8),
    },
    Row {
        group: "6_counter_add_2_threads",
        workload: "6. counter add, 2 threads contending (per thread)",
        target: Target::FastestPeer(0.5),
    },
    Row {
        group: "7a_encode_10k_series_text_004",
        workload: "7a. collect + encode 10k series, text 0.0.4",
        target: Target::FastestPeer(0.8),
    },
    Row {
        group: "7b_encode_10k_series_openmetrics",
        workload: "7b. collect + encode 10k series, OpenMetrics",
        target: Target::FastestPeer(0.8),
    },
    Row {
        group: "8_derived_33_fields_collect_encode",
        workload: "8. derived EV structs (33 fields) collect + encode",
        target: Target::Below(5_000.0),
    },
];

/// The median of one benchmark, in nanoseconds per iteration.
fn median_ns(dir: &Path, group: &str, id: &str) -> Option<f64> {
    let path = dir.join(group).join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn time(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.2} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

/// The fastest (smallest) peer of `values`, ours excluded.
fn best_peer(values: &BTreeMap<&'static str, f64>) -> Option<(&'static str, f64)> {
    values
        .iter()
        .filter(|(id, _)| **id != Library::Telemetry.id() && **id != "atomic")
        .map(|(id, v)| (*id, *v))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: bench_summary <criterion dir> [<series_memory tsv>]");
        return ExitCode::FAILURE;
    };
    let dir = Path::new(dir);

    println!("| workload | ours | fastest peer | ours ÷ peer | target (issue 7) | met |");
    println!("|---|---:|---|---:|---|---|");
    let mut details = Vec::new();
    for row in ROWS {
        let values: BTreeMap<&'static str, f64> = Library::ALL
            .iter()
            .map(|l| l.id())
            .chain(["atomic"])
            .filter_map(|id| median_ns(dir, row.group, id).map(|v| (id, v)))
            .collect();
        let Some(&ours) = values.get(Library::Telemetry.id()) else {
            println!("| {} | not run | | | | |", row.workload);
            continue;
        };
        let peer = best_peer(&values);
        let (peer_cell, ratio_cell) = match peer {
            Some((id, v)) => (format!("{id}: {}", time(v)), format!("{:.2}×", ours / v)),
            None => ("—".to_owned(), "—".to_owned()),
        };
        let (target_cell, met) = match row.target {
            Target::None => ("—".to_owned(), "—"),
            Target::FastestPeer(f) => match peer {
                Some((_, v)) => (format!("≤ {f}× fastest peer"), verdict(ours <= f * v)),
                None => (format!("≤ {f}× fastest peer"), "—"),
            },
            Target::Peer(library, f) => match values.get(library.id()) {
                Some(v) => (
                    format!("≤ {f}× {library} ({:.2}×)", ours / v),
                    verdict(ours <= f * v),
                ),
                None => (format!("≤ {f}× {library}"), "—"),
            },
            Target::Atomic(f) => match values.get("atomic") {
                Some(v) => (
                    format!("≤ {f}× raw atomic ({}: {:.2}×)", time(*v), ours / v),
                    verdict(ours <= f * v),
                ),
                None => (format!("≤ {f}× raw atomic"), "—"),
            },
            Target::Below(ns) => (format!("< {}", time(ns)), verdict(ours < ns)),
        };
        println!(
            "| {} | {} | {peer_cell} | {ratio_cell} | {target_cell} | {met} |",
            row.workload,
            time(ours)
        );
        details.push((row.group, values));
    }

    if let Some(tsv) = args.get(1) {
        memory_row(Path::new(tsv));
    }

    println!();
    println!("Every library (criterion median per operation):");
    println!();
    let ids: Vec<&str> = ["atomic"]
        .into_iter()
        .chain(Library::ALL.iter().map(|l| l.id()))
        .collect();
    println!("| group | {} |", ids.join(" | "));
    println!("|---|{}", "---:|".repeat(ids.len()));
    let mut extras = Vec::new();
    for (group, values) in details {
        let cells: Vec<String> = ids
            .iter()
            .map(|id| values.get(id).map_or_else(|| "—".to_owned(), |v| time(*v)))
            .collect();
        println!("| {group} | {} |", cells.join(" | "));
        for id in extra_ids(dir, group, &ids) {
            if let Some(v) = median_ns(dir, group, &id) {
                extras.push(format!("| {group} | {id} | {} |", time(v)));
            }
        }
    }
    if !extras.is_empty() {
        println!();
        println!("Extra benchmarks (ours split into its halves…):");
        println!();
        println!("| group | id | median |");
        println!("|---|---|---:|");
        for line in extras {
            println!("{line}");
        }
    }
    ExitCode::SUCCESS
}

/// The benchmark ids of a group beyond the libraries' own, sorted.
fn extra_ids(dir: &Path, group: &str, known: &[&str]) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join(group)) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|id| id != "report" && !known.contains(&id.as_str()))
        .collect();
    ids.sort();
    ids
}

/// Row 9 from `series_memory`'s lines: heap bytes per series, ours against the smallest peer.
fn memory_row(tsv: &Path) {
    let Ok(text) = std::fs::read_to_string(tsv) else {
        println!("| 9. bytes per series (100k series) | not run | | | | |");
        return;
    };
    // library, series, heap per series, rss per series
    let rows: Vec<(String, String, f64, f64)> = text
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some((
                f.first()?.to_string(),
                f.get(1)?.to_string(),
                f.get(2)?.parse().ok()?,
                f.get(3)?.parse().ok()?,
            ))
        })
        .collect();
    let Some(ours) = rows.iter().find(|r| r.0 == Library::Telemetry.id()) else {
        println!("| 9. bytes per series | not run | | | | |");
        return;
    };
    let peer = rows
        .iter()
        .filter(|r| r.0 != Library::Telemetry.id())
        .min_by(|a, b| a.2.total_cmp(&b.2));
    let (peer_cell, ratio_cell, met) = match peer {
        Some(p) => (
            format!("{}: {:.0} B (RSS {:.0} B)", p.0, p.2, p.3),
            format!("{:.2}×", ours.2 / p.2),
            verdict(ours.2 <= p.2),
        ),
        None => ("—".to_owned(), "—".to_owned(), "—"),
    };
    println!(
        "| 9. heap bytes per series ({} series) | {:.0} B (RSS {:.0} B) | {peer_cell} | {ratio_cell} | ≤ smallest peer | {met} |",
        ours.1, ours.2, ours.3
    );
    println!();
    println!("Bytes per series, every library (live heap; resident set in brackets):");
    println!();
    println!("| library | heap B/series | RSS B/series |");
    println!("|---|---:|---:|");
    for r in &rows {
        println!("| {} | {:.0} | {:.0} |", r.0, r.2, r.3);
    }
}
