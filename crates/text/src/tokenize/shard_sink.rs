//! [`TokenShardSink`]: token shards written from a pipeline, routed by a field.

use std::collections::BTreeMap;
use std::path::PathBuf;

use dataprep_core::{Record, RecordError, Sink, Value};

use super::{ShardIndex, TokenDtype, TokenShardWriter};
use crate::error::Error;

/// A [`Sink`] that writes the token ids of each record (the field `tokens`, a list of unsigned
/// ids as [`super::EncodeStage`] writes it) to token shards with [`TokenShardWriter`], keyed by
/// the record key.
///
/// Without a route every document goes to `dir`. With
/// [`with_route_field("split")`](Self::with_route_field) each value of that field gets its own
/// shards in `dir/<value>/` (the split a record was given, say); a record whose route field is
/// null is written to no shard set and counted in
/// [`records_without_route`](Self::records_without_route). With
/// [`with_routes`](Self::with_routes) the values are fixed: each of them gets a directory (empty
/// shards and an index even when no record goes there) and any other value is a record error.
/// A value that cannot be a directory name (empty, `.`, `..`, or with `/` or `\`) is a record
/// error, as is a record without the token field or with an id that is not a `u32`.
///
/// ```
/// use dataprep_core::{Pipeline, Record, VecDataset, Value};
/// use dataprep_text::tokenize::{TokenDtype, TokenShardSink};
/// let dir = tempfile::tempdir()?;
/// let doc = |key: &str, split: &str, ids: &[u64]| {
///     Record::new()
///         .with("split", split)
///         .with("tokens", Value::List(ids.iter().map(|&i| Value::UInt(i)).collect()))
///         .with_key(key)
/// };
/// let src = VecDataset::new(vec![doc("a", "train", &[1, 2]), doc("b", "test", &[3])]);
/// let mut sink = TokenShardSink::new(dir.path(), TokenDtype::Uint16)
///     .with_route_field("split")
///     .with_eos(Some(0));
/// Pipeline::new(&src).sink(&mut sink).run()?;
/// let index = &sink.indexes()["train"];
/// assert_eq!(index.read_document(dir.path().join("train"), 0)?, [1, 2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TokenShardSink {
    dir: PathBuf,
    dtype: TokenDtype,
    field: String,
    route: Option<String>,
    routes: Option<Vec<String>>,
    eos: Option<u32>,
    max_shard_tokens: Option<u64>,
    writers: BTreeMap<String, TokenShardWriter>,
    indexes: BTreeMap<String, ShardIndex>,
    without_route: u64,
}

impl TokenShardSink {
    /// Shards of `dtype` ids under `dir` (created at the first record, or at
    /// [`finish`](Sink::finish) for fixed routes).
    pub fn new(dir: impl Into<PathBuf>, dtype: TokenDtype) -> Self {
        TokenShardSink {
            dir: dir.into(),
            dtype,
            field: "tokens".into(),
            route: None,
            routes: None,
            eos: None,
            max_shard_tokens: None,
            writers: BTreeMap::new(),
            indexes: BTreeMap::new(),
            without_route: 0,
        }
    }

    /// Sets the field read (default `tokens`).
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Writes each value of `field` to its own shards, in `dir/<value>/`.
    #[must_use]
    pub fn with_route_field(mut self, field: impl Into<String>) -> Self {
        self.route = Some(field.into());
        self
    }

    /// The only values the route field may take; each gets its shards even when empty.
    #[must_use]
    pub fn with_routes<S: Into<String>>(mut self, routes: impl IntoIterator<Item = S>) -> Self {
        self.routes = Some(routes.into_iter().map(Into::into).collect());
        self
    }

    /// Appends `eos` after every document ([`TokenShardWriter::with_eos`]; see
    /// [`super::TextTokenizer::eos_id`]).
    #[must_use]
    pub fn with_eos(mut self, eos: Option<u32>) -> Self {
        self.eos = eos;
        self
    }

    /// Starts a new shard file after this many tokens ([`TokenShardWriter::with_max_shard_tokens`]).
    #[must_use]
    pub fn with_max_shard_tokens(mut self, tokens: u64) -> Self {
        self.max_shard_tokens = Some(tokens);
        self
    }

    /// The index of every shard set written, by route (`""` without a route), once finished.
    pub fn indexes(&self) -> &BTreeMap<String, ShardIndex> {
        &self.indexes
    }

    /// Records written to no shard set because their route field was null.
    pub fn records_without_route(&self) -> u64 {
        self.without_route
    }

    fn writer(&mut self, route: &str) -> dataprep_core::Result<&mut TokenShardWriter> {
        if !self.writers.contains_key(route) {
            let dir = if self.route.is_some() {
                self.dir.join(route)
            } else {
                self.dir.clone()
            };
            let mut w = TokenShardWriter::create(dir, self.dtype)
                .map_err(core_error)?
                .with_eos(self.eos);
            if let Some(n) = self.max_shard_tokens {
                w = w.with_max_shard_tokens(n);
            }
            self.writers.insert(route.to_owned(), w);
        }
        Ok(self.writers.get_mut(route).expect("inserted above"))
    }

    /// The route of `record`: `Ok(None)` for a null route field.
    fn route_of(&self, record: &Record) -> Result<Option<String>, RecordError> {
        let Some(field) = &self.route else {
            return Ok(Some(String::new()));
        };
        let Some(value) = record.opt_str(field)? else {
            return Ok(None);
        };
        if value.is_empty() || value == "." || value == ".." || value.contains(['/', '\\']) {
            return Err(field_error(format!(
                "{field} {value:?} cannot name a token shard directory"
            )));
        }
        if let Some(routes) = &self.routes
            && !routes.iter().any(|r| r == value)
        {
            return Err(field_error(format!(
                "{field} {value:?} is not one of the token shard routes {routes:?}"
            )));
        }
        Ok(Some(value.to_owned()))
    }

    fn tokens_of(&self, record: &Record) -> Result<Vec<u32>, RecordError> {
        record
            .list(&self.field)?
            .iter()
            .map(|v| {
                let id = match v {
                    Value::UInt(u) => u32::try_from(*u).ok(),
                    Value::Int(i) => u32::try_from(*i).ok(),
                    _ => None,
                };
                id.ok_or_else(|| {
                    field_error(format!(
                        "{}: {} is not a token id (a u32)",
                        self.field,
                        v.type_name()
                    ))
                })
            })
            .collect()
    }
}

/// A writer failure is fatal to the run (a record error stays a record error).
fn core_error(e: Error) -> dataprep_core::Error {
    match e {
        Error::Core(c) => c,
        Error::TokenOverflow { .. } => RecordError::limit(e.to_string()).into(),
        e => dataprep_core::Error::other("writing token shards", e),
    }
}

impl Sink for TokenShardSink {
    fn write(&mut self, record: Record) -> dataprep_core::Result<()> {
        let Some(route) = self.route_of(&record)? else {
            self.without_route += 1;
            return Ok(());
        };
        let tokens = self.tokens_of(&record)?;
        self.writer(&route)?
            .push(record.key(), &tokens)
            .map_err(core_error)
    }

    fn finish(&mut self) -> dataprep_core::Result<()> {
        if let Some(routes) = self.routes.clone() {
            for r in &routes {
                self.writer(r)?;
            }
        }
        let mut first_err = None;
        for (route, w) in std::mem::take(&mut self.writers) {
            match w.finish() {
                Ok(index) => {
                    self.indexes.insert(route, index);
                }
                Err(e) => {
                    first_err.get_or_insert(core_error(e));
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}

fn field_error(message: String) -> RecordError {
    RecordError::new(dataprep_core::RecordErrorKind::Field, message)
}
