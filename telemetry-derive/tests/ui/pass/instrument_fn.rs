//! Shapes `#[instrument_fn]` must accept, compiled under `deny(warnings)`.
#![deny(warnings, missing_docs, unused_qualifications)]

use std::fmt::Debug;

use telemetry_core::instrument_fn;

/// Generics with a closure bound (`->` inside `<...>`) and a where clause.
#[instrument_fn(histogram = "generic_seconds", errors = "generic_errors")]
pub fn generic<F: Fn(u8) -> u8, T>(f: F, t: T) -> Result<u8, String>
where
    T: Debug,
{
    let _ = format!("{t:?}");
    Ok(f(1))
}

/// An `impl Trait` return (without `errors`, the body is not wrapped).
#[instrument_fn(histogram = "iter_seconds", in_progress = "iter_running")]
pub fn numbers(n: u32) -> impl Iterator<Item = u32> {
    0..n
}

/// Borrowed arguments and a borrowed result.
#[instrument_fn(errors = "first_errors", labels(kind = "parse"))]
pub fn first<'a>(s: &'a str) -> Result<&'a str, String> {
    s.split(',').next().ok_or_else(|| "empty".to_owned())
}

/// A unit.
pub struct Unit(u8);

impl Unit {
    /// A method consuming `self`, with `?`.
    #[instrument_fn(histogram = "method_seconds", errors = "method_errors")]
    pub fn into_value(self) -> Result<u8, std::num::ParseIntError> {
        let extra: u8 = "1".parse()?;
        Ok(self.0 + extra)
    }

    /// An async method borrowing `self`.
    #[instrument_fn(histogram = "async_method_seconds", errors = "async_method_errors")]
    pub async fn get(&self) -> Result<u8, ()> {
        Ok(self.0)
    }

    /// `unsafe` and `pub(crate)` qualifiers.
    #[instrument_fn(in_progress = "unsafe_running")]
    pub(crate) unsafe fn raw(&mut self) -> *mut u8 {
        &mut self.0
    }
}

fn main() {
    let _ = generic(|x| x + 1, "t");
    let _ = numbers(3).count();
    let _ = first("a,b");
    let _ = Unit(1).into_value();
    let _ = Unit(1).get();
    let _ = unsafe { Unit(1).raw() };
}
