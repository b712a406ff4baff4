// Where `EnumLabel` itself is required, the error says how to get it.
use telemetry_core::EnumLabel;

#[derive(Clone, Copy)]
enum Door {
    Open,
}

fn states<E: EnumLabel>() -> &'static [&'static str] {
    E::VALUES
}

fn main() {
    let _ = Door::Open;
    let _ = states::<Door>();
}
