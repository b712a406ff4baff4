use telemetry_core::EnumLabel;

#[derive(EnumLabel, Clone, Copy)]
#[label(rename_all = "Snake_Case")]
enum Door {
    Open,
    Closed,
}

fn main() {}
