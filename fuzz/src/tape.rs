//! The fuzzers' input encoding: a byte tape read front to back.
//!
//! Strings are NUL-terminated (lossy UTF-8), numbers take a selector byte that picks a
//! special value (NaN, ±Inf, -0.0, `u64::MAX`…) or reads the raw bits that follow. This is
//! simpler than `arbitrary`'s encoding (lengths taken from the end of the input) and keeps
//! the seed corpus readable and writable by hand: `printf 'battery\0会社検証用\0…'`. An
//! exhausted tape reads zeros and empty strings, so every input decodes to something.

/// A reader over a fuzzer's input.
#[derive(Debug)]
pub struct Tape<'a> {
    data: &'a [u8],
}

impl<'a> Tape<'a> {
    /// A tape over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Tape { data }
    }

    /// The next byte, 0 once the tape is exhausted.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u8) -> u8 {
        self.byte() % n
    }

    /// Everything left, as lossy UTF-8.
    pub fn rest(&mut self) -> String {
        let rest = String::from_utf8_lossy(self.data).into_owned();
        self.data = &[];
        rest
    }

    /// The lowest bit of the next byte.
    pub fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// Up to the next NUL (consumed), as lossy UTF-8.
    pub fn text(&mut self) -> String {
        let end = self
            .data
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.data.len());
        let text = String::from_utf8_lossy(&self.data[..end]).into_owned();
        self.data = self.data.get(end + 1..).unwrap_or_default();
        text
    }

    fn raw8(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        for b in &mut bytes {
            *b = self.byte();
        }
        u64::from_le_bytes(bytes)
    }

    /// Small values directly, selectors 0xF0.. for the extremes and raw bits.
    pub fn u64(&mut self) -> u64 {
        match self.byte() {
            b @ 0..=0xEF => u64::from(b),
            0xF0 => u64::MAX,
            0xF1 => u64::MAX / 2,
            0xF2 => 1 << 53,
            0xF3 => (1 << 53) + 1,
            _ => self.raw8(),
        }
    }

    /// Small values around zero, the extremes, and raw bits.
    pub fn i64(&mut self) -> i64 {
        match self.byte() {
            b @ 0..=0xEF => i64::from(b) - 0x40,
            0xF0 => i64::MIN,
            0xF1 => i64::MAX,
            _ => self.raw8() as i64,
        }
    }

    /// A float: one of the values that format differently (specials, exponents, the
    /// shortest-digits edge cases), a small integer, or raw bits.
    pub fn f64(&mut self) -> f64 {
        const SPECIAL: [f64; 24] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.1,
            0.005,
            0.30000000000000004,
            1e-4,
            1e-5,
            1e6,
            1e15,
            1e16,
            1e21,
            1e23,
            123_456.7,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::MIN,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -f64::NAN,
        ];
        match self.byte() {
            b @ 0..=23 => SPECIAL[usize::from(b)],
            b @ 24..=0xEF => f64::from(b) - 100.0,
            _ => f64::from_bits(self.raw8()),
        }
    }
}
