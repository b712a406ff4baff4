//! Typed errors: one variant per failure, each carrying what the caller needs to fix it.

use std::fmt;

use crate::instrument::InstrumentKind;
use crate::number::NumberKind;

/// Everything that can go wrong in the SDK's API.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// An instrument or metric name breaks the grammar `[A-Za-z][A-Za-z0-9_.\-/]{0,254}`.
    InvalidName {
        /// The offending name.
        name: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A unit is not a printable ASCII string of at most 63 characters.
    InvalidUnit {
        /// The instrument.
        name: String,
        /// The offending unit.
        unit: String,
    },
    /// Histogram bucket bounds are not finite and strictly increasing.
    InvalidBuckets {
        /// The instrument.
        name: String,
        /// Why they were rejected.
        reason: &'static str,
    },
    /// The same name was registered twice with different kinds, value types or units.
    Conflict {
        /// The name both registrations use.
        name: String,
        /// What the first registration declared.
        existing: String,
        /// What the second one asked for.
        requested: String,
    },
    /// A state set was given a state it does not declare, or declared an invalid set
    /// (empty, a state twice, an empty state name).
    UnknownState {
        /// The state asked for (`#<index>` for an index out of range; empty when the set
        /// itself is invalid).
        state: String,
        /// The declared states.
        states: Vec<String>,
    },
    /// A view is inconsistent (for example, a wildcard selector that renames).
    InvalidView {
        /// Why it was rejected.
        reason: String,
    },
    /// The provider was shut down; it no longer creates instruments or collects.
    Shutdown,
    /// A deadline passed before the operation finished.
    Timeout {
        /// What was being done.
        operation: &'static str,
    },
    /// An exporter or reader failed; the message says which and why.
    Export {
        /// The exporter or reader.
        exporter: &'static str,
        /// Its error.
        message: String,
    },
    /// Several readers failed during one flush or shutdown.
    Multiple(Vec<Error>),
}

impl Error {
    pub(crate) fn conflict(
        name: &str,
        existing: (InstrumentKind, NumberKind, &str),
        requested: (InstrumentKind, NumberKind, &str),
    ) -> Self {
        let describe = |(kind, number, unit): (InstrumentKind, NumberKind, &str)| {
            format!("{kind:?}<{number:?}> with unit {unit:?}")
        };
        Error::Conflict {
            name: name.to_owned(),
            existing: describe(existing),
            requested: describe(requested),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidName { name, reason } => {
                write!(f, "invalid instrument name {name:?}: {reason}")
            }
            Error::InvalidUnit { name, unit } => write!(
                f,
                "invalid unit {unit:?} for {name:?}: units are printable ASCII, at most 63 characters"
            ),
            Error::InvalidBuckets { name, reason } => {
                write!(f, "invalid histogram buckets for {name:?}: {reason}")
            }
            Error::Conflict {
                name,
                existing,
                requested,
            } => write!(
                f,
                "{name:?} is already registered as {existing}; cannot register it as {requested}"
            ),
            Error::UnknownState { state, states } if state.is_empty() => write!(
                f,
                "invalid state set {states:?}: states must be non-empty, distinct strings"
            ),
            Error::UnknownState { state, states } => {
                write!(f, "unknown state {state:?}: the state set declares {states:?}")
            }
            Error::InvalidView { reason } => write!(f, "invalid view: {reason}"),
            Error::Shutdown => f.write_str("the meter provider has been shut down"),
            Error::Timeout { operation } => write!(f, "{operation} did not finish before its deadline"),
            Error::Export { exporter, message } => write!(f, "{exporter}: {message}"),
            Error::Multiple(errors) => {
                f.write_str("several errors: ")?;
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

/// Folds a list of errors into one result.
pub(crate) fn combine(mut errors: Vec<Error>) -> Result<(), Error> {
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        _ => Err(Error::Multiple(errors)),
    }
}
