//! The crate's error type.

use dataprep_core::{RecordError, RecordErrorKind};

/// Everything that can go wrong in dataprep-image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input has no bytes at all.
    #[error("empty input: zero bytes")]
    Empty,
    /// The format is not recognised or not enabled.
    #[error("unsupported image: {0}")]
    Unsupported(String),
    /// The file is corrupt or truncated.
    #[error("corrupt image ({format}): {message}")]
    Corrupt {
        /// The detected format (`jpeg`, `png`, …) or `unknown`.
        format: &'static str,
        /// What the decoder said.
        message: String,
    },
    /// A configured limit was exceeded; checked before the pixels are allocated.
    #[error("limit exceeded: {what} is {actual}, limit {limit}")]
    Limit {
        /// Which limit (`bytes`, `pixels`, `width`, `height`, `frames`).
        what: &'static str,
        /// The value found (for `pixels`, the declared width × height).
        actual: u64,
        /// The configured limit.
        limit: u64,
    },
    /// A parameter is out of range (zero size, bad mean/std, …).
    #[error("invalid parameter: {0}")]
    InvalidParam(String),
    /// The encoder failed.
    #[error("encoding {format} failed: {message}")]
    Encode {
        /// Target format.
        format: &'static str,
        /// What the encoder said.
        message: String,
    },
    /// The resizer failed.
    #[error("resize failed: {0}")]
    Resize(String),
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for RecordError {
    fn from(e: Error) -> Self {
        let kind = match &e {
            Error::Limit { .. } => RecordErrorKind::Limit,
            Error::InvalidParam(_) | Error::Encode { .. } | Error::Resize(_) => {
                RecordErrorKind::Process
            }
            _ => RecordErrorKind::Parse,
        };
        RecordError::new(kind, e.to_string()).with_source(e)
    }
}

impl From<Error> for dataprep_core::Error {
    fn from(e: Error) -> Self {
        dataprep_core::Error::Record(Box::new(e.into()))
    }
}
