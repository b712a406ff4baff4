use telemetry_core::EnumLabel;

#[derive(EnumLabel, Clone, Copy)]
enum Never {}

fn main() {}
