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
    Chat(#[from] ChatError),
    /// An error from dataprep-core (a dataset or a record).
    #[error(transparent)]
    Core(#[from] dataprep_core::Error),
}

impl Error {
    /// The chat detail, when this is [`Error::Chat`].
    pub fn as_chat(&self) -> Option<&ChatError> {
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

/// Why a conversation or a chat template is invalid: the detail of [`Error::Chat`], which
/// is what the functions of [`crate::format`] and [`crate::jinja`] return.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChatError {
    /// No messages.
    #[error("empty conversation")]
    Empty,
    /// A role other than system, user, assistant, tool.
    #[error("message {index}: unknown role {role:?}")]
    UnknownRole {
        /// Message index.
        index: usize,
        /// The role.
        role: String,
    },
    /// A system message after the first position.
    #[error("message {index}: system message not first")]
    SystemNotFirst {
        /// Message index.
        index: usize,
    },
    /// Turn order broken (two user turns in a row, assistant first, tool not after assistant).
    #[error("message {index}: {role} cannot follow {previous}")]
    TurnOrder {
        /// Message index.
        index: usize,
        /// The role.
        role: String,
        /// The role before.
        previous: String,
    },
    /// An empty or whitespace-only message.
    #[error("message {index}: empty content")]
    EmptyContent {
        /// Message index.
        index: usize,
    },
    /// The messages field has the wrong shape.
    #[error("messages field: {0}")]
    Shape(String),
    /// A Jinja chat template failed to compile or render ([`crate::jinja`]).
    #[error("chat template: {0}")]
    Template(String),
}
