//! The derive's diagnostics (`ui/fail`, one case per rule, with the expected `.stderr`) and
//! shapes it must accept (`ui/pass`). Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p telemetry-derive --test ui`, then read them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
