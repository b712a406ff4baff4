//! Helpers shared by this crate's integration tests (each test file includes this module).

use telemetry_testkit::{promtool_check, require_tool};

/// `promtool check metrics` accepts `exposition` without a finding: exit 0, empty stderr.
/// `label` says which exposition failed.
pub(crate) fn assert_promtool_clean(label: &str, exposition: &str) {
    let Some(promtool) = require_tool("promtool") else {
        return;
    };
    let out = promtool_check(&promtool, exposition);
    assert!(
        out.code == Some(0) && out.stderr.is_empty(),
        "promtool check metrics rejected the {label} exposition: exit {:?}\nstderr:\n{}\nstdout:\n{}\ninput:\n{exposition}",
        out.code,
        out.stderr,
        out.stdout,
    );
}
