//! Stable hash splits: a record's split depends only on its key, the salt and the fractions, so
//! adding records never moves an existing one, and a stream can be split record by record.

use dataprep_core::{
    Action, Context, IterableDataset, Record, RecordError, Records, Shard, Stage, Value,
};
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::encode::Key;
use crate::error::{Error, Result};
use crate::record::Method;
use crate::split::{Assignment, UNASSIGNED};

/// Default number of hash buckets: fractions are honoured to 1/10,000.
pub const DEFAULT_BUCKETS: u32 = 10_000;

/// One named part of a hash split.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct HashPart {
    /// The split name.
    pub name: String,
    /// Its fraction of the buckets.
    pub fraction: f64,
}

/// The serialised form of a [`HashSplit`] (validated when read back).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct HashSplitConfig {
    splits: Vec<HashPart>,
    #[serde(default)]
    salt: String,
    #[serde(default = "default_buckets")]
    buckets: u32,
    #[serde(default)]
    index_output: bool,
}

fn default_buckets() -> u32 {
    DEFAULT_BUCKETS
}

/// A stable hash split (TFX style): `bucket = xxh3_64_with_seed(key, xxh3_64(salt)) mod buckets`,
/// and split `i` owns buckets `[round(F(i-1) × buckets), round(F(i) × buckets))` where `F(i)` is
/// the cumulative fraction of splits `0..=i`. Buckets past the last split are unassigned.
///
/// The assignment of a key depends on nothing else, so it never changes as the data grows, it
/// is the same on every machine and in every shard, and it works on unbounded streams (see
/// [`HashSplitStage`] and [`HashSplit::select`]). Sizes are binomial rather than exact: use
/// [`crate::Splitter`] when exact counts matter more than stability. The key is the record key
/// or a column's value ([`Key::hash_bytes`]); change the salt to draw a different split.
///
/// ```
/// use dataprep_split::HashSplit;
/// let hs = HashSplit::train_test(0.2)?.with_salt("v1");
/// let keys: Vec<String> = (0..1000).map(|i| format!("doc-{i}")).collect();
/// let a = hs.split(&keys);
/// // Growing the data never moves an old key.
/// let more: Vec<String> = (0..1100).map(|i| format!("doc-{i}")).collect();
/// let b = hs.split(&more);
/// assert_eq!(a.ids(), &b.ids()[..1000]);
/// assert_eq!(hs.split_name(b"doc-7"), a.split_of(7));
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "HashSplitConfig", into = "HashSplitConfig")]
pub struct HashSplit {
    config: HashSplitConfig,
    salt_seed: u64,
    bounds: Vec<u32>,
}

impl TryFrom<HashSplitConfig> for HashSplit {
    type Error = Error;
    fn try_from(config: HashSplitConfig) -> Result<Self> {
        if config.splits.is_empty() {
            return Err(Error::InvalidSizes("no splits given".into()));
        }
        if config.buckets == 0 {
            return Err(Error::InvalidParameter("buckets must be at least 1".into()));
        }
        let mut cum = 0.0f64;
        let mut bounds = Vec::with_capacity(config.splits.len());
        for (i, p) in config.splits.iter().enumerate() {
            if p.name.is_empty() || config.splits[..i].iter().any(|q| q.name == p.name) {
                return Err(Error::InvalidSizes(format!(
                    "split name `{}` is empty or repeated",
                    p.name
                )));
            }
            if !(p.fraction > 0.0 && p.fraction <= 1.0) {
                return Err(Error::InvalidSizes(format!(
                    "split `{}`: fraction {} is not in (0, 1]",
                    p.name, p.fraction
                )));
            }
            cum += p.fraction;
            if cum > 1.0 + 1e-9 {
                return Err(Error::InvalidSizes(format!(
                    "the fractions sum to {cum}, more than 1"
                )));
            }
            let b = (cum.min(1.0) * f64::from(config.buckets)).round() as u32;
            bounds.push(b.min(config.buckets));
        }
        Ok(HashSplit {
            salt_seed: xxh3_64(config.salt.as_bytes()),
            bounds,
            config,
        })
    }
}

impl From<HashSplit> for HashSplitConfig {
    fn from(h: HashSplit) -> Self {
        h.config
    }
}

impl HashSplit {
    /// Named splits with fractions in (0, 1] summing to at most 1.
    ///
    /// # Errors
    /// [`Error::InvalidSizes`] for no splits, empty or repeated names, or bad fractions.
    pub fn new<S: Into<String>>(splits: impl IntoIterator<Item = (S, f64)>) -> Result<Self> {
        HashSplitConfig {
            splits: splits
                .into_iter()
                .map(|(name, fraction)| HashPart {
                    name: name.into(),
                    fraction,
                })
                .collect(),
            salt: String::new(),
            buckets: DEFAULT_BUCKETS,
            index_output: false,
        }
        .try_into()
    }

    /// `train` (1 − `test`) and `test`.
    ///
    /// # Errors
    /// [`Error::InvalidSizes`] unless `0 < test < 1`.
    pub fn train_test(test: f64) -> Result<Self> {
        if !(test > 0.0 && test < 1.0) {
            return Err(Error::InvalidSizes(format!(
                "test fraction {test} is not in (0, 1)"
            )));
        }
        Self::new([("train", 1.0 - test), ("test", test)])
    }

    /// `k` equal folds named `0`…`k-1`; the stage writes the fold as an integer.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `k < 2`.
    pub fn folds(k: usize) -> Result<Self> {
        if k < 2 {
            return Err(Error::InvalidParameter(format!(
                "hash folds need k=2 or more, got k={k}"
            )));
        }
        let mut h = Self::new((0..k).map(|f| (f.to_string(), 1.0 / k as f64)))?;
        h.config.index_output = true;
        // Make the last fold end exactly at the last bucket despite rounding of 1/k sums.
        if let Some(last) = h.bounds.last_mut() {
            *last = h.config.buckets;
        }
        Ok(h)
    }

    /// Sets the salt (builder style): a different salt draws an independent split.
    pub fn with_salt(mut self, salt: impl Into<String>) -> Self {
        self.config.salt = salt.into();
        self.salt_seed = xxh3_64(self.config.salt.as_bytes());
        self
    }

    /// Sets the number of buckets (default [`DEFAULT_BUCKETS`]).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for zero.
    pub fn with_buckets(self, buckets: u32) -> Result<Self> {
        let index_output = self.config.index_output;
        let mut h: HashSplit = HashSplitConfig {
            buckets,
            ..self.config
        }
        .try_into()?;
        if index_output && let Some(last) = h.bounds.last_mut() {
            *last = buckets;
        }
        Ok(h)
    }

    /// The split names in order.
    pub fn names(&self) -> Vec<String> {
        self.config.splits.iter().map(|p| p.name.clone()).collect()
    }

    /// The salt.
    pub fn salt(&self) -> &str {
        &self.config.salt
    }

    /// The number of buckets.
    pub fn buckets(&self) -> u32 {
        self.config.buckets
    }

    /// True for [`HashSplit::folds`]: the split is written as an integer fold.
    pub fn is_folds(&self) -> bool {
        self.config.index_output
    }

    /// The bucket of a key, in `0..buckets`.
    pub fn bucket(&self, key: &[u8]) -> u32 {
        (xxh3_64_with_seed(key, self.salt_seed) % u64::from(self.config.buckets)) as u32
    }

    /// The split index of a key, `None` when its bucket is past the last split.
    pub fn assign(&self, key: &[u8]) -> Option<usize> {
        let b = self.bucket(key);
        self.bounds.iter().position(|&end| b < end)
    }

    /// The split name of a key.
    pub fn split_name(&self, key: &[u8]) -> Option<&str> {
        self.assign(key)
            .map(|i| self.config.splits[i].name.as_str())
    }

    /// The split of every key, in order. O(n).
    pub fn split<K: AsRef<[u8]>>(&self, keys: &[K]) -> Assignment {
        let ids = keys
            .iter()
            .map(|k| self.assign(k.as_ref()).map_or(UNASSIGNED, |i| i as u32))
            .collect();
        self.assignment(ids)
    }

    /// The split of every record, keyed by `key_column` (its value, see [`Key::hash_bytes`]) or
    /// by the record key when `None`.
    ///
    /// # Errors
    /// [`Error::Field`] / [`Error::NullValue`] for a missing or null key column;
    /// [`Error::InvalidParameter`] for an empty record key.
    pub fn split_records(
        &self,
        records: &[Record],
        key_column: Option<&str>,
    ) -> Result<Assignment> {
        let mut ids = Vec::with_capacity(records.len());
        for (row, r) in records.iter().enumerate() {
            let id = match key_column {
                None => {
                    if r.key().is_empty() {
                        return Err(Error::InvalidParameter(format!(
                            "row {row} has no record key; pass a key column"
                        )));
                    }
                    self.assign(r.key().as_bytes())
                }
                Some(col) => {
                    let v = r.require(col).map_err(|source| Error::Field {
                        row,
                        key: r.key().to_owned(),
                        source,
                    })?;
                    let k = Key::from_value(v).ok_or_else(|| Error::NullValue {
                        row,
                        key: r.key().to_owned(),
                        column: col.to_owned(),
                    })?;
                    self.assign(&k.hash_bytes())
                }
            };
            ids.push(id.map_or(UNASSIGNED, |i| i as u32));
        }
        Ok(self.assignment(ids))
    }

    fn assignment(&self, ids: Vec<u32>) -> Assignment {
        let n = ids.len() as f64;
        let targets = self
            .config
            .splits
            .iter()
            .map(|p| (p.fraction * n).round() as usize)
            .collect();
        Assignment::new(
            self.names(),
            ids,
            targets,
            Vec::new(),
            Method::HashSplit(self.clone()),
        )
    }

    /// A pipeline stage writing each record's split into a column (see [`HashSplitStage`]).
    pub fn stage(self) -> HashSplitStage {
        HashSplitStage::new(self)
    }

    /// The records of split `name` of a (possibly unbounded) streaming dataset, by record key or
    /// by `key_column`, filtered lazily as they are read. A record whose key cannot be read is
    /// passed on as a record error.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an unknown split name.
    pub fn select<D: IterableDataset>(
        &self,
        dataset: D,
        name: &str,
        key_column: Option<&str>,
    ) -> Result<HashSelect<D>> {
        let id = self
            .config
            .splits
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| Error::InvalidParameter(format!("no split named `{name}`")))?;
        Ok(HashSelect {
            inner: dataset,
            split: self.clone(),
            id,
            key_column: key_column.map(str::to_owned),
        })
    }

    /// The split index of a record (by record key or by `key_column`).
    fn assign_record(
        &self,
        record: &Record,
        key_column: Option<&str>,
    ) -> std::result::Result<Option<usize>, RecordError> {
        match key_column {
            None => {
                if record.key().is_empty() {
                    return Err(RecordError::process("record has no key to hash"));
                }
                Ok(self.assign(record.key().as_bytes()))
            }
            Some(col) => {
                let v = record.require(col)?;
                let k = Key::from_value(v)
                    .ok_or_else(|| RecordError::process(format!("key column `{col}` is null")))?;
                Ok(self.assign(&k.hash_bytes()))
            }
        }
    }
}

/// A [`Stage`] that writes each record's hash split into a column — the split name (string), or
/// the fold index (integer) for [`HashSplit::folds`]; null when the record falls in no split —
/// and optionally drops records outside the kept splits (reason `other_split`).
///
/// Stateless and per-record, so it runs in parallel and on unbounded streams.
///
/// ```
/// use dataprep_core::{Pipeline, Record, VecDataset, VecSink};
/// use dataprep_split::HashSplit;
/// let src = VecDataset::new((0..100).map(|i| Record::new().with_key(format!("k{i}"))).collect());
/// let mut out = VecSink::default();
/// Pipeline::new(&src)
///     .stage(HashSplit::train_test(0.25)?.stage().with_output("split"))
///     .sink(&mut out)
///     .run()?;
/// assert!(out.records().iter().all(|r| matches!(r.str("split"), Ok("train" | "test"))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct HashSplitStage {
    name: String,
    split: HashSplit,
    column: String,
    key_column: Option<String>,
    keep: Option<Vec<usize>>,
}

impl HashSplitStage {
    /// The stage for `split`, named `hash_split`, writing column `split` (`fold` for folds) and
    /// keyed by the record key.
    pub fn new(split: HashSplit) -> Self {
        let column = if split.is_folds() { "fold" } else { "split" };
        HashSplitStage {
            name: "hash_split".into(),
            split,
            column: column.into(),
            key_column: None,
            keep: None,
        }
    }

    /// Sets the stage name (builder style).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the field written (default `split`, `fold` for folds).
    pub fn with_output(mut self, field: impl Into<String>) -> Self {
        self.column = field.into();
        self
    }

    /// Hashes this field's value instead of the record key.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.key_column = Some(field.into());
        self
    }

    /// Sets the field written.
    #[deprecated(since = "0.1.0", note = "renamed to `with_output`")]
    pub fn with_column(self, column: impl Into<String>) -> Self {
        self.with_output(column)
    }

    /// Hashes this field's value instead of the record key.
    #[deprecated(since = "0.1.0", note = "renamed to `with_field`")]
    pub fn with_key_column(self, column: impl Into<String>) -> Self {
        self.with_field(column)
    }

    /// Keeps only records of these splits; the others are dropped with reason `other_split`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an unknown split name.
    pub fn keep_only<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Result<Self> {
        let all = self.split.names();
        let mut keep = Vec::new();
        for n in names {
            let n = n.as_ref();
            keep.push(
                all.iter()
                    .position(|x| x == n)
                    .ok_or_else(|| Error::InvalidParameter(format!("no split named `{n}`")))?,
            );
        }
        self.keep = Some(keep);
        Ok(self)
    }
}

impl Stage for HashSplitStage {
    fn name(&self) -> &str {
        &self.name
    }

    fn config(&self) -> serde_json::Value {
        serde_json::json!({
            "split": self.split,
            "column": self.column,
            "key_column": self.key_column,
            "keep": self.keep,
        })
    }

    fn process(
        &self,
        record: &mut Record,
        _cx: &Context,
    ) -> std::result::Result<Action, RecordError> {
        let id = self
            .split
            .assign_record(record, self.key_column.as_deref())?;
        let value = match id {
            None => Value::Null,
            Some(i) if self.split.is_folds() => Value::Int(i as i64),
            Some(i) => Value::Str(self.split.config.splits[i].name.clone()),
        };
        record.set(self.column.as_str(), value);
        if let Some(keep) = &self.keep
            && !id.is_some_and(|i| keep.contains(&i))
        {
            return Ok(Action::drop("other_split"));
        }
        Ok(Action::Keep)
    }

    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
}

/// See [`HashSplit::select`]: the records of one hash split of a streaming dataset.
#[derive(Debug, Clone)]
pub struct HashSelect<D> {
    inner: D,
    split: HashSplit,
    id: usize,
    key_column: Option<String>,
}

impl<D: IterableDataset> IterableDataset for HashSelect<D> {
    fn open(&self, shard: Shard) -> dataprep_core::Result<Records<'_>> {
        let it = self.inner.open(shard)?;
        Ok(Box::new(it.filter_map(move |item| match item {
            Ok(rec) => match self.split.assign_record(&rec, self.key_column.as_deref()) {
                Ok(Some(i)) if i == self.id => Some(Ok(rec)),
                Ok(_) => None,
                Err(e) => Some(Err(e.with_key(rec.key()).into())),
            },
            Err(e) => Some(Err(e)),
        })))
    }

    fn schema(&self) -> Option<dataprep_core::Schema> {
        self.inner.schema()
    }
}
