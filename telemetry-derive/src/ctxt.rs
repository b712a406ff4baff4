//! Error accumulation: every parse and check step pushes its errors here and carries on, so
//! one compile shows every mistake in the struct instead of the first one.

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

/// Collects spanned errors while the derive input is parsed and checked.
///
/// Dropping a `Ctxt` without calling [`Ctxt::check`] is a bug in the derive (errors would be
/// lost), so it panics.
pub(crate) struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Reports `msg` at the tokens of `obj` (the whole range, first to last token).
    pub(crate) fn error_spanned_by<A: ToTokens, T: Display>(&self, obj: A, msg: T) {
        self.syn_error(syn::Error::new_spanned(obj.into_token_stream(), msg));
    }

    /// Reports an error syn produced (a malformed attribute).
    pub(crate) fn syn_error(&self, err: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Ctxt used after check")
            .push(err);
    }

    /// All errors reported so far, combined into one.
    pub(crate) fn check(self) -> syn::Result<()> {
        let mut errors = self
            .errors
            .borrow_mut()
            .take()
            .expect("Ctxt checked twice")
            .into_iter();
        match errors.next() {
            None => Ok(()),
            Some(mut combined) => {
                for rest in errors {
                    combined.combine(rest);
                }
                Err(combined)
            }
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        assert!(
            std::thread::panicking() || self.errors.borrow().is_none(),
            "forgot to check for errors"
        );
    }
}
