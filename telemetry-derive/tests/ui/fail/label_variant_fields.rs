use telemetry_core::EnumLabel;

#[derive(EnumLabel, Clone, Copy)]
enum Charging {
    Idle,
    Charging(u8),
    Complete { at: u64 },
}

fn main() {}
