//! The record of a split: what was done ([`SplitSpec`]: method, parameters, seed, columns), what
//! came out ([`AssignmentRecord`]: a digest of the assignment and the class balance of every
//! split or fold), self-contained and serde-serialisable so it can be written next to the data
//! (`split.json`), embedded in a dataset manifest, and replayed to reproduce or verify the split.

use std::fmt;
use std::hash::Hash;
use std::path::Path;

use dataprep_core::Record;

use crate::encode::{Key, encode};
use crate::error::{Error, Result, Warning};
use crate::hash::HashSplit;
use crate::kfold::{
    Folds, GroupKFold, KFold, LeaveOneGroupOut, StratifiedGroupKFold, StratifiedKFold,
    TimeSeriesSplit,
};
use crate::records::{Nulls, column_keys};
use crate::split::{Assignment, Splitter};

/// A splitting method with all its parameters (including the seed), as recorded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Method {
    /// [`Splitter::random`].
    RandomSplit(Splitter),
    /// [`Splitter::stratified`] (needs a label column).
    StratifiedSplit(Splitter),
    /// [`Splitter::grouped`] (needs a group column).
    GroupSplit(Splitter),
    /// [`Splitter::stratified_grouped`] (needs both).
    StratifiedGroupSplit(Splitter),
    /// [`HashSplit`] (by record key, or by a key column).
    HashSplit(HashSplit),
    /// [`KFold`].
    KFold(KFold),
    /// [`StratifiedKFold`] (needs a label column).
    StratifiedKFold(StratifiedKFold),
    /// [`GroupKFold`] (needs a group column).
    GroupKFold(GroupKFold),
    /// [`StratifiedGroupKFold`] (needs both).
    StratifiedGroupKFold(StratifiedGroupKFold),
    /// [`TimeSeriesSplit`] (rows in order, or by a time column).
    TimeSeriesSplit(TimeSeriesSplit),
    /// [`LeaveOneGroupOut`] (needs a group column).
    LeaveOneGroupOut(LeaveOneGroupOut),
}

impl Method {
    /// The method's name as serialised (`stratified_k_fold`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Method::RandomSplit(_) => "random_split",
            Method::StratifiedSplit(_) => "stratified_split",
            Method::GroupSplit(_) => "group_split",
            Method::StratifiedGroupSplit(_) => "stratified_group_split",
            Method::HashSplit(_) => "hash_split",
            Method::KFold(_) => "k_fold",
            Method::StratifiedKFold(_) => "stratified_k_fold",
            Method::GroupKFold(_) => "group_k_fold",
            Method::StratifiedGroupKFold(_) => "stratified_group_k_fold",
            Method::TimeSeriesSplit(_) => "time_series_split",
            Method::LeaveOneGroupOut(_) => "leave_one_group_out",
        }
    }

    /// True for cross-validation methods (the column holds a test fold index).
    pub fn is_folds(&self) -> bool {
        matches!(
            self,
            Method::KFold(_)
                | Method::StratifiedKFold(_)
                | Method::GroupKFold(_)
                | Method::StratifiedGroupKFold(_)
                | Method::TimeSeriesSplit(_)
                | Method::LeaveOneGroupOut(_)
        )
    }

    /// True when the method needs a label column.
    pub fn needs_labels(&self) -> bool {
        matches!(
            self,
            Method::StratifiedSplit(_)
                | Method::StratifiedGroupSplit(_)
                | Method::StratifiedKFold(_)
                | Method::StratifiedGroupKFold(_)
        )
    }

    /// True when the method needs a group column.
    pub fn needs_groups(&self) -> bool {
        matches!(
            self,
            Method::GroupSplit(_)
                | Method::StratifiedGroupSplit(_)
                | Method::GroupKFold(_)
                | Method::StratifiedGroupKFold(_)
                | Method::LeaveOneGroupOut(_)
        )
    }
}

/// What to split and how, over records: the method with its parameters, the columns it reads and
/// the column it writes. Serialised flat: `{"column": "fold", "method": "stratified_k_fold", "k":
/// 5, "shuffle": false, "seed": 0, "label": "label"}`.
///
/// ```
/// use dataprep_core::Record;
/// use dataprep_split::{Method, SplitSpec, StratifiedKFold};
/// let mut recs: Vec<Record> =
///     (0..10).map(|i| Record::new().with("y", if i < 6 { "a" } else { "b" })).collect();
/// let spec = SplitSpec::new("fold", Method::StratifiedKFold(StratifiedKFold::new(2))).with_label("y");
/// let rec = spec.apply(&mut recs)?;
/// assert_eq!(recs[0].i64("fold")?, 0);
/// assert_eq!(rec.balance.parts.len(), 2);
/// // The record replays to the same assignment.
/// let json = serde_json::to_string(&rec)?;
/// let back: dataprep_split::AssignmentRecord = serde_json::from_str(&json)?;
/// assert!(back.verify(&recs)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SplitSpec {
    /// The output column.
    pub column: String,
    /// The method and its parameters.
    #[serde(flatten)]
    pub method: Method,
    /// The label column (stratified methods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The group column (grouped methods; duplicate-cluster ids to keep duplicates together).
    /// Null or absent values are groups of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The key column of a hash split (the record key when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The time column of a time-series split (input order when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

/// The result of running a [`SplitSpec`]: a split or folds.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Named splits.
    Split(Assignment),
    /// Cross-validation folds.
    Folds(Folds),
}

impl Outcome {
    /// Split id or test fold of every row ([`crate::UNASSIGNED`] for none).
    pub fn ids(&self) -> &[u32] {
        match self {
            Outcome::Split(a) => a.ids(),
            Outcome::Folds(f) => f.test_fold(),
        }
    }

    /// The part names: split names, or fold indices as strings.
    pub fn names(&self) -> Vec<String> {
        match self {
            Outcome::Split(a) => a.names().to_vec(),
            Outcome::Folds(f) => (0..f.k()).map(|i| i.to_string()).collect(),
        }
    }

    /// Warnings raised.
    pub fn warnings(&self) -> &[Warning] {
        match self {
            Outcome::Split(a) => a.warnings(),
            Outcome::Folds(f) => f.warnings(),
        }
    }

    /// Writes the column: split names (strings) or test folds (integers), null for none.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `records` is not the input.
    pub fn write_column(&self, records: &mut [Record], column: &str) -> Result<()> {
        match self {
            Outcome::Split(a) => a.write_column(records, column),
            Outcome::Folds(f) => f.write_column(records, column),
        }
    }
}

impl SplitSpec {
    /// A spec writing `column` with `method`; add the columns it reads with the `with_*` methods.
    pub fn new(column: impl Into<String>, method: Method) -> Self {
        SplitSpec {
            column: column.into(),
            method,
            label: None,
            group: None,
            key: None,
            time: None,
        }
    }

    /// Sets the label column (builder style).
    pub fn with_label(mut self, column: impl Into<String>) -> Self {
        self.label = Some(column.into());
        self
    }

    /// Sets the group column (builder style).
    pub fn with_group(mut self, column: impl Into<String>) -> Self {
        self.group = Some(column.into());
        self
    }

    /// Sets the hash key column (builder style).
    pub fn with_key(mut self, column: impl Into<String>) -> Self {
        self.key = Some(column.into());
        self
    }

    /// Sets the time column (builder style).
    pub fn with_time(mut self, column: impl Into<String>) -> Self {
        self.time = Some(column.into());
        self
    }

    fn need<'s>(&self, col: &'s Option<String>, what: &str) -> Result<&'s str> {
        col.as_deref().ok_or_else(|| {
            Error::InvalidParameter(format!(
                "method {} needs a {what} column",
                self.method.name()
            ))
        })
    }

    /// Runs the method on `records` (reading the label/group/key/time columns) without writing.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when a needed column is not configured; errors reading the
    /// columns ([`Error::Field`], [`Error::NullValue`]); the method's own errors.
    pub fn run(&self, records: &[Record]) -> Result<Outcome> {
        let n = records.len();
        let labels = |s: &Self| -> Result<Vec<Key<'_>>> {
            column_keys(records, s.need(&s.label, "label")?, Nulls::Error)
        };
        let groups = |s: &Self| -> Result<Vec<Key<'_>>> {
            column_keys(records, s.need(&s.group, "group")?, Nulls::OwnGroup)
        };
        Ok(match &self.method {
            Method::RandomSplit(s) => Outcome::Split(s.random(n)?),
            Method::StratifiedSplit(s) => Outcome::Split(s.stratified(&labels(self)?)?),
            Method::GroupSplit(s) => Outcome::Split(s.grouped(&groups(self)?)?),
            Method::StratifiedGroupSplit(s) => {
                Outcome::Split(s.stratified_grouped(&labels(self)?, &groups(self)?)?)
            }
            Method::HashSplit(h) => Outcome::Split(h.split_records(records, self.key.as_deref())?),
            Method::KFold(k) => Outcome::Folds(k.split(n)?),
            Method::StratifiedKFold(k) => Outcome::Folds(k.split(&labels(self)?)?),
            Method::GroupKFold(k) => Outcome::Folds(k.split(&groups(self)?)?),
            Method::StratifiedGroupKFold(k) => {
                Outcome::Folds(k.split(&labels(self)?, &groups(self)?)?)
            }
            Method::TimeSeriesSplit(t) => match &self.time {
                None => Outcome::Folds(t.split(n)?),
                Some(col) => {
                    Outcome::Folds(t.split_by_time(&column_keys(records, col, Nulls::Error)?)?)
                }
            },
            Method::LeaveOneGroupOut(l) => Outcome::Folds(l.split(&groups(self)?)?),
        })
    }

    /// Runs the method, writes the column into `records`, and returns the record of the split
    /// (with the class balance of the label column when there is one).
    ///
    /// # Errors
    /// As [`SplitSpec::run`].
    pub fn apply(&self, records: &mut [Record]) -> Result<AssignmentRecord> {
        let outcome = self.run(records)?;
        let record = self.record(&outcome, records)?;
        outcome.write_column(records, &self.column)?;
        Ok(record)
    }

    /// The record of an outcome of this spec on `records`.
    ///
    /// # Errors
    /// Errors reading the label column.
    pub fn record(&self, outcome: &Outcome, records: &[Record]) -> Result<AssignmentRecord> {
        let names = outcome.names();
        let balance = match &self.label {
            Some(col) => {
                let labels = column_keys(records, col, Nulls::Error)?;
                ClassBalance::new(outcome.ids(), &names, Some(&labels))
            }
            None => ClassBalance::new::<Key<'_>>(outcome.ids(), &names, None),
        };
        Ok(AssignmentRecord {
            spec: self.clone(),
            kind: if self.method.is_folds() {
                "folds"
            } else {
                "split"
            }
            .into(),
            rows: records.len(),
            digest: digest(outcome.ids()),
            warnings: outcome.warnings().to_vec(),
            balance,
        })
    }
}

/// XXH3-128 of the assignment (one little-endian `u32` per row, `u32::MAX` for none), in hex: two
/// runs agree on every row exactly when their digests match.
pub fn digest(ids: &[u32]) -> String {
    let mut bytes = Vec::with_capacity(ids.len() * 4);
    for &i in ids {
        bytes.extend_from_slice(&i.to_le_bytes());
    }
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
}

/// One class's rows in a split or fold.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ClassCount {
    /// The class (label value).
    pub class: String,
    /// Rows.
    pub rows: usize,
    /// Share of the part's rows.
    pub fraction: f64,
}

/// One split or test fold: its rows and class balance.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct PartSummary {
    /// Split name or fold index.
    pub name: String,
    /// Rows.
    pub rows: usize,
    /// Share of all rows.
    pub fraction: f64,
    /// Rows per class (empty without labels), in class order.
    pub classes: Vec<ClassCount>,
}

/// Class balance of every split or fold, and overall.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ClassBalance {
    /// All rows, by class (empty without labels).
    pub overall: Vec<ClassCount>,
    /// Each part.
    pub parts: Vec<PartSummary>,
    /// Rows in no part.
    pub unassigned: usize,
}

impl ClassBalance {
    /// Counts rows per part (`ids`, [`crate::UNASSIGNED`] for none) and, with labels, per class (classes
    /// in order of first appearance).
    pub fn new<L: Hash + Eq + Sync + fmt::Display>(
        ids: &[u32],
        names: &[String],
        labels: Option<&[L]>,
    ) -> Self {
        let n = ids.len();
        let np = names.len();
        let frac = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let mut rows = vec![0usize; np];
        let mut unassigned = 0;
        for &p in ids {
            match rows.get_mut(p as usize) {
                Some(r) => *r += 1,
                None => unassigned += 1,
            }
        }
        let (overall, per_class) = match labels {
            Some(labels) => {
                let enc = encode(labels);
                let class_names = enc.names(labels);
                let nc = enc.n_classes();
                let mut table = vec![0usize; np * nc];
                for (&p, &c) in ids.iter().zip(enc.codes()) {
                    if (p as usize) < np {
                        table[p as usize * nc + c as usize] += 1;
                    }
                }
                let overall = class_names
                    .iter()
                    .zip(enc.counts())
                    .map(|(name, &r)| ClassCount {
                        class: name.clone(),
                        rows: r,
                        fraction: frac(r, n),
                    })
                    .collect();
                let per: Vec<Vec<ClassCount>> = (0..np)
                    .map(|p| {
                        class_names
                            .iter()
                            .enumerate()
                            .map(|(c, name)| ClassCount {
                                class: name.clone(),
                                rows: table[p * nc + c],
                                fraction: frac(table[p * nc + c], rows[p]),
                            })
                            .collect()
                    })
                    .collect();
                (overall, per)
            }
            None => (Vec::new(), vec![Vec::new(); np]),
        };
        ClassBalance {
            overall,
            parts: names
                .iter()
                .zip(rows)
                .zip(per_class)
                .map(|((name, r), classes)| PartSummary {
                    name: name.clone(),
                    rows: r,
                    fraction: frac(r, n),
                    classes,
                })
                .collect(),
            unassigned,
        }
    }
}

impl fmt::Display for ClassBalance {
    /// A table: one row per part, its rows and share, then each class's share of the part.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let classes: Vec<&str> = self.overall.iter().map(|c| c.class.as_str()).collect();
        let w = self
            .parts
            .iter()
            .map(|p| p.name.len())
            .chain([7])
            .max()
            .unwrap_or(7);
        write!(f, "{:<w$} {:>9} {:>7}", "part", "rows", "share")?;
        for c in &classes {
            let c: String = c.chars().take(12).collect();
            write!(f, " {c:>12}")?;
        }
        writeln!(f)?;
        let total: usize = self
            .overall
            .iter()
            .map(|c| c.rows)
            .sum::<usize>()
            .max(self.parts.iter().map(|p| p.rows).sum::<usize>() + self.unassigned);
        let line = |f: &mut fmt::Formatter<'_>, name: &str, rows: usize, classes: &[ClassCount]| {
            let share = if total == 0 {
                0.0
            } else {
                rows as f64 / total as f64
            };
            write!(f, "{name:<w$} {rows:>9} {:>6.1}%", share * 100.0)?;
            for c in classes {
                write!(f, " {:>11.1}%", c.fraction * 100.0)?;
            }
            writeln!(f)
        };
        for p in &self.parts {
            line(f, &p.name, p.rows, &p.classes)?;
        }
        if self.unassigned > 0 {
            line(f, "(none)", self.unassigned, &[])?;
        }
        if !self.overall.is_empty() {
            line(f, "all", total, &self.overall)?;
        }
        Ok(())
    }
}

/// The record of one assignment column: the spec that produced it (method, parameters, seed,
/// columns), a digest of the assignment, warnings and the class balance.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct AssignmentRecord {
    /// What was run.
    pub spec: SplitSpec,
    /// `split` or `folds`.
    pub kind: String,
    /// Rows in the input.
    pub rows: usize,
    /// [`digest`] of the assignment.
    pub digest: String,
    /// Warnings raised.
    pub warnings: Vec<Warning>,
    /// Rows and class balance per split or fold.
    pub balance: ClassBalance,
}

impl AssignmentRecord {
    /// Re-runs the spec on `records` (the same input, in the same order) and checks that it
    /// gives the recorded assignment.
    ///
    /// # Errors
    /// As [`SplitSpec::run`].
    pub fn verify(&self, records: &[Record]) -> Result<bool> {
        if records.len() != self.rows {
            return Ok(false);
        }
        Ok(digest(self.spec.run(records)?.ids()) == self.digest)
    }
}

/// The record of a split written next to the data (`split.json`): the tool and its version, the
/// input and every assignment column. Self-contained, so a dataset manifest can embed it as is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SplitRecord {
    /// `dataprep-split`.
    pub tool: String,
    /// The crate version that made the split.
    pub version: String,
    /// The input, when known (a path or URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Rows in the input.
    pub rows: usize,
    /// One record per assignment column.
    pub assignments: Vec<AssignmentRecord>,
}

impl SplitRecord {
    /// An empty record for `rows` rows.
    pub fn new(rows: usize) -> Self {
        SplitRecord {
            tool: "dataprep-split".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            input: None,
            rows,
            assignments: Vec::new(),
        }
    }

    /// Sets the input (builder style).
    pub fn with_input(mut self, input: impl Into<String>) -> Self {
        self.input = Some(input.into());
        self
    }

    /// Adds an assignment record.
    pub fn push(&mut self, record: AssignmentRecord) {
        self.assignments.push(record);
    }

    /// Writes pretty JSON, crash-safely.
    ///
    /// # Errors
    /// I/O errors naming the path.
    pub fn write_json(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Core(dataprep_core::Error::other("serialise split record", e)))?;
        dataprep_core::write_atomic(path, &json)?;
        Ok(())
    }

    /// Reads a record written by [`SplitRecord::write_json`].
    ///
    /// # Errors
    /// I/O and parse errors naming the path.
    pub fn read_json(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| dataprep_core::Error::io(path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::Core(dataprep_core::Error::other(
                format!("parse {}", path.display()),
                e,
            ))
        })
    }
}
