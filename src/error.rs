//! One error type for the whole pipeline, carrying enough context to tell a
//! person what to fix, and mapped to the documented exit codes in one place.

use std::fmt;
use std::path::{Path, PathBuf};

/// Exit codes, documented in `xtenant --help` and `docs/exit-codes.md`.
pub mod exit {
    /// No failing, non-excepted finding at or above `--fail-on`.
    pub const OK: i32 = 0;
    /// At least one failing, non-excepted finding at or above `--fail-on`.
    pub const FAILING: i32 = 1;
    /// A rule errored, or data it needed was not collected.
    pub const RULE_ERROR: i32 = 2;
    /// Invalid input: config, rule pack, exceptions file, mapping file, raw export.
    pub const INVALID_INPUT: i32 = 3;
    /// Runtime, network or authentication failure.
    pub const RUNTIME: i32 = 4;
}

/// Where in a user-supplied file a problem sits. Lines and columns are 1-based.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub path: Option<PathBuf>,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Location {
    pub fn file(path: impl AsRef<Path>) -> Self {
        Location {
            path: Some(path.as_ref().to_path_buf()),
            line: None,
            column: None,
        }
    }
    pub fn at(path: impl AsRef<Path>, line: usize, column: Option<usize>) -> Self {
        Location {
            path: Some(path.as_ref().to_path_buf()),
            line: Some(line),
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}", p.display())?,
            None => write!(f, "<input>")?,
        }
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        Ok(())
    }
}

/// Bad input from a person: always says where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub location: Location,
    pub message: String,
    pub fix: Option<String>,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid user input (exit code 3).
    #[error("{0}")]
    Input(InputError),
    /// Several input problems found in one pass, reported together (exit code 3).
    #[error("{}", join_inputs(.0))]
    Inputs(Vec<InputError>),
    /// Data needed by the assessment is missing or unusable (exit code 2).
    #[error("{0}")]
    Data(String),
    /// Runtime failure: I/O, network, authentication, internal (exit code 4).
    #[error("{0}")]
    Runtime(String),
    /// A request to a service failed after its retries (exit code 4); carries
    /// the status and the service's error code for callers that branch on them.
    #[error("{0}")]
    Http(Box<crate::http::HttpError>),
}

fn join_inputs(errs: &[InputError]) -> String {
    errs.iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    pub fn input(location: Location, message: impl Into<String>, fix: impl Into<String>) -> Self {
        let fix = fix.into();
        Error::Input(InputError {
            location,
            message: message.into(),
            fix: (!fix.is_empty()).then_some(fix),
        })
    }

    /// An I/O failure on a file the user named is their input problem, not ours.
    pub fn io(path: impl AsRef<Path>, err: std::io::Error) -> Self {
        let fix = match err.kind() {
            std::io::ErrorKind::NotFound => {
                "check the path; it is resolved from the current directory"
            }
            std::io::ErrorKind::PermissionDenied => "check the file's permissions",
            _ => "",
        };
        Error::input(Location::file(path), format!("cannot read: {err}"), fix)
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Inputs(_) => exit::INVALID_INPUT,
            Error::Data(_) => exit::RULE_ERROR,
            Error::Runtime(_) | Error::Http(_) => exit::RUNTIME,
        }
    }
}

impl Error {
    /// The HTTP failure inside, if this is one.
    pub fn as_http(&self) -> Option<&crate::http::HttpError> {
        match self {
            Error::Http(e) => Some(e),
            _ => None,
        }
    }
}

impl From<polars::error::PolarsError> for Error {
    fn from(e: polars::error::PolarsError) -> Self {
        Error::Runtime(format!("table engine: {e}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
