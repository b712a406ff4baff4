use telemetry_core::EnumLabel;

#[derive(EnumLabel, Clone, Copy)]
#[label(rename_all = "lowercase")]
#[label(rename_all = "UPPERCASE")]
enum Door {
    #[label(rename = "open", rename = "opened")]
    Open,
    #[label(rename = "closed")]
    #[label(rename = "shut")]
    Closed,
}

fn main() {}
