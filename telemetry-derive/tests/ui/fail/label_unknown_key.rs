use telemetry_core::EnumLabel;

#[derive(EnumLabel, Clone, Copy)]
#[label(rename = "door", prefix = "x")]
enum Door {
    #[label(rename_all = "lowercase")]
    Open,
    #[label(skip)]
    Closed,
}

fn main() {}
