//! The crate's error type.

use dataprep_core::{RecordError, RecordErrorKind};

/// Everything that can go wrong in dataprep-audio.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input has no bytes at all.
    #[error("empty input: zero bytes")]
    Empty,
    /// The container or codec is not recognised or not supported.
    #[error("unsupported audio: {0}")]
    Unsupported(String),
    /// The stream is corrupt or truncated; `offset` is the byte position reached, when known.
    #[error("corrupt audio{}: {message}", offset.map(|o| format!(" at byte {o}")).unwrap_or_default())]
    Corrupt {
        /// What the decoder said.
        message: String,
        /// Bytes consumed when the error happened.
        offset: Option<u64>,
    },
    /// The stream decoded to no samples.
    #[error("no audio samples decoded")]
    NoSamples,
    /// A configured limit was exceeded.
    #[error("limit exceeded: {what} is {actual}, limit {limit}")]
    Limit {
        /// Which limit (`bytes`, `duration_s`, `channels`).
        what: &'static str,
        /// The value found.
        actual: f64,
        /// The configured limit.
        limit: f64,
    },
    /// Samples contain NaN or infinite values and the policy is to reject them.
    #[error("{count} non-finite samples (NaN or infinity), first at index {first}")]
    NonFinite {
        /// How many.
        count: usize,
        /// Index of the first one.
        first: usize,
    },
    /// A parameter is out of range (zero sample rate, n_fft of 0, …).
    #[error("invalid parameter: {0}")]
    InvalidParam(String),
    /// Subtitle text could not be parsed.
    #[error("subtitle parse error at line {line}: {message}")]
    Subtitle {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Forced alignment is impossible (too few frames for the tokens, bad ids).
    #[error("alignment impossible: {0}")]
    Alignment(String),
    /// Resampler failure.
    #[error("resampling failed: {0}")]
    Resample(String),
    /// I/O error on a path.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for RecordError {
    fn from(e: Error) -> Self {
        let kind = match &e {
            Error::Limit { .. } => RecordErrorKind::Limit,
            Error::InvalidParam(_) | Error::Alignment(_) | Error::Resample(_) => {
                RecordErrorKind::Process
            }
            Error::Io { .. } => RecordErrorKind::Io,
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
