use telemetry_core::EnumLabel;

#[derive(EnumLabel, Clone, Copy)]
enum Door {
    Open,
    #[label(rename = "Open")]
    Ajar,
    Closed,
}

// `rename_all` can make two names equal; `rename` is not subject to it.
#[derive(EnumLabel, Clone, Copy)]
#[label(rename_all = "lowercase")]
enum Light {
    Red,
    RED,
    #[label(rename = "green")]
    Amber,
    Green,
}

fn main() {}
