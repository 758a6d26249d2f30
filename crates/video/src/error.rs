//! The crate's error type.

use std::path::PathBuf;

use dataprep_core::{RecordError, RecordErrorKind};

/// Everything that can go wrong in dataprep-video. Each variant names the file it concerns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// FFmpeg could not open the file or recognise its container.
    #[error("cannot open {path}: {message}")]
    Open {
        /// The file.
        path: PathBuf,
        /// What FFmpeg said.
        message: String,
    },
    /// The container opened but its streams could not be read (no stream info, bad header).
    #[error("cannot probe {path}: {message}")]
    Probe {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The file has no stream of the kind asked for (no video stream, no audio stream …).
    #[error("{path} has no {kind} stream")]
    NoStream {
        /// The file.
        path: PathBuf,
        /// `video`, `audio` or `subtitle`.
        kind: &'static str,
    },
    /// No decoder (or encoder) for the codec is available in this FFmpeg build.
    #[error("{path}: unsupported codec {codec}")]
    UnsupportedCodec {
        /// The file.
        path: PathBuf,
        /// Codec name as FFmpeg spells it (`none` when unknown).
        codec: String,
    },
    /// Decoding failed (corrupt or truncated data that FFmpeg could not conceal).
    #[error("decoding {path} failed: {message}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A stream decoded to no frames at all (zero-length or entirely corrupt).
    #[error("{path}: no frames decoded")]
    NoFrames {
        /// The file.
        path: PathBuf,
    },
    /// Encoding or muxing failed.
    #[error("encoding {path} failed: {message}")]
    Encode {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A configured limit was exceeded; checked before decoding.
    #[error("{path}: limit exceeded: {what} is {actual}, limit {limit}")]
    Limit {
        /// The file.
        path: PathBuf,
        /// Which limit (`bytes`, `duration_s`, `width`, `height`, `pixels`, `frames`).
        what: &'static str,
        /// The value found.
        actual: f64,
        /// The configured limit.
        limit: f64,
    },
    /// The file is one FFmpeg must not be given: a playlist or manifest whose demuxer would open
    /// other files or URLs, an output format that writes files of its own, a script, a path that
    /// is not UTF-8 (see [`dataprep_core::media_input`]).
    #[error("{path}: refused: {why}")]
    Refused {
        /// The file.
        path: PathBuf,
        /// Why.
        why: dataprep_core::media_input::Refusal,
    },
    /// A parameter is out of range (zero fps, empty size, …).
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
    /// I/O error on a path.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
    pub(crate) fn decode(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        Error::Decode {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
    /// The file the error concerns, when there is one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::Open { path, .. }
            | Error::Probe { path, .. }
            | Error::NoStream { path, .. }
            | Error::UnsupportedCodec { path, .. }
            | Error::Decode { path, .. }
            | Error::NoFrames { path }
            | Error::Encode { path, .. }
            | Error::Limit { path, .. }
            | Error::Refused { path, .. }
            | Error::Io { path, .. } => Some(path),
            Error::InvalidParam(_) | Error::Subtitle { .. } => None,
        }
    }
}

impl From<dataprep_core::media_input::MediaInputError> for Error {
    fn from(e: dataprep_core::media_input::MediaInputError) -> Self {
        use dataprep_core::media_input::MediaInputError;
        match e {
            MediaInputError::Refused { path, why } => Error::Refused { path, why },
            MediaInputError::Io { path, source } => Error::Io { path, source },
            // `MediaInputError` is non-exhaustive: a later kind still names its file.
            other => Error::Open {
                path: PathBuf::new(),
                message: other.to_string(),
            },
        }
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for RecordError {
    fn from(e: Error) -> Self {
        let kind = match &e {
            Error::Limit { .. } | Error::Refused { .. } => RecordErrorKind::Limit,
            Error::InvalidParam(_) | Error::Encode { .. } => RecordErrorKind::Process,
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
