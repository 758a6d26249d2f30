//! Versioning and backup of sharded datasets (the output of a
//! [`ShardedWriter`](crate::ShardedWriter): shards plus `manifest.json`), in a local directory
//! or an object store.
//!
//! - [`Snapshot`]: a content-addressed picture of a dataset — every record key with the hash of
//!   the record's content ([`record_hash`]), the shard each record is in, and the manifest's
//!   shard list (records, bytes, BLAKE3, SHA-256). Its [`id`](Snapshot::id) is the hash of the
//!   key → content map, so two datasets holding the same records under the same keys have the
//!   same id however they are sharded or compressed.
//! - [`diff`]: the keys added, removed and changed between two snapshots.
//! - [`verify`]: re-hashes every shard and every record and reports each problem by shard and,
//!   where the format allows, by record (key, line, offset or row group).
//! - [`copy`] and [`backup`]: copy a dataset between stores (local ↔ object store), skipping
//!   files already there, and verify every file after the copy; the manifest is written last.
//!
//! **Record content hash.** BLAKE3 (derive-key mode, context `dataprep 2026 record content
//! v1`) of a canonical encoding of the record's fields: sorted by field name, each value tagged
//! with its type; integers that fit `i64` are encoded the same whether stored signed or unsigned,
//! and every NaN the same, so a record keeps its hash through every lossless format (a JSONL,
//! Parquet or WebDataset shard of the same records gives the same hashes). The key is not part
//! of the content.
//!
//! **Keys.** Records are identified by their keys. A key seen again in the same snapshot gets a
//! suffix in reading order (`k`, `k#2`, `k#3`, …) so that every entry is kept. Keys that name a
//! position (`shard-000001.jsonl.zst:5`, the readers' default when a record has no key field)
//! move when the sharding changes: keep a key field (`id`) in the records for diffs across
//! re-shardings.
//!
//! ```
//! use dataprep_core::{Record, Sink};
//! use dataprep_storage::{JsonlShards, ShardedWriter};
//! use dataprep_storage::versioning::{Snapshot, diff, verify};
//! # let dir = tempfile::tempdir()?;
//! let write = |d: &std::path::Path, texts: &[&str]| -> dataprep_core::Result<()> {
//!     let mut w = ShardedWriter::new(d, JsonlShards::default()).with_max_records(Some(2)).build()?;
//!     for (i, t) in texts.iter().enumerate() {
//!         w.write(Record::new().with("id", format!("doc{i}")).with("text", *t))?;
//!     }
//!     w.finish()
//! };
//! let (v1, v2) = (dir.path().join("v1"), dir.path().join("v2"));
//! write(&v1, &["a", "b", "c"])?;
//! write(&v2, &["a", "B"])?;
//! let (a, b) = (Snapshot::of_shards(&v1)?, Snapshot::of_shards(&v2)?);
//! let d = diff(&a, &b);
//! assert_eq!((d.added.len(), d.removed, d.changed), (0, vec!["doc2".to_string()], vec!["doc1".to_string()]));
//! assert!(verify(&v1, Some(&a))?.is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use dataprep_core::{
    Error, IterableDataset, Location, Record, RecordError, Result, TensorData, TimeUnit, Value,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::checksum::{self, HashingReader};
use crate::location::Dir;
use crate::manifest::{MANIFEST_FILE, Manifest, ShardInfo};
use crate::sharded_reader::ShardedReader;

/// The `version` of snapshot files.
pub const SNAPSHOT_VERSION: &str = "dataprep.snapshot/1";

// ---------------------------------------------------------------------------------------------
// Record content hash

/// The content hash of a record: BLAKE3 of its canonical encoding (see the
/// [module documentation](self)), lowercase hex.
///
/// ```
/// use dataprep_core::{Record, Value};
/// use dataprep_storage::versioning::record_hash;
/// let a = Record::new().with("n", 5_i64).with("text", "hi");
/// let b = Record::new().with("text", "hi").with("n", Value::UInt(5)).with_key("other");
/// assert_eq!(record_hash(&a), record_hash(&b)); // field order, integer sign and key aside
/// assert_ne!(record_hash(&a), record_hash(&a.clone().with("n", 6_i64)));
/// ```
pub fn record_hash(record: &Record) -> String {
    let mut h = blake3::Hasher::new_derive_key("dataprep 2026 record content v1");
    let mut fields: Vec<&(String, Value)> = record.fields().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    h.update(&(fields.len() as u64).to_le_bytes());
    for (name, value) in fields {
        put_bytes(&mut h, name.as_bytes());
        put_value(&mut h, value);
    }
    h.finalize().to_hex().to_string()
}

fn put_bytes(h: &mut blake3::Hasher, b: &[u8]) {
    h.update(&(b.len() as u64).to_le_bytes());
    h.update(b);
}

fn put_value(h: &mut blake3::Hasher, v: &Value) {
    match v {
        Value::Null => {
            h.update(&[0]);
        }
        Value::Bool(b) => {
            h.update(&[1, u8::from(*b)]);
        }
        Value::Int(i) => {
            h.update(&[2]);
            h.update(&i.to_le_bytes());
        }
        Value::UInt(u) => match i64::try_from(*u) {
            Ok(i) => {
                h.update(&[2]);
                h.update(&i.to_le_bytes());
            }
            Err(_) => {
                h.update(&[3]);
                h.update(&u.to_le_bytes());
            }
        },
        Value::Float(f) => {
            let bits = if f.is_nan() {
                f64::NAN.to_bits()
            } else {
                f.to_bits()
            };
            h.update(&[4]);
            h.update(&bits.to_le_bytes());
        }
        Value::Str(s) => {
            h.update(&[5]);
            put_bytes(h, s.as_bytes());
        }
        Value::Bytes(b) => {
            h.update(&[6]);
            put_bytes(h, b);
        }
        Value::List(items) => {
            h.update(&[7]);
            h.update(&(items.len() as u64).to_le_bytes());
            for x in items {
                put_value(h, x);
            }
        }
        Value::Struct(fields) => {
            h.update(&[8]);
            h.update(&(fields.len() as u64).to_le_bytes());
            for (k, x) in fields {
                put_bytes(h, k.as_bytes());
                put_value(h, x);
            }
        }
        Value::Map(pairs) => {
            h.update(&[9]);
            h.update(&(pairs.len() as u64).to_le_bytes());
            for (k, x) in pairs {
                put_value(h, k);
                put_value(h, x);
            }
        }
        Value::Timestamp { value, unit } => {
            let u = match unit {
                TimeUnit::Second => 0u8,
                TimeUnit::Millisecond => 1,
                TimeUnit::Microsecond => 2,
                TimeUnit::Nanosecond => 3,
            };
            h.update(&[10, u]);
            h.update(&value.to_le_bytes());
        }
        Value::Tensor(t) => {
            h.update(&[11]);
            h.update(&(t.shape().len() as u64).to_le_bytes());
            for d in t.shape() {
                h.update(&(*d as u64).to_le_bytes());
            }
            match t.data() {
                TensorData::F32(x) => {
                    h.update(&[0]);
                    for f in x {
                        let bits = if f.is_nan() {
                            f32::NAN.to_bits()
                        } else {
                            f.to_bits()
                        };
                        h.update(&bits.to_le_bytes());
                    }
                }
                TensorData::U8(x) => {
                    h.update(&[1]);
                    h.update(x);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Snapshots

/// One record of a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SnapshotEntry {
    /// The record key (with a `#n` suffix for the n-th occurrence of a repeated key).
    #[serde(rename = "k")]
    pub key: String,
    /// [`record_hash`] of the record.
    #[serde(rename = "h")]
    pub hash: String,
    /// The index of the shard holding it, for a snapshot of shards.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<u32>,
}

/// A content-addressed snapshot of a dataset; see the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Snapshot {
    /// Always [`SNAPSHOT_VERSION`].
    pub version: String,
    /// The content address: BLAKE3 of the sorted (key, content hash) pairs, lowercase hex.
    pub id: String,
    /// The shards, from the manifest (empty for a snapshot of another dataset).
    pub shards: Vec<ShardInfo>,
    /// Every record, sorted by key.
    pub records: Vec<SnapshotEntry>,
}

/// Assigns `#n` suffixes to repeated keys, in reading order.
#[derive(Default)]
struct KeyCounter(HashMap<String, u32>);

impl KeyCounter {
    fn unique(&mut self, key: &str) -> String {
        let n = self.0.entry(key.to_owned()).or_insert(0);
        *n += 1;
        if *n == 1 {
            key.to_owned()
        } else {
            format!("{key}#{n}")
        }
    }
}

/// Records read in batches of this many for parallel hashing.
const HASH_BATCH: usize = 1024;

/// Hashes the records of a stream in parallel batches; the first record error ends it.
fn hash_stream(
    it: impl Iterator<Item = Result<Record>>,
    mut each: impl FnMut(&str, String),
) -> Result<()> {
    let mut batch = Vec::with_capacity(HASH_BATCH);
    let mut flush = |batch: &mut Vec<Record>| {
        let hashes: Vec<String> = batch.par_iter().map(record_hash).collect();
        for (r, h) in batch.iter().zip(hashes) {
            each(r.key(), h);
        }
        batch.clear();
    };
    for item in it {
        batch.push(item?);
        if batch.len() == HASH_BATCH {
            flush(&mut batch);
        }
    }
    flush(&mut batch);
    Ok(())
}

impl Snapshot {
    fn from_entries(shards: Vec<ShardInfo>, mut records: Vec<SnapshotEntry>) -> Snapshot {
        records.sort_by(|a, b| a.key.cmp(&b.key));
        let mut h = blake3::Hasher::new_derive_key("dataprep 2026 snapshot id v1");
        for e in &records {
            put_bytes(&mut h, e.key.as_bytes());
            put_bytes(&mut h, e.hash.as_bytes());
        }
        Snapshot {
            version: SNAPSHOT_VERSION.into(),
            id: h.finalize().to_hex().to_string(),
            shards,
            records,
        }
    }

    /// A snapshot of any dataset (no shard information).
    ///
    /// # Errors
    /// The dataset's first error, record errors included: a snapshot covers every record.
    pub fn of_dataset(dataset: &dyn IterableDataset) -> Result<Snapshot> {
        let mut keys = KeyCounter::default();
        let mut records = Vec::new();
        hash_stream(dataset.iter()?, |k, hash| {
            records.push(SnapshotEntry {
                key: keys.unique(k),
                hash,
                shard: None,
            });
        })?;
        Ok(Self::from_entries(Vec::new(), records))
    }

    /// A snapshot of the sharded dataset at `location` (a directory or URL with a manifest):
    /// every shard is verified against the manifest and every record hashed.
    ///
    /// # Errors
    /// As [`Manifest::open`]; the first record error (a corrupt shard, a bad record): run
    /// [`verify`] to see them all.
    pub fn of_shards(location: impl AsRef<Path>) -> Result<Snapshot> {
        let reader = ShardedReader::open(location.as_ref()).build()?;
        let mut keys = KeyCounter::default();
        let mut records = Vec::new();
        for i in 0..reader.manifest().shards.len() {
            let shard = u32::try_from(i).unwrap_or(u32::MAX);
            hash_stream(reader.shard(i)?, |k, hash| {
                records.push(SnapshotEntry {
                    key: keys.unique(k),
                    hash,
                    shard: Some(shard),
                });
            })?;
        }
        Ok(Self::from_entries(
            reader.manifest().shards.clone(),
            records,
        ))
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True for a snapshot of no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The content hash of the record with this key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.records
            .binary_search_by(|e| e.key.as_str().cmp(key))
            .ok()
            .map(|i| self.records[i].hash.as_str())
    }

    /// Writes the snapshot as JSON to a file or object URL (atomically).
    ///
    /// # Errors
    /// I/O or object-store errors naming the location.
    pub fn write(&self, location: impl AsRef<Path>) -> Result<()> {
        let (dir, name) = Dir::of_file(location.as_ref())?;
        let mut bytes =
            serde_json::to_vec(self).map_err(|e| Error::other("serialising a snapshot", e))?;
        bytes.push(b'\n');
        dir.write(&name, &bytes)
    }

    /// Reads a snapshot written by [`write`](Self::write); its id is checked against its
    /// records.
    ///
    /// # Errors
    /// I/O errors; [`Error::Other`] for a file that is not a snapshot or whose id does not match
    /// its records (a damaged snapshot).
    pub fn read(location: impl AsRef<Path>) -> Result<Snapshot> {
        let location = location.as_ref();
        let (dir, name) = Dir::of_file(location)?;
        let bytes = dir
            .read(&name)?
            .ok_or_else(|| Error::io(dir.location(&name), std::io::ErrorKind::NotFound.into()))?;
        let what = || format!("reading snapshot {}", location.display());
        let s: Snapshot = serde_json::from_slice(&bytes).map_err(|e| Error::other(what(), e))?;
        let again = Self::from_entries(Vec::new(), s.records.clone());
        if again.id != s.id || again.records != s.records {
            return Err(Error::other(
                what(),
                "its id does not match its records (damaged or edited)",
            ));
        }
        Ok(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Diff

/// What changed from one snapshot to another: keys, each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SnapshotDiff {
    /// Keys only in the second snapshot.
    pub added: Vec<String>,
    /// Keys only in the first snapshot.
    pub removed: Vec<String>,
    /// Keys in both whose content differs.
    pub changed: Vec<String>,
}

impl SnapshotDiff {
    /// True when the two snapshots hold the same records.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

impl fmt::Display for SnapshotDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} removed, {} changed",
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        )
    }
}

/// The keys added, removed and changed from `a` to `b` (a merge of the two sorted key lists).
pub fn diff(a: &Snapshot, b: &Snapshot) -> SnapshotDiff {
    let mut d = SnapshotDiff::default();
    let (mut i, mut j) = (0, 0);
    let (x, y) = (&a.records, &b.records);
    while i < x.len() || j < y.len() {
        match (x.get(i), y.get(j)) {
            (Some(p), Some(q)) if p.key == q.key => {
                if p.hash != q.hash {
                    d.changed.push(p.key.clone());
                }
                i += 1;
                j += 1;
            }
            (Some(p), Some(q)) if p.key < q.key => {
                d.removed.push(p.key.clone());
                i += 1;
            }
            (Some(_), Some(q)) => {
                d.added.push(q.key.clone());
                j += 1;
            }
            (Some(p), None) => {
                d.removed.push(p.key.clone());
                i += 1;
            }
            (None, Some(q)) => {
                d.added.push(q.key.clone());
                j += 1;
            }
            (None, None) => break,
        }
    }
    d
}

// ---------------------------------------------------------------------------------------------
// Verify

/// What is wrong, in a [`Problem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A shard listed in the manifest is missing.
    MissingShard,
    /// A shard's size, BLAKE3 or SHA-256 differs from the manifest.
    ShardChecksum,
    /// A shard holds another number of records than the manifest lists.
    RecordCount,
    /// A record cannot be read (corrupt, truncated).
    UnreadableRecord,
    /// A record's content differs from the snapshot's.
    ChangedRecord,
    /// A record of the snapshot is not in the dataset.
    MissingRecord,
    /// A record of the dataset is not in the snapshot.
    UnexpectedRecord,
}

/// One problem found by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// The shard's file name.
    pub shard: String,
    /// The record key, for a problem with one record.
    pub key: Option<String>,
    /// Where in the shard (line, row, byte offset), when the format tells.
    pub location: Option<String>,
    /// A description.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} in {}", self.kind, self.shard)?;
        if let Some(k) = &self.key {
            write!(f, ", record `{k}`")?;
        }
        if let Some(l) = &self.location {
            write!(f, " at {l}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The result of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Shards listed in the manifest.
    pub shards: usize,
    /// Records read.
    pub records: u64,
    /// Every problem found, by shard in order.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The shards with at least one problem, in order, without repeats.
    pub fn bad_shards(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.problems
            .iter()
            .filter(|p| seen.insert(p.shard.as_str()))
            .map(|p| p.shard.as_str())
            .collect()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} shards, {} records, {} problems",
            self.shards,
            self.records,
            self.problems.len()
        )?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// Verifies the sharded dataset at `location` (a directory or URL with a manifest): re-hashes
/// every shard (size, BLAKE3, SHA-256) against the manifest, reads and hashes every record of
/// every shard (corrupt shards included, to find the damaged records), checks the record counts
/// and, given a snapshot, compares every record with it.
///
/// # Errors
/// Only when the manifest cannot be read; everything else is a [`Problem`] in the report.
pub fn verify(location: impl AsRef<Path>, snapshot: Option<&Snapshot>) -> Result<VerifyReport> {
    let location = location.as_ref();
    let reader = ShardedReader::open(location)
        .with_verify_checksums(false)
        .build()?;
    let dir = Dir::open(location)?;
    let manifest = reader.manifest().clone();
    let mut report = VerifyReport {
        shards: manifest.shards.len(),
        ..VerifyReport::default()
    };
    let problem =
        |kind, shard: &ShardInfo, key: Option<String>, loc: Option<String>, msg| Problem {
            kind,
            shard: shard.file.clone(),
            key,
            location: loc,
            message: msg,
        };
    let mut keys = KeyCounter::default();
    let mut seen = BTreeSet::new();
    for (i, info) in manifest.shards.iter().enumerate() {
        match dir.checksums(&info.file) {
            Ok(None) => {
                report.problems.push(problem(
                    ProblemKind::MissingShard,
                    info,
                    None,
                    None,
                    "listed in the manifest but missing".into(),
                ));
                continue;
            }
            Ok(Some(sums)) => {
                let sha_ok = info.sha256.is_empty() || sums.sha256 == info.sha256;
                if sums.bytes != info.bytes || sums.blake3 != info.blake3 || !sha_ok {
                    report.problems.push(problem(
                        ProblemKind::ShardChecksum,
                        info,
                        None,
                        None,
                        format!(
                            "{} bytes, blake3 {}, sha256 {}; the manifest lists {} bytes, blake3 \
                             {}, sha256 {}",
                            sums.bytes,
                            sums.blake3,
                            sums.sha256,
                            info.bytes,
                            info.blake3,
                            info.sha256
                        ),
                    ));
                }
            }
            Err(e) => {
                report.problems.push(problem(
                    ProblemKind::MissingShard,
                    info,
                    None,
                    None,
                    format!("cannot be read: {e}"),
                ));
                continue;
            }
        }
        let mut count = 0u64;
        let mut batch = Vec::new();
        let mut unreadable = Vec::new();
        for item in reader.shard(i)? {
            match item {
                Ok(r) => batch.push(r),
                Err(Error::Record(e)) => unreadable.push(*e),
                Err(e) => unreadable.push(RecordError::new(
                    dataprep_core::RecordErrorKind::Io,
                    e.to_string(),
                )),
            }
        }
        // A count mismatch is reported by the reader as a record error; keep it as its own kind.
        for e in unreadable {
            let kind = if e.message.contains("the manifest lists") {
                ProblemKind::RecordCount
            } else {
                ProblemKind::UnreadableRecord
            };
            let loc = e.location.as_deref().map(position);
            report
                .problems
                .push(problem(kind, info, e.key.clone(), loc, e.message.clone()));
        }
        let hashes: Vec<String> = batch.par_iter().map(record_hash).collect();
        for (r, h) in batch.iter().zip(hashes) {
            count += 1;
            let key = keys.unique(r.key());
            if let Some(s) = snapshot {
                match s.get(&key) {
                    Some(want) if want == h => {}
                    Some(_) => report.problems.push(problem(
                        ProblemKind::ChangedRecord,
                        info,
                        Some(key.clone()),
                        None,
                        "content differs from the snapshot".into(),
                    )),
                    None => report.problems.push(problem(
                        ProblemKind::UnexpectedRecord,
                        info,
                        Some(key.clone()),
                        None,
                        "not in the snapshot".into(),
                    )),
                }
            }
            seen.insert(key);
        }
        report.records += count;
    }
    if let Some(s) = snapshot {
        for e in &s.records {
            if !seen.contains(&e.key) {
                let shard = e
                    .shard
                    .and_then(|i| s.shards.get(i as usize))
                    .map_or_else(|| "?".to_owned(), |x| x.file.clone());
                report.problems.push(Problem {
                    kind: ProblemKind::MissingRecord,
                    shard,
                    key: Some(e.key.clone()),
                    location: None,
                    message: "in the snapshot but not in the dataset".into(),
                });
            }
        }
        // Problems by shard in order, then by key.
        let order: HashMap<&str, usize> = manifest
            .shards
            .iter()
            .enumerate()
            .map(|(i, s)| (s.file.as_str(), i))
            .collect();
        report.problems.sort_by_key(|p| {
            (
                order.get(p.shard.as_str()).copied().unwrap_or(usize::MAX),
                p.key.clone(),
            )
        });
    }
    Ok(report)
}

/// The position part of a location (line, row, offset), without the path.
fn position(l: &Location) -> String {
    let mut parts = Vec::new();
    if let Some(x) = l.line {
        parts.push(format!("line {x}"));
    }
    if let Some(x) = l.row {
        parts.push(format!("row {x}"));
    }
    if let Some(x) = l.offset {
        parts.push(format!("offset {x}"));
    }
    if parts.is_empty() {
        l.path
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    } else {
        parts.join(", ")
    }
}

// ---------------------------------------------------------------------------------------------
// Copy and backup

/// The result of [`copy`] or [`backup`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CopyReport {
    /// Where the dataset was copied to.
    pub destination: String,
    /// Files copied (and verified), in order; the manifest last.
    pub copied: Vec<String>,
    /// Files already at the destination with the same content (verified, not copied).
    pub skipped: Vec<String>,
    /// Bytes copied.
    pub bytes: u64,
}

/// Copies the sharded dataset at `src` to `dst` (directories or URLs, in any combination:
/// local ↔ object store, store ↔ store), then verifies the copy; the manifest goes last, so a
/// reader of `dst` that sees it sees every shard.
///
/// Every non-hidden file under `src` is copied, subdirectories included (shards, sidecar
/// indices, snapshots, an HF layout's `data/`, …; hidden files and directories, such as
/// temporary files, are not), streamed (multipart uploads to object stores). Shards are checked against the manifest while
/// they are read from `src` (a corrupt source shard is an error, never copied into a backup)
/// and re-read from `dst` after the copy; other files are re-read and compared with the hash
/// taken while copying. A shard already at `dst` with the manifest's size and checksums is
/// skipped, so an interrupted copy resumes.
///
/// # Errors
/// [`Error::Other`] naming the file for a corrupt source shard or a copy that does not verify;
/// I/O and object-store errors.
pub fn copy(src: impl AsRef<Path>, dst: impl AsRef<Path>) -> Result<CopyReport> {
    let (src, dst) = (src.as_ref(), dst.as_ref());
    let from = Dir::open(src)?;
    let to = Dir::open(dst)?;
    to.create()?;
    let manifest = Manifest::open(src)?;
    let listed: HashMap<&str, &ShardInfo> = manifest
        .shards
        .iter()
        .map(|s| (s.file.as_str(), s))
        .collect();
    let mut report = CopyReport {
        destination: dst.display().to_string(),
        ..CopyReport::default()
    };
    let mut files: Vec<String> = from
        .list_all()?
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n != MANIFEST_FILE)
        .collect();
    for s in &manifest.shards {
        if !files.contains(&s.file) {
            return Err(Error::other(
                format!("copying {}", from.location(&s.file).display()),
                "a shard listed in the manifest is missing",
            ));
        }
    }
    files.sort();
    for name in &files {
        let shard = listed.get(name.as_str()).copied();
        if let Some(s) = shard
            && matches!(to.checksums(name), Ok(Some(sums)) if s_matches(s, &sums))
        {
            report.skipped.push(name.clone());
            continue;
        }
        let mut reader = HashingReader {
            inner: from.reader(name)?,
            hasher: checksum::Hasher::new(),
        };
        to.put_stream(&mut reader, name)?;
        let sums = reader.hasher.finish();
        if let Some(s) = shard
            && !s_matches(s, &sums)
        {
            to.delete(name)?;
            return Err(Error::other(
                format!("copying {}", from.location(name).display()),
                format!(
                    "the source shard does not match the manifest (blake3 {} instead of {}); \
                     not copied",
                    sums.blake3, s.blake3
                ),
            ));
        }
        match to.checksums(name)? {
            Some(back) if back == sums => {}
            other => {
                return Err(Error::other(
                    format!("verifying {}", to.location(name).display()),
                    format!(
                        "the copy differs from the source ({} instead of {})",
                        other.map_or_else(|| "missing".into(), |c| c.blake3),
                        sums.blake3
                    ),
                ));
            }
        }
        report.bytes += sums.bytes;
        report.copied.push(name.clone());
    }
    // The manifest last, checked after the copy too.
    let bytes = from.read(MANIFEST_FILE)?.unwrap_or_default();
    to.write(MANIFEST_FILE, &bytes)?;
    if to.read(MANIFEST_FILE)?.as_deref() != Some(bytes.as_slice()) {
        return Err(Error::other(
            format!("verifying {}", to.location(MANIFEST_FILE).display()),
            "the copied manifest differs from the source",
        ));
    }
    report.bytes += bytes.len() as u64;
    report.copied.push(MANIFEST_FILE.into());
    Ok(report)
}

fn s_matches(s: &ShardInfo, sums: &checksum::Checksums) -> bool {
    sums.bytes == s.bytes
        && sums.blake3 == s.blake3
        && (s.sha256.is_empty() || sums.sha256 == s.sha256)
}

/// Backs up the dataset at `src` under `root` (a directory or URL), in a subdirectory named by
/// the manifest's content (the first 16 hex digits of its BLAKE3): a dataset that did not change
/// maps to the same backup, which is then only verified. Returns the report; its
/// `destination` is the backup's location.
///
/// # Errors
/// As [`copy`].
pub fn backup(src: impl AsRef<Path>, root: impl AsRef<Path>) -> Result<CopyReport> {
    let src = src.as_ref();
    let from = Dir::open(src)?;
    let bytes = from.read(MANIFEST_FILE)?.ok_or_else(|| {
        Error::io(
            from.location(MANIFEST_FILE),
            std::io::ErrorKind::NotFound.into(),
        )
    })?;
    let id = blake3::hash(&bytes).to_hex()[..16].to_owned();
    let root = root.as_ref();
    let dst: PathBuf = match crate::location::url_of(root) {
        Some(u) => PathBuf::from(format!("{}/{id}", u.trim_end_matches('/'))),
        None => root.join(&id),
    };
    copy(src, &dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_ignore_field_order_and_integer_sign_but_not_types() {
        let a = Record::new().with("a", 1_i64).with("b", "x");
        let b = Record::new().with("b", "x").with("a", Value::UInt(1));
        assert_eq!(record_hash(&a), record_hash(&b));
        let c = Record::new().with("a", 1.0).with("b", "x");
        assert_ne!(record_hash(&a), record_hash(&c));
        let d = Record::new().with("a", 1_i64).with("b", b"x".to_vec());
        assert_ne!(record_hash(&a), record_hash(&d));
        // Length prefixes: ("ab", "") differs from ("a", "b").
        let e = Record::new().with("ab", "");
        let f = Record::new().with("a", "b");
        assert_ne!(record_hash(&e), record_hash(&f));
        assert_eq!(
            record_hash(&Record::new().with("x", f64::NAN)),
            record_hash(&Record::new().with("x", -f64::NAN))
        );
    }

    #[test]
    fn repeated_keys_get_suffixes() {
        let mut k = KeyCounter::default();
        let got: Vec<String> = ["a", "b", "a", "a"].iter().map(|x| k.unique(x)).collect();
        assert_eq!(got, ["a", "b", "a#2", "a#3"]);
    }
}
