// `EnumLabel` needs `Copy`: derive it too.
use telemetry_core::EnumLabel;

#[derive(EnumLabel)]
enum Door {
    Open,
    Closed,
}

fn main() {}
