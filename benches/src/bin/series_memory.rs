//! Row 9: bytes per series, measured. `series_memory <library> [series]` builds one counter
//! family of `series` series (default 100,000; label `id`, each added to once) in one
//! library and prints what that cost: live heap bytes (a counting global allocator:
//! allocated minus freed) and resident bytes (`/proc/self/statm`), each before/after and per
//! series. Run it once per library, so that no library's memory is another's noise:
//!
//! ```text
//! series_memory telemetry
//! library  series  heap_bytes_per_series  rss_bytes_per_series
//! telemetry  100000  123.4  130.0
//! ```
//!
//! With `--header` it prints only the header line (for `summary.sh`).

// A global allocator can only be written with `unsafe`; it only delegates to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicIsize, Ordering};

use telemetry_benches::{Family, Format, Library};

struct Counting;

/// Bytes allocated and not yet freed, over the whole process.
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const HEADER: &str = "library\tseries\theap_bytes_per_series\trss_bytes_per_series";

/// Resident bytes of this process (`/proc/self/statm`'s second field, in pages).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // The page size without libc: 4 KiB on the x86-64 and aarch64 Linux we run on.
    Some(pages * 4096)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--header") {
        println!("{HEADER}");
        return ExitCode::SUCCESS;
    }
    let Some(library) = args.first().map(|a| a.parse::<Library>()) else {
        eprintln!("usage: series_memory <library> [series] | --header");
        return ExitCode::FAILURE;
    };
    let library = match library {
        Ok(library) => library,
        Err(e) => {
            eprintln!("{e}; one of: {:?}", Library::ALL.map(Library::id));
            return ExitCode::FAILURE;
        }
    };
    let series: usize = match args.get(1).map(|s| s.parse()) {
        None => 100_000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("series must be a positive integer");
            return ExitCode::FAILURE;
        }
    };

    let heap_before = LIVE.load(Ordering::SeqCst);
    let rss_before = resident_bytes().unwrap_or(0);
    // The text format: every library that has an encoder keeps it ready, none renders here.
    let family = Family::build(library, series, Format::Text);
    let heap_after = LIVE.load(Ordering::SeqCst);
    let rss_after = resident_bytes().unwrap_or(0);

    let per = |before: f64, after: f64| (after - before) / series as f64;
    println!(
        "{library}\t{series}\t{:.1}\t{:.1}",
        per(heap_before as f64, heap_after as f64),
        per(rss_before as f64, rss_after as f64),
    );
    drop(family);
    ExitCode::SUCCESS
}
