use telemetry_core::EnumLabel;

#[derive(EnumLabel, Clone, Copy)]
#[label(crate = "not a path", rename_all = snake_case)]
enum Door {
    #[label]
    Open,
    #[label(rename = 5)]
    Closed,
    #[label(rename)]
    Ajar,
}

fn main() {}
