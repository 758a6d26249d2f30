//! Errors: a fatal [`Error`] stops a job; a [`RecordError`] sets one record aside and the job goes on.

use std::fmt;
use std::path::PathBuf;

/// Boxed error source carried by the error types of this crate.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with this crate's fatal [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in the input a record came from: a file, and a line, row or byte offset in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// The file or URL.
    pub path: Option<PathBuf>,
    /// 1-based line number, for line-oriented formats.
    pub line: Option<u64>,
    /// 0-based row (record) index, for row-oriented formats.
    pub row: Option<u64>,
    /// Byte offset in the (decompressed) stream.
    pub offset: Option<u64>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location {
            path: Some(path.into()),
            ..Default::default()
        }
    }

    /// Sets the 1-based line number.
    pub fn with_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the 0-based row index.
    pub fn with_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    /// Sets the byte offset.
    pub fn with_offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(p) = &self.path {
            write!(f, "{}", p.display())?;
            sep = ":";
        }
        if let Some(l) = self.line {
            write!(f, "{sep}line {l}")?;
            sep = ":";
        }
        if let Some(r) = self.row {
            write!(f, "{sep}row {r}")?;
            sep = ":";
        }
        if let Some(o) = self.offset {
            write!(f, "{sep}offset {o}")?;
        }
        Ok(())
    }
}

/// What went wrong with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// The bytes could not be parsed (bad JSON, bad UTF-8, corrupt media).
    Parse,
    /// A field is missing or has the wrong type.
    Field,
    /// A configured limit (bytes, pixels, duration) was exceeded.
    Limit,
    /// The record's data is valid but a stage could not process it.
    Process,
    /// The record does not fit the output schema.
    Schema,
    /// An I/O error confined to this record (for example a truncated tail of a stream).
    Io,
}

impl fmt::Display for RecordErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordErrorKind::Parse => "parse error",
            RecordErrorKind::Field => "field error",
            RecordErrorKind::Limit => "limit exceeded",
            RecordErrorKind::Process => "processing error",
            RecordErrorKind::Schema => "schema error",
            RecordErrorKind::Io => "i/o error",
        })
    }
}

/// An error confined to one record: the record is set aside with this reason and the job goes on.
///
/// It carries context — the stage, the record key and the location in the input — as fields, so a
/// rejects file can be filtered and counted without parsing messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct RecordError {
    /// The kind of failure.
    pub kind: RecordErrorKind,
    /// Human-readable reason.
    pub message: String,
    /// The stage (or `source` / `sink`) where it happened, filled in by the pipeline.
    pub stage: Option<String>,
    /// The record key, when known.
    pub key: Option<String>,
    /// Where the record came from, when known (boxed to keep the error small on the hot path).
    pub location: Option<Box<Location>>,
    /// The underlying error, if any.
    #[source]
    pub source: Option<BoxError>,
}

impl RecordError {
    /// A new record error of `kind` with a message.
    pub fn new(kind: RecordErrorKind, message: impl Into<String>) -> Self {
        RecordError {
            kind,
            message: message.into(),
            stage: None,
            key: None,
            location: None,
            source: None,
        }
    }

    /// A [`RecordErrorKind::Parse`] error.
    pub fn parse(message: impl Into<String>) -> Self {
        Self::new(RecordErrorKind::Parse, message)
    }

    /// A [`RecordErrorKind::Process`] error.
    pub fn process(message: impl Into<String>) -> Self {
        Self::new(RecordErrorKind::Process, message)
    }

    /// A [`RecordErrorKind::Limit`] error.
    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(RecordErrorKind::Limit, message)
    }

    /// Sets the stage name.
    pub fn with_stage(mut self, stage: impl Into<String>) -> Self {
        self.stage = Some(stage.into());
        self
    }

    /// Sets the record key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the input location.
    pub fn with_location(mut self, location: Location) -> Self {
        self.location = Some(Box::new(location));
        self
    }

    /// Sets the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The message with its location prefixed, as written to rejects files.
    pub fn reason(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        if let Some(stage) = &self.stage {
            write!(f, "[{stage}] ")?;
        }
        write!(f, "{}: {}", self.kind, self.message)?;
        if let Some(src) = &self.source {
            write!(f, ": {src}")?;
        }
        Ok(())
    }
}

/// A missing or mistyped field, as returned by the typed accessors of [`crate::Record`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// The record has no field of that name.
    #[error("field `{field}` is missing")]
    Missing {
        /// Field name.
        field: String,
    },
    /// The field exists but holds another type.
    #[error("field `{field}` is {found}, expected {expected}")]
    WrongType {
        /// Field name.
        field: String,
        /// The type asked for.
        expected: &'static str,
        /// The type found.
        found: &'static str,
    },
}

impl From<FieldError> for RecordError {
    fn from(e: FieldError) -> Self {
        RecordError::new(RecordErrorKind::Field, e.to_string())
    }
}

/// A fatal error: the job stops.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error confined to one record. Returned by readers for a bad line or row; a pipeline sets
    /// the record aside instead of stopping (under its [`crate::ErrorPolicy`]).
    #[error(transparent)]
    Record(Box<RecordError>),
    /// An I/O error on a whole file or stream.
    #[error("{}: {source}", path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "i/o".into()))]
    Io {
        /// The file, when known.
        path: Option<PathBuf>,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An Arrow conversion or schema error.
    #[error("arrow: {source}")]
    Arrow {
        /// The error arrow reported.
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// A schema mismatch or an unsupported type.
    #[error("schema: {0}")]
    Schema(String),
    /// An invalid configuration (reported by `build()` / `validate()`).
    #[error("invalid config: {0}")]
    Config(String),
    /// More records failed than the error budget allows.
    #[error("error budget exceeded: {failed} failed records (budget {budget}); last: {last}")]
    BudgetExceeded {
        /// Records failed so far.
        failed: u64,
        /// The budget, as configured.
        budget: String,
        /// The last record error.
        last: Box<RecordError>,
    },
    /// An index past the end of a random-access dataset.
    #[error("index {index} out of range for a dataset of {len} records")]
    OutOfRange {
        /// The index asked for.
        index: usize,
        /// The dataset length.
        len: usize,
    },
    /// Any other error, with context.
    #[error("{context}: {source}")]
    Other {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: Some(path.into()),
            source,
        }
    }

    /// Any error with a context message.
    pub fn other(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Other {
            context: context.into(),
            source: source.into(),
        }
    }

    /// True when the error concerns one record only (the job may go on).
    pub fn is_record(&self) -> bool {
        matches!(self, Error::Record(_))
    }

    /// The record error, if this is one.
    pub fn into_record(self) -> std::result::Result<RecordError, Error> {
        match self {
            Error::Record(r) => Ok(*r),
            other => Err(other),
        }
    }
}

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Self {
        Error::Record(Box::new(e))
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Record(Box::new(e.into()))
    }
}

impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        Error::Io { path: None, source }
    }
}

impl From<arrow_schema::ArrowError> for Error {
    fn from(e: arrow_schema::ArrowError) -> Self {
        Error::Arrow { source: e }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_error_display_names_location_stage_and_kind() {
        let e = RecordError::parse("expected value")
            .with_location(Location::file("a/b.jsonl").with_line(7))
            .with_stage("source");
        assert_eq!(
            e.to_string(),
            "a/b.jsonl:line 7: [source] parse error: expected value"
        );
        let e = RecordError::limit("too big")
            .with_location(Location::default().with_row(3).with_offset(9));
        assert_eq!(e.to_string(), "row 3:offset 9: limit exceeded: too big");
    }

    #[test]
    fn errors_are_small_send_sync_and_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
        check::<RecordError>();
        // Returned on every stage call: keep it small.
        assert!(std::mem::size_of::<RecordError>() <= 128);
        assert!(Error::from(RecordError::process("x")).is_record());
        assert!(!Error::Config("x".into()).is_record());
    }
}
