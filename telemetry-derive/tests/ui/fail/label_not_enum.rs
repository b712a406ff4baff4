use telemetry_core::EnumLabel;

#[derive(EnumLabel, Clone, Copy)]
struct Door {
    open: bool,
}

#[derive(EnumLabel, Clone, Copy)]
union Bits {
    byte: u8,
}

fn main() {}
