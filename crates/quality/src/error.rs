//! The crate's error type.

use std::path::PathBuf;

/// Errors of dataprep-quality. Per-record problems in stages are
/// [`RecordError`](dataprep_core::RecordError)s instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file's content is not what this crate wrote (bad magic, truncated record).
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Signature files were written with another MinHash configuration (hash family, bands,
    /// rows, seed, shingles or normalisation) than the one they are read with.
    #[error("{}: signatures written with {found}, read with {expected}", path.display())]
    IncompatibleSignatures {
        /// The manifest of the signatures.
        path: PathBuf,
        /// The configuration in use (JSON).
        expected: String,
        /// The configuration the files were written with (JSON).
        found: String,
    },
    /// An invalid configuration or argument.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An error from dataprep-core (a dataset or a record).
    #[error(transparent)]
    Core(#[from] dataprep_core::Error),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
