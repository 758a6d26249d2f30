//! The crate's error type.

use std::path::PathBuf;

/// Errors of dataprep-text. Per-record problems in stages are
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
    /// The `tokenizers` library reported an error.
    #[error("tokenizer: {context}: {source}")]
    Tokenizer {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: dataprep_core::BoxError,
    },
    /// An invalid configuration or argument.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A token id does not fit the shard's dtype.
    #[error("token id {id} does not fit {dtype}")]
    TokenOverflow {
        /// The token id.
        id: u32,
        /// The dtype name.
        dtype: &'static str,
    },
    /// A conversation or a chat template is invalid ([`crate::format`], [`crate::jinja`]).
    #[error(transparent)]
    Chat(#[from] crate::format::ChatError),
    /// An error from dataprep-core (a dataset or a record).
    #[error(transparent)]
    Core(#[from] dataprep_core::Error),
}

impl Error {
    /// The chat detail, when this is [`Error::Chat`].
    pub fn as_chat(&self) -> Option<&crate::format::ChatError> {
        match self {
            Error::Chat(c) => Some(c),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn tokenizer(context: impl Into<String>, source: dataprep_core::BoxError) -> Self {
        Error::Tokenizer {
            context: context.into(),
            source,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
