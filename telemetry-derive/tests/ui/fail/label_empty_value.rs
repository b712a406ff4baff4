use telemetry_core::EnumLabel;

#[derive(EnumLabel, Clone, Copy)]
enum Door {
    #[label(rename = "")]
    Open,
    Closed,
}

fn main() {}
