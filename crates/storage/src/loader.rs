//! [`Loader`]: batches of records for Rust training code, read from shards with parallel
//! prefetch, shuffled deterministically from (seed, epoch), partitioned by rank with equal batch
//! counts, resumable mid-epoch without losing or repeating a sample, within a memory budget.
//!
//! ## Input
//!
//! [`Loader::new`] takes a directory written by [`ShardedWriter`](crate::ShardedWriter) (its
//! `manifest.json` gives the shards and their record counts), the manifest itself, a directory of
//! shard files (sorted by name; counted once at `build()`), or one shard file;
//! [`Loader::from_files`] takes a list of shard files and [`Loader::from_shards`] a list of
//! [`ShardSpec`]s (with known counts). Shards are Parquet (`.parquet`), JSON Lines (`.jsonl`,
//! `.jsonl.gz`, `.jsonl.zst`), WebDataset tars (`.tar`) or Arrow IPC (`.arrow`, `.ipc`,
//! `.feather`). With the `object-store` feature every location may also be a URL (`s3://…`,
//! `gs://…`, `az://…`, `http(s)://…`, `file://…`): a prefix is listed (or its `manifest.json`
//! read), and each shard is streamed by a reader thread straight from the store, with no
//! temporary file: tars and JSON Lines as one streaming GET, Parquet and Arrow IPC through ranged
//! reads of the blocks they need.
//!
//! ## The order of an epoch
//!
//! Everything below is a function of the shard record counts, the configuration, the seed and the
//! epoch — never of the thread count, the prefetch depth, the memory budget or timing.
//!
//! 1. **Shard order**: the shards are permuted with a ChaCha8 generator seeded from
//!    `(seed, epoch)` (identity when shuffling is off), the same on every rank. Concatenated, they
//!    give `N` sample *positions*.
//! 2. **Partition**: every rank gets the same number of samples `n`, a multiple of the batch
//!    size: [`UnevenPolicy::DropLast`] takes `n = ⌊N / (W·b)⌋·b` (at most `W·b − 1` samples of the
//!    epoch are left out — the last positions, so different ones each epoch);
//!    [`UnevenPolicy::PadWrap`] takes `n = ⌈N / (W·b)⌉·b` (positions wrap around to the start, so
//!    at most `W·b − 1` samples are seen twice). Rank `r` reads the contiguous positions
//!    `r·n .. (r+1)·n` (mod `N`), that is only its own shards and parts of shards.
//! 3. **Shuffle buffer**: the rank's stream of samples is cut into blocks of
//!    [`LoaderConfig::shuffle_buffer`] samples (a block also closes before the sample that would
//!    take it past [`LoaderConfig::shuffle_buffer_bytes`]); each block is permuted with a
//!    generator seeded from `(seed, epoch, rank, block)`, then emitted.
//! 4. **Batches**: consecutive samples of that sequence, `b` at a time; every batch is full and
//!    every rank has `n / b` batches ([`Loader::batches_per_epoch`]), so no rank of a DDP job
//!    waits for a batch that never comes.
//!
//! ## Resume
//!
//! [`Loader::state`] (between batches) is a small serde [`LoaderState`]: epoch, the position of
//! the current shuffle block in the rank's stream (positions walked, samples read), the block
//! number, how many of its samples were already returned, the seed and a fingerprint of
//! everything that shapes the order (shard names and counts, batch size, shuffling, buffer sizes,
//! rank and world size). [`Loader::resume`] re-reads that one block from its first position,
//! permutes it the same way, skips the samples already returned and goes on: the batches after a
//! resume are exactly those an uninterrupted run would have returned. A state from another
//! configuration or dataset is refused with an error naming the difference.
//!
//! ## Memory budget
//!
//! Buffered samples — the shuffle block plus the samples prefetched by the reader threads — are
//! counted with [`Record::approx_size`]. The block holds at most
//! [`LoaderConfig::shuffle_buffer_bytes`]; the prefetch queues at most the rest of
//! [`LoaderConfig::memory_budget`]: a reader thread waits rather than exceed it (prefetch shrinks,
//! nothing grows). When the block being filled needs a sample and none is queued, the thread
//! reading that shard may queue one sample past the limit, so the total never exceeds the budget
//! by more than one sample. [`LoaderStats::peak_buffered_bytes`] reports the peak. While a block
//! is being returned, samples already queued move into the next block (both within the same
//! limits), so memory is reused as it is freed rather than returned to the OS each block.
//!
//! ## Bad shards
//!
//! A bad record (bad JSON line, truncated tar, corrupt Parquet, a shard that cannot be opened or
//! downloaded) comes from the reader as a record error naming the file and line or offset. With
//! [`BadRecordPolicy::Skip`] (default) it is counted in [`LoaderStats`] and logged, and the epoch
//! goes on; the samples a shard lacks are made up by reading on past the rank's positions (the
//! rank still returns its `n / b` batches; a few samples may then repeat; a whole pass over the
//! data without a readable sample is a fatal error, not a hang). With
//! [`BadRecordPolicy::Fail`] the iterator returns the error, and goes on if called again.
//!
//! ```
//! use dataprep_core::{Record, Sink};
//! use dataprep_storage::loader::{Loader, LoaderState};
//! use dataprep_storage::sharded::{JsonlShards, ShardedWriter};
//! # let dir = tempfile::tempdir()?;
//! let mut w = ShardedWriter::new(dir.path(), JsonlShards::default())
//!     .with_max_records(Some(25))
//!     .build()?;
//! for i in 0..100_i64 {
//!     w.write(Record::new().with("id", i).with("x", i as f64))?;
//! }
//! w.finish()?;
//!
//! let mut loader = Loader::new(dir.path()).with_batch_size(8).with_seed(7).build()?;
//! assert_eq!(loader.batches_per_epoch(), 12); // 100 samples, 4 left out this epoch
//! let first = loader.next().unwrap()?;
//! let x = first.array_f32("x")?; // ndarray, shape [8]
//! assert_eq!(x.shape(), &[8]);
//! let state: LoaderState = loader.state();
//! let rest: Vec<_> = loader.by_ref().map(|b| b.unwrap().keys()).collect();
//!
//! let mut again = Loader::new(dir.path()).with_batch_size(8).with_seed(7).build()?;
//! again.resume(&state)?;
//! let resumed: Vec<_> = again.map(|b| b.unwrap().keys()).collect();
//! assert_eq!(resumed, rest);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use arrow_array::RecordBatch;
use dataprep_core::arrow::{ArrowOptions, to_record_batch};
use dataprep_core::{Error, IterableDataset, Record, Result, Schema, Shard, TensorData, Value};
use ndarray::{ArrayD, IxDyn};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::location::is_url;
use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::webdataset::WdsMapping;
use crate::{ArrowIpcReader, JsonlReader, ParquetReader, WebDatasetReader};

/// The `version` of a [`LoaderState`].
pub const STATE_VERSION: &str = "dataprep.loader/1";
/// How many recent error messages [`LoaderStats::recent_errors`] keeps.
const RECENT_ERRORS: usize = 16;

// ---------------------------------------------------------------------------------------------
// Configuration

/// How ranks get equal batch counts when the samples do not divide evenly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnevenPolicy {
    /// Leave out the last `N mod (world_size × batch_size)` positions of the epoch's order.
    #[default]
    DropLast,
    /// Round up, wrapping around to the first positions of the epoch's order.
    PadWrap,
}

/// What to do with a record the reader could not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BadRecordPolicy {
    /// Count it in the stats, log it, go on.
    #[default]
    Skip,
    /// Return the error from the iterator (which goes on if called again).
    Fail,
}

/// The configuration of a [`Loader`]; `with_*` methods, [`Default`], serde.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoaderConfig {
    /// Samples per batch (default 32).
    pub batch_size: usize,
    /// Root seed of the shard order and the shuffle blocks (default 0).
    pub seed: u64,
    /// Shuffle the shard order and each block (default true). Off: file order.
    pub shuffle: bool,
    /// Samples per shuffle block (default 1,024, as the 1,000 of HF `datasets` and WebDataset
    /// examples; larger blocks shuffle more widely but cost memory and cache locality).
    pub shuffle_buffer: usize,
    /// Bytes per shuffle block at most ([`Record::approx_size`]; default 256 MiB).
    pub shuffle_buffer_bytes: u64,
    /// Bytes of buffered samples at most: the shuffle block plus prefetched samples (default
    /// 1 GiB; at least `shuffle_buffer_bytes`).
    pub memory_budget: u64,
    /// Reader threads (default 2).
    pub num_threads: usize,
    /// Shards read ahead at most, counting the one being consumed (default 4).
    pub prefetch_shards: usize,
    /// This process's part of the data (default the whole).
    pub shard: Shard,
    /// Drop or pad to equal batch counts (default drop).
    pub uneven: UnevenPolicy,
    /// Skip or fail on bad records (default skip).
    pub on_error: BadRecordPolicy,
    /// The record ↔ sample mapping of WebDataset shards.
    pub wds_mapping: WdsMapping,
}

impl Default for LoaderConfig {
    fn default() -> Self {
        LoaderConfig {
            batch_size: 32,
            seed: 0,
            shuffle: true,
            shuffle_buffer: 1024,
            shuffle_buffer_bytes: 256 << 20,
            memory_budget: 1 << 30,
            num_threads: 2,
            prefetch_shards: 4,
            shard: Shard::ALL,
            uneven: UnevenPolicy::DropLast,
            on_error: BadRecordPolicy::Skip,
            wds_mapping: WdsMapping::default(),
        }
    }
}

macro_rules! config_setters {
    ($($(#[$doc:meta])* fn $name:ident($arg:ident: $ty:ty) => $field:ident;)*) => {
        impl LoaderConfig {
            $(
                $(#[$doc])*
                #[must_use]
                pub fn $name(mut self, $arg: $ty) -> Self {
                    self.$field = $arg;
                    self
                }
            )*
        }
        impl LoaderBuilder {
            $(
                $(#[$doc])*
                pub fn $name(mut self, $arg: $ty) -> Self {
                    self.config.$field = $arg;
                    self
                }
            )*
        }
    };
}

config_setters! {
    /// Samples per batch.
    fn with_batch_size(n: usize) => batch_size;
    /// Root seed of the order.
    fn with_seed(seed: u64) => seed;
    /// Shuffle (shard order and blocks) or read in file order.
    fn with_shuffle(on: bool) => shuffle;
    /// Samples per shuffle block.
    fn with_shuffle_buffer(n: usize) => shuffle_buffer;
    /// Bytes per shuffle block at most.
    fn with_shuffle_buffer_bytes(bytes: u64) => shuffle_buffer_bytes;
    /// Bytes of buffered samples at most (block + prefetch).
    fn with_memory_budget(bytes: u64) => memory_budget;
    /// Reader threads.
    fn with_num_threads(n: usize) => num_threads;
    /// Shards read ahead at most (counting the one being consumed).
    fn with_prefetch_shards(n: usize) => prefetch_shards;
    /// This process's rank and the world size (see [`Shard`]).
    fn with_shard(shard: Shard) => shard;
    /// Drop or pad to equal batch counts.
    fn with_uneven(policy: UnevenPolicy) => uneven;
    /// Skip or fail on bad records.
    fn with_on_error(policy: BadRecordPolicy) => on_error;
    /// The record ↔ sample mapping of WebDataset shards.
    fn with_wds_mapping(mapping: WdsMapping) => wds_mapping;
}

impl LoaderConfig {
    /// Rank `rank` of `world_size` (checked by [`validate`](Self::validate)).
    #[must_use]
    pub fn with_rank(mut self, rank: usize, world_size: usize) -> Self {
        self.shard = Shard { rank, world_size };
        self
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [`Error::Config`] for a zero size or count, a budget below the shuffle block's bytes, or
    /// a rank outside `0..world_size`.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Config(format!("Loader: {m}")));
        if self.batch_size == 0 || self.shuffle_buffer == 0 {
            return bad("batch_size and shuffle_buffer must be positive");
        }
        if self.num_threads == 0 || self.prefetch_shards == 0 {
            return bad("num_threads and prefetch_shards must be positive");
        }
        if self.shuffle_buffer_bytes == 0 || self.memory_budget < self.shuffle_buffer_bytes {
            return bad("need 0 < shuffle_buffer_bytes <= memory_budget");
        }
        Shard::new(self.shard.rank, self.shard.world_size)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Shards

/// The file format of a shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ShardFileFormat {
    /// `.parquet`.
    Parquet,
    /// `.jsonl`, `.jsonl.gz`, `.jsonl.zst`.
    Jsonl,
    /// `.tar` (WebDataset).
    WebDataset,
    /// `.arrow`, `.ipc`, `.feather` (Arrow IPC file).
    ArrowIpc,
}

impl ShardFileFormat {
    /// The format of a file name, by extension (case-insensitive).
    pub fn from_name(name: &str) -> Option<ShardFileFormat> {
        let n = name.to_ascii_lowercase();
        let has = |exts: &[&str]| exts.iter().any(|e| n.ends_with(e));
        if has(&[".parquet"]) {
            Some(ShardFileFormat::Parquet)
        } else if has(&[".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.zstd"]) {
            Some(ShardFileFormat::Jsonl)
        } else if has(&[".tar"]) {
            Some(ShardFileFormat::WebDataset)
        } else if has(&[".arrow", ".ipc", ".feather"]) {
            Some(ShardFileFormat::ArrowIpc)
        } else {
            None
        }
    }
}

/// One shard to read: a local path or URL, its format and, when known, its record count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShardSpec {
    /// A local path or (feature `object-store`) a URL.
    pub location: String,
    /// The format (by default from the extension).
    pub format: ShardFileFormat,
    /// Records in the shard; `None`: counted by reading it once at `build()`.
    pub records: Option<u64>,
}

impl ShardSpec {
    /// A shard at `location`, its format taken from the extension.
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown extension.
    pub fn new(location: impl Into<String>) -> Result<ShardSpec> {
        let location = location.into();
        let format = ShardFileFormat::from_name(&location).ok_or_else(|| {
            Error::Config(format!(
                "Loader: unknown shard format `{location}` (expected .parquet, .jsonl[.gz|.zst], .tar, .arrow/.ipc/.feather)"
            ))
        })?;
        Ok(ShardSpec {
            location,
            format,
            records: None,
        })
    }

    /// The record count, when known (a manifest's).
    #[must_use]
    pub fn with_records(mut self, records: Option<u64>) -> Self {
        self.records = records;
        self
    }

    /// Overrides the format.
    #[must_use]
    pub fn with_format(mut self, format: ShardFileFormat) -> Self {
        self.format = format;
        self
    }

    /// The file name (the last path segment), used in fingerprints and messages.
    pub fn name(&self) -> &str {
        let s = self.location.trim_end_matches('/');
        s.rsplit(['/', '\\']).next().unwrap_or(s)
    }
}

/// Where a shard's bytes are.
#[derive(Debug, Clone)]
enum Source {
    Local(PathBuf),
    /// A URL, read by the format readers themselves (streamed or ranged).
    #[cfg(feature = "object-store")]
    Url(PathBuf),
}

impl Source {
    fn path(&self) -> &Path {
        match self {
            Source::Local(p) => p,
            #[cfg(feature = "object-store")]
            Source::Url(u) => u,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    spec: ShardSpec,
    source: Source,
}

/// What [`Loader::new`] / [`Loader::from_files`] / [`Loader::from_shards`] were given.
#[derive(Debug, Clone)]
enum Input {
    One(String),
    Files(Vec<String>),
    Shards(Vec<ShardSpec>),
}

fn manifest_specs(m: &Manifest, join: impl Fn(&str) -> String) -> Result<Vec<ShardSpec>> {
    if !m.complete {
        tracing::warn!(
            "the manifest is incomplete (its writer has not finished); reading the shards it lists"
        );
    }
    m.shards
        .iter()
        .map(|s| Ok(ShardSpec::new(join(&s.file))?.with_records(Some(s.records))))
        .collect()
}

fn resolve_local(path: &Path) -> Result<Vec<ShardSpec>> {
    let s = |p: &Path| p.to_string_lossy().into_owned();
    if path.is_dir() {
        let m = path.join(MANIFEST_FILE);
        if m.is_file() {
            return manifest_specs(&Manifest::read(&m)?, |f| s(&path.join(f)));
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let name = p
                    .file_name()
                    .map_or(String::new(), |n| n.to_string_lossy().into_owned());
                p.is_file() && !name.starts_with('.') && ShardFileFormat::from_name(&name).is_some()
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(Error::Config(format!(
                "Loader: no manifest.json and no shard files in {}",
                path.display()
            )));
        }
        return files.iter().map(|p| ShardSpec::new(s(p))).collect();
    }
    if path.file_name().is_some_and(|n| n == MANIFEST_FILE) {
        let dir = path.parent().unwrap_or(Path::new("."));
        return manifest_specs(&Manifest::read(path)?, |f| s(&dir.join(f)));
    }
    if !path.exists() {
        return Err(Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such shard, directory or manifest",
            ),
        ));
    }
    Ok(vec![ShardSpec::new(s(path))?])
}

#[cfg(feature = "object-store")]
fn split_url(url: &str) -> (&str, &str) {
    let t = url.trim_end_matches('/');
    match t.rfind('/') {
        Some(i) if !t[..i].ends_with('/') && !t[..i].ends_with(':') => (&t[..i], &t[i + 1..]),
        _ => (t, ""),
    }
}

#[cfg(feature = "object-store")]
fn resolve_url(url: &str) -> Result<Vec<ShardSpec>> {
    use crate::location::object::ObjectStorage;
    let (parent, last) = split_url(url);
    if ShardFileFormat::from_name(last).is_some() {
        return Ok(vec![ShardSpec::new(url)?]);
    }
    let (prefix, manifest_key) = if last == MANIFEST_FILE {
        (parent.to_owned(), Some(MANIFEST_FILE.to_owned()))
    } else {
        (url.trim_end_matches('/').to_owned(), None)
    };
    let store = ObjectStorage::open(&prefix)?;
    let join = |f: &str| format!("{prefix}/{f}");
    let manifest_key = match manifest_key {
        Some(k) => Some(k),
        None => {
            let keys = store.list("")?;
            if keys.iter().any(|o| o.key == MANIFEST_FILE) {
                Some(MANIFEST_FILE.to_owned())
            } else {
                let mut files: Vec<String> = keys
                    .into_iter()
                    .map(|o| o.key)
                    .filter(|k| {
                        !k.contains('/')
                            && !k.starts_with('.')
                            && ShardFileFormat::from_name(k).is_some()
                    })
                    .collect();
                files.sort();
                if files.is_empty() {
                    return Err(Error::Config(format!(
                        "Loader: no manifest.json and no shard files under {url}"
                    )));
                }
                return files.iter().map(|k| ShardSpec::new(join(k))).collect();
            }
        }
    };
    let bytes = store.read(manifest_key.as_deref().unwrap_or(MANIFEST_FILE))?;
    let m: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| Error::other(format!("reading manifest {prefix}/{MANIFEST_FILE}"), e))?;
    manifest_specs(&m, join)
}

#[cfg(feature = "object-store")]
fn url_entry(spec: ShardSpec) -> Result<Entry> {
    let (parent, _) = split_url(&spec.location);
    // Fails early for a store that cannot be configured (unknown scheme, no credentials).
    crate::location::object::ObjectStorage::open(parent)?;
    let source = Source::Url(PathBuf::from(&spec.location));
    Ok(Entry { spec, source })
}

#[cfg(not(feature = "object-store"))]
fn url_entry(spec: ShardSpec) -> Result<Entry> {
    Err(no_object_store(&spec.location))
}

#[cfg(not(feature = "object-store"))]
fn resolve_url(url: &str) -> Result<Vec<ShardSpec>> {
    Err(no_object_store(url))
}

#[cfg(not(feature = "object-store"))]
fn no_object_store(url: &str) -> Error {
    Error::Config(format!(
        "Loader: `{url}` is a URL; enable the `object-store` feature of dataprep-storage"
    ))
}

fn entry_of(spec: ShardSpec) -> Result<Entry> {
    if is_url(&spec.location) {
        return url_entry(spec);
    }
    let path = PathBuf::from(&spec.location);
    Ok(Entry {
        spec,
        source: Source::Local(path),
    })
}

fn resolve_one(s: &str) -> Result<Vec<ShardSpec>> {
    if is_url(s) {
        return resolve_url(s);
    }
    resolve_local(Path::new(s))
}

/// Feeds the records of one shard to `f` (which returns false to stop). A shard that cannot be
/// opened or downloaded is one record error naming it.
fn for_each_record(entry: &Entry, cfg: &LoaderConfig, f: &mut dyn FnMut(Result<Record>) -> bool) {
    let shard_error = |e: Error| -> Error {
        match e {
            Error::Record(r) => Error::Record(r),
            other => dataprep_core::RecordError::new(
                dataprep_core::RecordErrorKind::Io,
                format!("cannot read shard: {other}"),
            )
            .with_location(dataprep_core::Location::file(&entry.spec.location))
            .into(),
        }
    };
    let path = entry.source.path();
    let run = |ds: &dyn IterableDataset, f: &mut dyn FnMut(Result<Record>) -> bool| match ds.iter()
    {
        Ok(it) => {
            for item in it {
                if !f(item) {
                    break;
                }
            }
        }
        Err(e) => {
            f(Err(shard_error(e)));
        }
    };
    let built: Result<()> = (|| {
        match entry.spec.format {
            ShardFileFormat::Parquet => run(&ParquetReader::new(path).build()?, f),
            ShardFileFormat::Jsonl => run(&JsonlReader::new(path).build()?, f),
            ShardFileFormat::WebDataset => run(
                &WebDatasetReader::new(path)
                    .with_mapping(cfg.wds_mapping.clone())
                    .build()?,
                f,
            ),
            ShardFileFormat::ArrowIpc => run(&ArrowIpcReader::new(path).build()?, f),
        }
        Ok(())
    })();
    if let Err(e) = built {
        f(Err(shard_error(e)));
    }
}

/// Valid records in a shard: from the Parquet footer when it can be read, else by reading.
fn count_records(entry: &Entry, cfg: &LoaderConfig) -> u64 {
    if entry.spec.format == ShardFileFormat::Parquet
        && let Ok(r) = ParquetReader::new(entry.source.path()).build()
        && let Some(n) = r.len_hint()
    {
        return n;
    }
    let mut n = 0;
    for_each_record(entry, cfg, &mut |item| {
        n += u64::from(item.is_ok());
        true
    });
    n
}

// ---------------------------------------------------------------------------------------------
// The plan of an epoch

/// Positions walked by a reader task: shard `shard`'s valid records `from..to`, starting at walk
/// position `walk`.
#[derive(Debug, Clone, Copy)]
struct Task {
    shard: usize,
    from: u64,
    to: u64,
    walk: u64,
}

#[derive(Debug)]
struct Plan {
    counts: Vec<u64>,
    order: Vec<usize>,
    /// `cum[j]`: positions before the `j`-th shard of `order`.
    cum: Vec<u64>,
    total: u64,
    per_rank: u64,
    start: u64,
}

impl Plan {
    fn new(counts: &[u64], cfg: &LoaderConfig, epoch: u64) -> Plan {
        let mut order: Vec<usize> = (0..counts.len()).collect();
        if cfg.shuffle {
            let seed =
                dataprep_core::rng::derive_seed(cfg.seed, "loader/shards", &epoch.to_string());
            order.shuffle(&mut ChaCha8Rng::from_seed(seed));
        }
        let mut cum = Vec::with_capacity(order.len() + 1);
        let mut t = 0u64;
        cum.push(0);
        for &i in &order {
            t += counts[i];
            cum.push(t);
        }
        let (per_rank, start) = partition(t, cfg.shard, cfg.batch_size as u64, cfg.uneven);
        Plan {
            counts: counts.to_vec(),
            order,
            cum,
            total: t,
            per_rank,
            start,
        }
    }

    /// Tasks covering `len` positions from walk position `walk`, split at shard ends.
    fn tasks(&self, walk: u64, len: u64, out: &mut Vec<Task>) {
        if self.total == 0 {
            return;
        }
        let (mut w, end) = (walk, walk + len);
        while w < end {
            let p = (self.start + w) % self.total;
            let j = self.cum.partition_point(|&c| c <= p) - 1;
            let shard = self.order[j];
            let idx = p - self.cum[j];
            let take = (self.counts[shard] - idx).min(end - w);
            out.push(Task {
                shard,
                from: idx,
                to: idx + take,
                walk: w,
            });
            w += take;
        }
    }
}

/// Samples per rank and the first position of `shard`'s span, for `total` positions.
fn partition(total: u64, shard: Shard, batch: u64, policy: UnevenPolicy) -> (u64, u64) {
    let w = shard.world_size as u64;
    let per_rank = match policy {
        UnevenPolicy::DropLast => total / (w * batch) * batch,
        UnevenPolicy::PadWrap => total.div_ceil(w * batch) * batch,
    };
    let start = if total == 0 {
        0
    } else {
        (shard.rank as u64 * per_rank) % total
    };
    (per_rank, start)
}

// ---------------------------------------------------------------------------------------------
// Reader threads and the bounded queues

enum Item {
    Rec { rec: Record, idx: u64, size: u64 },
    Err(Error),
}

#[derive(Default)]
struct TaskQueue {
    items: VecDeque<Item>,
    done: bool,
}

struct PState {
    tasks: Vec<Task>,
    queues: Vec<TaskQueue>,
    next_claim: usize,
    head: usize,
    inflight: u64,
    block_bytes: u64,
    peak: u64,
    consumer_waiting: bool,
    workers_waiting: usize,
    /// Workers waiting for room in the prefetch budget (a subset of `workers_waiting`): only
    /// they need waking when the consumer takes a sample.
    room_waiters: usize,
    stop: bool,
}

struct Shared {
    st: Mutex<PState>,
    consumer: Condvar,
    workers: Condvar,
    /// Bytes the queues may hold (budget − shuffle block bytes).
    prefetch_cap: u64,
    window: usize,
    shards_opened: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, PState> {
        self.st
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn worker(shared: &Shared, entries: &[Entry], cfg: &LoaderConfig) {
    loop {
        let (id, task) = {
            let mut st = shared.lock();
            loop {
                if st.stop {
                    return;
                }
                if st.next_claim < st.tasks.len() && st.next_claim < st.head + shared.window {
                    break;
                }
                st.workers_waiting += 1;
                st = shared
                    .workers
                    .wait(st)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                st.workers_waiting -= 1;
            }
            let id = st.next_claim;
            st.next_claim += 1;
            (id, st.tasks[id])
        };
        shared.shards_opened.fetch_add(1, Ordering::Relaxed);
        let entry = &entries[task.shard];
        let mut i = 0u64;
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for_each_record(entry, cfg, &mut |item| match item {
                Ok(rec) => {
                    let idx = i;
                    i += 1;
                    if idx < task.from {
                        return true;
                    }
                    let size = rec.approx_size() as u64;
                    push(shared, id, Item::Rec { rec, idx, size }) && i < task.to
                }
                Err(e) => i < task.from || push(shared, id, Item::Err(e)),
            });
        }));
        if run.is_err() {
            let e = dataprep_core::RecordError::new(
                dataprep_core::RecordErrorKind::Io,
                "the shard reader panicked",
            )
            .with_location(dataprep_core::Location::file(&entry.spec.location));
            push(shared, id, Item::Err(e.into()));
        }
        let mut st = shared.lock();
        st.queues[id].done = true;
        if st.consumer_waiting {
            shared.consumer.notify_one();
        }
    }
}

/// Queues an item of task `id`, waiting for room in the budget; false when stopped.
fn push(shared: &Shared, id: usize, item: Item) -> bool {
    let size = match &item {
        Item::Rec { size, .. } => *size,
        Item::Err(_) => 0,
    };
    let mut st = shared.lock();
    loop {
        if st.stop {
            return false;
        }
        let fits = size == 0
            || st.inflight + size <= shared.prefetch_cap
            || (id == st.head && st.consumer_waiting && st.queues[id].items.is_empty());
        if fits {
            break;
        }
        st.workers_waiting += 1;
        st.room_waiters += 1;
        st = shared
            .workers
            .wait(st)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        st.workers_waiting -= 1;
        st.room_waiters -= 1;
    }
    st.queues[id].items.push_back(item);
    st.inflight += size;
    st.peak = st.peak.max(st.inflight + st.block_bytes);
    if st.consumer_waiting && id == st.head {
        shared.consumer.notify_one();
    }
    true
}

/// What the consumer got from the head queue.
enum Next {
    Rec {
        rec: Record,
        idx: u64,
        size: u64,
        task: Task,
    },
    Err(Error),
    /// The next sample does not fit the block's remaining bytes.
    Full,
    /// The head task is finished; its walk end.
    TaskEnd(u64),
    /// No planned task is left.
    Exhausted,
}

// ---------------------------------------------------------------------------------------------
// State, stats, batches

/// A resumable position of a [`Loader`], from [`Loader::state`]; see the
/// [module documentation](self). Serialise it with serde (JSON: [`LoaderState::to_json`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoaderState {
    /// Always [`STATE_VERSION`].
    pub version: String,
    /// BLAKE3 of what shapes the order: shard names and counts, batch size, shuffling, buffer
    /// sizes, uneven policy, rank and world size.
    pub fingerprint: String,
    /// The seed.
    pub seed: u64,
    /// The epoch.
    pub epoch: u64,
    /// The rank.
    pub rank: usize,
    /// The world size.
    pub world_size: usize,
    /// The batch size.
    pub batch_size: usize,
    /// Batches already returned in this epoch.
    pub batches: u64,
    /// The current shuffle block's number in this epoch.
    pub block: u64,
    /// Positions walked by the rank before the block's first sample.
    pub block_walk: u64,
    /// Samples read by the rank before the block's first sample.
    pub block_read: u64,
    /// Samples of the block already returned.
    pub block_returned: u64,
}

impl LoaderState {
    /// The state as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A state from JSON.
    ///
    /// # Errors
    /// [`Error::Other`] for text that is not a loader state.
    pub fn from_json(text: &str) -> Result<LoaderState> {
        serde_json::from_str(text).map_err(|e| Error::other("reading a loader state", e))
    }

    /// Writes the state as JSON, crash-safely (temporary file, fsync, rename).
    ///
    /// # Errors
    /// [`Error::Io`] naming the path.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let (tmp, mut file) = crate::atomic::TempFile::create(path)?;
        std::io::Write::write_all(&mut file, self.to_json().as_bytes())
            .map_err(|e| Error::io(path, e))?;
        tmp.commit(file)
    }

    /// Reads a state written by [`save`](Self::save).
    ///
    /// # Errors
    /// [`Error::Io`] naming the path; [`Error::Other`] for a file that is not a loader state.
    pub fn load(path: impl AsRef<Path>) -> Result<LoaderState> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&text)
    }
}

/// Counters of a [`Loader`], from [`Loader::stats`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoaderStats {
    /// The current epoch.
    pub epoch: u64,
    /// Batches per epoch for this rank.
    pub batches_per_epoch: u64,
    /// Batches returned in this epoch.
    pub batches: u64,
    /// Samples returned since the loader was built.
    pub samples: u64,
    /// Shard reads started (a shard split between ranks or re-read on resume counts each time).
    pub shards_opened: u64,
    /// Bad records met (skipped or returned as errors).
    pub errors: u64,
    /// The last few error messages.
    pub recent_errors: Vec<String>,
    /// Bytes buffered now (shuffle block + prefetch queues).
    pub buffered_bytes: u64,
    /// The most bytes ever buffered at once.
    pub peak_buffered_bytes: u64,
    /// The configured budget.
    pub memory_budget: u64,
}

/// A batch of samples: the records, and conversions to Arrow and `ndarray`.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The epoch it belongs to.
    pub epoch: u64,
    /// Its number in the epoch (0-based).
    pub index: u64,
    records: Vec<Record>,
}

/// Why fields of a batch cannot be stacked into an array.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CollateError {
    /// A sample lacks the field (or holds null).
    #[error("field `{field}` is missing in sample `{key}`")]
    Missing {
        /// The field.
        field: String,
        /// The sample's key.
        key: String,
    },
    /// The value is not numeric, or does not convert to the element type.
    #[error("field `{field}` of sample `{key}`: cannot make a {target} array from {found}")]
    Type {
        /// The field.
        field: String,
        /// The sample's key.
        key: String,
        /// The element type asked for.
        target: &'static str,
        /// What the sample holds.
        found: String,
    },
    /// Samples (or the rows of a nested list) have different shapes.
    #[error("field `{field}` is ragged: sample `{key}` has shape {found:?}, expected {expected:?}")]
    Ragged {
        /// The field.
        field: String,
        /// The sample's key.
        key: String,
        /// The first sample's shape.
        expected: Vec<usize>,
        /// This sample's shape.
        found: Vec<usize>,
    },
}

impl From<CollateError> for Error {
    fn from(e: CollateError) -> Self {
        let key = match &e {
            CollateError::Missing { key, .. }
            | CollateError::Type { key, .. }
            | CollateError::Ragged { key, .. } => key.clone(),
        };
        dataprep_core::RecordError::new(dataprep_core::RecordErrorKind::Field, e.to_string())
            .with_key(key)
            .into()
    }
}

/// An element type of [`Batch::array`]: `f32`, `f64`, `i64`, `u8`.
pub trait Element: Copy + Send + 'static + private::Sealed {
    /// Its name in messages.
    const NAME: &'static str;
    /// From a scalar value, if it converts exactly (floats to floats by `as`).
    fn from_value(v: &Value) -> Option<Self>;
    /// Appends a tensor's elements, if they convert.
    fn extend_tensor(data: &TensorData, out: &mut Vec<Self>) -> bool;
}

mod private {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for i64 {}
    impl Sealed for u8 {}
}

macro_rules! float_element {
    ($t:ty, $name:literal) => {
        impl Element for $t {
            const NAME: &'static str = $name;
            #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
            fn from_value(v: &Value) -> Option<Self> {
                match v {
                    Value::Float(x) => Some(*x as $t),
                    Value::Int(x) => Some(*x as $t),
                    Value::UInt(x) => Some(*x as $t),
                    Value::Bool(b) => Some(<$t>::from(u8::from(*b))),
                    _ => None,
                }
            }
            fn extend_tensor(data: &TensorData, out: &mut Vec<Self>) -> bool {
                match data {
                    TensorData::F32(v) => out.extend(v.iter().map(|&x| <$t>::from(x))),
                    TensorData::U8(v) => out.extend(v.iter().map(|&x| <$t>::from(x))),
                }
                true
            }
        }
    };
}
float_element!(f32, "f32");
float_element!(f64, "f64");

impl Element for i64 {
    const NAME: &'static str = "i64";
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(x) => Some(*x),
            Value::UInt(x) => i64::try_from(*x).ok(),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }
    fn extend_tensor(data: &TensorData, out: &mut Vec<Self>) -> bool {
        match data {
            TensorData::U8(v) => {
                out.extend(v.iter().map(|&x| i64::from(x)));
                true
            }
            TensorData::F32(_) => false,
        }
    }
}

impl Element for u8 {
    const NAME: &'static str = "u8";
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(x) => u8::try_from(*x).ok(),
            Value::UInt(x) => u8::try_from(*x).ok(),
            Value::Bool(b) => Some(u8::from(*b)),
            _ => None,
        }
    }
    fn extend_tensor(data: &TensorData, out: &mut Vec<Self>) -> bool {
        match data {
            TensorData::U8(v) => {
                out.extend_from_slice(v);
                true
            }
            TensorData::F32(_) => false,
        }
    }
}

/// Appends the elements of `v` and returns its shape; `Err(found)` names what did not convert,
/// `Ok(None)` a ragged nested list.
fn flatten<T: Element>(
    v: &Value,
    out: &mut Vec<T>,
) -> std::result::Result<Option<Vec<usize>>, String> {
    match v {
        Value::Tensor(t) => {
            if T::extend_tensor(t.data(), out) {
                Ok(Some(t.shape().to_vec()))
            } else {
                Err(format!("a {:?} tensor", t.elem()))
            }
        }
        Value::List(items) => {
            // Fast path: a flat list of numbers.
            let start = out.len();
            if items.iter().all(|it| match T::from_value(it) {
                Some(x) => {
                    out.push(x);
                    true
                }
                None => false,
            }) {
                return Ok(Some(vec![items.len()]));
            }
            out.truncate(start);
            let mut inner: Option<Vec<usize>> = None;
            for it in items {
                let Some(s) = flatten(it, out)? else {
                    return Ok(None);
                };
                match &inner {
                    None => inner = Some(s),
                    Some(prev) if *prev != s => return Ok(None),
                    Some(_) => {}
                }
            }
            let mut shape = vec![items.len()];
            shape.extend(inner.unwrap_or_default());
            Ok(Some(shape))
        }
        other => match T::from_value(other) {
            Some(x) => {
                out.push(x);
                Ok(Some(Vec::new()))
            }
            None => Err(match other {
                Value::Int(x) => format!("the integer {x}"),
                Value::UInt(x) => format!("the integer {x}"),
                Value::Float(x) => format!("the float {x}"),
                o => o.type_name().to_owned(),
            }),
        },
    }
}

impl Batch {
    /// A batch of these records.
    pub fn new(epoch: u64, index: u64, records: Vec<Record>) -> Batch {
        Batch {
            epoch,
            index,
            records,
        }
    }

    /// The samples.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Takes the samples out.
    pub fn into_records(self) -> Vec<Record> {
        self.records
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True for an empty batch.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The samples' keys, in order.
    pub fn keys(&self) -> Vec<String> {
        self.records.iter().map(|r| r.key().to_owned()).collect()
    }

    /// The batch as an Arrow [`RecordBatch`], its schema inferred from the samples.
    ///
    /// # Errors
    /// [`Error::Schema`] when the samples' field types conflict.
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let schema = Schema::infer(&self.records)?;
        to_record_batch(&self.records, &schema, &ArrowOptions::default())
    }

    /// The batch as an Arrow [`RecordBatch`] with a given schema (so every batch has the same
    /// columns) and options (a key column).
    ///
    /// # Errors
    /// A record error (kind `Schema`) naming the sample that does not fit.
    pub fn to_record_batch_with(
        &self,
        schema: &Schema,
        opts: &ArrowOptions,
    ) -> Result<RecordBatch> {
        to_record_batch(&self.records, schema, opts)
    }

    /// Stacks `field` of every sample into one array of shape `[batch, ...]`: numbers give
    /// `[batch]`, tensors and (nested, rectangular) lists of numbers of shape `s` give
    /// `[batch, ...s]`.
    ///
    /// # Errors
    /// [`CollateError`]: a sample lacks the field, holds a non-numeric value (or one out of the
    /// element type's range, or a float for an integer array), or shapes differ.
    pub fn array<T: Element>(&self, field: &str) -> std::result::Result<ArrayD<T>, CollateError> {
        let mut data: Vec<T> = Vec::new();
        let mut shape: Option<Vec<usize>> = None;
        for r in &self.records {
            let v = match r.get(field) {
                Some(v) if !v.is_null() => v,
                _ => {
                    return Err(CollateError::Missing {
                        field: field.to_owned(),
                        key: r.key().to_owned(),
                    });
                }
            };
            let before = data.len();
            let s = flatten::<T>(v, &mut data).map_err(|found| CollateError::Type {
                field: field.to_owned(),
                key: r.key().to_owned(),
                target: T::NAME,
                found,
            })?;
            let ragged = |found: Vec<usize>, expected: Vec<usize>| CollateError::Ragged {
                field: field.to_owned(),
                key: r.key().to_owned(),
                expected,
                found,
            };
            let Some(s) = s else {
                return Err(ragged(Vec::new(), shape.clone().unwrap_or_default()));
            };
            debug_assert_eq!(data.len() - before, s.iter().product::<usize>());
            match &shape {
                None => {
                    data.reserve((self.records.len() - 1) * s.iter().product::<usize>());
                    shape = Some(s);
                }
                Some(prev) if *prev != s => return Err(ragged(s, prev.clone())),
                Some(_) => {}
            }
        }
        let mut full = vec![self.records.len()];
        full.extend(shape.unwrap_or_default());
        Ok(ArrayD::from_shape_vec(IxDyn(&full), data)
            .expect("element count checked against the shapes"))
    }

    /// [`array`](Self::array) of `f32`.
    ///
    /// # Errors
    /// As [`array`](Self::array).
    pub fn array_f32(&self, field: &str) -> std::result::Result<ArrayD<f32>, CollateError> {
        self.array(field)
    }

    /// [`array`](Self::array) of `f64`.
    ///
    /// # Errors
    /// As [`array`](Self::array).
    pub fn array_f64(&self, field: &str) -> std::result::Result<ArrayD<f64>, CollateError> {
        self.array(field)
    }

    /// [`array`](Self::array) of `i64` (integers, booleans, `u8` tensors).
    ///
    /// # Errors
    /// As [`array`](Self::array).
    pub fn array_i64(&self, field: &str) -> std::result::Result<ArrayD<i64>, CollateError> {
        self.array(field)
    }

    /// [`array`](Self::array) of `u8` (integers in range, booleans, `u8` tensors).
    ///
    /// # Errors
    /// As [`array`](Self::array).
    pub fn array_u8(&self, field: &str) -> std::result::Result<ArrayD<u8>, CollateError> {
        self.array(field)
    }
}

// ---------------------------------------------------------------------------------------------
// The loader

/// Configures a [`Loader`]: the input, then the `with_*` settings of [`LoaderConfig`].
#[derive(Debug, Clone)]
#[must_use]
pub struct LoaderBuilder {
    input: Input,
    config: LoaderConfig,
}

impl LoaderBuilder {
    /// Replaces the whole configuration.
    pub fn with_config(mut self, config: LoaderConfig) -> Self {
        self.config = config;
        self
    }

    /// Rank `rank` of `world_size`.
    pub fn with_rank(mut self, rank: usize, world_size: usize) -> Self {
        self.config = self.config.with_rank(rank, world_size);
        self
    }

    /// Finds the shards, counts the records of those without a count (in parallel), validates
    /// the configuration and positions the loader at the start of epoch 0.
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid configuration, no shards, an unknown extension or a URL
    /// without the `object-store` feature; [`Error::Io`] for a missing local input; an object
    /// storage error for a URL that cannot be listed or read.
    pub fn build(self) -> Result<Loader> {
        self.config.validate()?;
        let specs: Vec<ShardSpec> = match self.input {
            Input::One(s) => resolve_one(&s)?,
            Input::Files(fs) => fs
                .iter()
                .map(|f| ShardSpec::new(f.clone()))
                .collect::<Result<_>>()?,
            Input::Shards(s) => s,
        };
        if specs.is_empty() {
            return Err(Error::Config("Loader: no shards".into()));
        }
        let entries: Vec<Entry> = specs.into_iter().map(entry_of).collect::<Result<_>>()?;
        let cfg = &self.config;
        let counts: Vec<u64> = {
            use rayon::prelude::*;
            entries
                .par_iter()
                .map(|e| e.spec.records.unwrap_or_else(|| count_records(e, cfg)))
                .collect()
        };
        let fingerprint = fingerprint(&entries, &counts, cfg);
        let mut loader = Loader {
            entries: Arc::new(entries),
            counts,
            fingerprint,
            config: self.config,
            epoch: 0,
            run: None,
            samples: 0,
            errors: 0,
            recent_errors: VecDeque::new(),
            peak: 0,
            shards_opened: 0,
        };
        loader.start(0, None);
        Ok(loader)
    }
}

#[derive(Serialize)]
struct FingerprintInput<'a> {
    version: &'a str,
    shards: Vec<(&'a str, u64)>,
    batch_size: usize,
    shuffle: bool,
    shuffle_buffer: usize,
    shuffle_buffer_bytes: u64,
    uneven: UnevenPolicy,
    rank: usize,
    world_size: usize,
}

fn fingerprint(entries: &[Entry], counts: &[u64], cfg: &LoaderConfig) -> String {
    let input = FingerprintInput {
        version: STATE_VERSION,
        shards: entries
            .iter()
            .zip(counts)
            .map(|(e, &c)| (e.spec.name(), c))
            .collect(),
        batch_size: cfg.batch_size,
        shuffle: cfg.shuffle,
        shuffle_buffer: cfg.shuffle_buffer,
        shuffle_buffer_bytes: cfg.shuffle_buffer_bytes,
        uneven: cfg.uneven,
        rank: cfg.shard.rank,
        world_size: cfg.shard.world_size,
    };
    let bytes = serde_json::to_vec(&input).unwrap_or_default();
    blake3::hash(&bytes).to_hex()[..32].to_owned()
}

/// Where the consumer is in the rank's stream.
#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    /// Positions walked.
    walk: u64,
    /// Samples read into blocks.
    read: u64,
}

/// One epoch being read.
struct Run {
    plan: Arc<Plan>,
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    cur: Cursor,
    /// End of the planned walk.
    planned: u64,
    /// The walk position of the last sample read (to detect a dataset with none left).
    last_read_walk: u64,
    block_index: u64,
    block_start: Cursor,
    /// Where the next block starts: the cursor when the current block closed.
    next_block_start: Cursor,
    /// Samples of the current block already taken into batches.
    block_taken: u64,
    /// Samples of the block to discard when it is filled (resume).
    skip: u64,
    filling: Option<Vec<(Record, u64)>>,
    fill_bytes: u64,
    block: VecDeque<(Record, u64)>,
    pending: Vec<Record>,
    batches: u64,
    finished: bool,
    /// State as of the last batch returned.
    snapshot: (u64, Cursor, u64, u64),
}

impl Drop for Run {
    fn drop(&mut self) {
        {
            let mut st = self.shared.lock();
            st.stop = true;
        }
        self.shared.workers.notify_all();
        self.shared.consumer.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// Batches for training: see the [module documentation](self).
///
/// An [`Iterator`] of `Result<Batch>` over the current epoch; [`set_epoch`](Self::set_epoch)
/// starts another. Reader threads run while an epoch is being read and stop when the loader is
/// dropped or moved to another epoch.
pub struct Loader {
    config: LoaderConfig,
    entries: Arc<Vec<Entry>>,
    counts: Vec<u64>,
    fingerprint: String,
    epoch: u64,
    run: Option<Run>,
    samples: u64,
    errors: u64,
    recent_errors: VecDeque<String>,
    peak: u64,
    shards_opened: u64,
}

impl fmt::Debug for Loader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loader")
            .field("shards", &self.entries.len())
            .field("samples", &self.counts.iter().sum::<u64>())
            .field("epoch", &self.epoch)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Loader {
    /// Starts configuring a loader of a directory (with or without `manifest.json`), a manifest,
    /// one shard file, or (feature `object-store`) a URL of any of these.
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(input: impl AsRef<Path>) -> LoaderBuilder {
        LoaderBuilder {
            input: Input::One(input.as_ref().to_string_lossy().into_owned()),
            config: LoaderConfig::default(),
        }
    }

    /// Starts configuring a loader of these shard files (paths or URLs), format by extension.
    pub fn from_files<S: AsRef<str>>(files: impl IntoIterator<Item = S>) -> LoaderBuilder {
        LoaderBuilder {
            input: Input::Files(files.into_iter().map(|s| s.as_ref().to_owned()).collect()),
            config: LoaderConfig::default(),
        }
    }

    /// Starts configuring a loader of these shards.
    pub fn from_shards(shards: impl IntoIterator<Item = ShardSpec>) -> LoaderBuilder {
        LoaderBuilder {
            input: Input::Shards(shards.into_iter().collect()),
            config: LoaderConfig::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LoaderConfig {
        &self.config
    }

    /// The shards, in file order, with their record counts.
    pub fn shards(&self) -> Vec<ShardSpec> {
        self.entries
            .iter()
            .zip(&self.counts)
            .map(|(e, &c)| e.spec.clone().with_records(Some(c)))
            .collect()
    }

    /// Samples in the dataset (all ranks).
    pub fn num_samples(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Samples this rank returns per epoch.
    pub fn samples_per_epoch(&self) -> u64 {
        partition(
            self.num_samples(),
            self.config.shard,
            self.config.batch_size as u64,
            self.config.uneven,
        )
        .0
    }

    /// Batches this rank returns per epoch (the same on every rank).
    pub fn batches_per_epoch(&self) -> u64 {
        self.samples_per_epoch() / self.config.batch_size as u64
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The configuration fingerprint stored in states.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Starts epoch `epoch` from its beginning (stopping the current one).
    pub fn set_epoch(&mut self, epoch: u64) {
        self.start(epoch, None);
    }

    /// The position after the last batch returned, to pass to [`resume`](Self::resume) later.
    pub fn state(&self) -> LoaderState {
        let (block, cur, returned, batches) = self
            .run
            .as_ref()
            .map_or((0, Cursor::default(), 0, 0), |r| r.snapshot);
        LoaderState {
            version: STATE_VERSION.into(),
            fingerprint: self.fingerprint.clone(),
            seed: self.config.seed,
            epoch: self.epoch,
            rank: self.config.shard.rank,
            world_size: self.config.shard.world_size,
            batch_size: self.config.batch_size,
            batches,
            block,
            block_walk: cur.walk,
            block_read: cur.read,
            block_returned: returned,
        }
    }

    /// Continues from a state of a loader with the same data and configuration: the next batch
    /// is the one that followed when the state was taken.
    ///
    /// # Errors
    /// [`Error::Config`] naming the difference when the state comes from another seed, rank,
    /// world size, batch size, dataset or shuffle configuration, or another state version.
    pub fn resume(&mut self, state: &LoaderState) -> Result<()> {
        let refuse = |what: String| {
            Err(Error::Config(format!(
                "cannot resume: the state was saved with {what}"
            )))
        };
        if state.version != STATE_VERSION {
            return refuse(format!(
                "format `{}` (this is {STATE_VERSION})",
                state.version
            ));
        }
        let c = &self.config;
        if state.seed != c.seed {
            return refuse(format!(
                "seed {}, this loader has seed {}",
                state.seed, c.seed
            ));
        }
        if (state.rank, state.world_size) != (c.shard.rank, c.shard.world_size) {
            return refuse(format!(
                "rank {} of {}, this loader is rank {} of {}",
                state.rank, state.world_size, c.shard.rank, c.shard.world_size
            ));
        }
        if state.batch_size != c.batch_size {
            return refuse(format!(
                "batch size {}, this loader has {}",
                state.batch_size, c.batch_size
            ));
        }
        if state.fingerprint != self.fingerprint {
            return refuse(format!(
                "another dataset or shuffle configuration (fingerprint {}, this loader {}): same shard names and record counts, shuffle, shuffle_buffer, shuffle_buffer_bytes and uneven policy are needed",
                state.fingerprint, self.fingerprint
            ));
        }
        let plan = Plan::new(&self.counts, &self.config, state.epoch);
        if state.block_read > plan.per_rank || state.batches > plan.per_rank / c.batch_size as u64 {
            return refuse("a position past the end of its epoch".into());
        }
        self.start(
            state.epoch,
            Some((
                state.block,
                Cursor {
                    walk: state.block_walk,
                    read: state.block_read,
                },
                state.block_returned,
                state.batches,
            )),
        );
        Ok(())
    }

    /// Counters: batches, samples, errors, shard reads, buffered bytes and their peak.
    pub fn stats(&self) -> LoaderStats {
        let (buffered, peak, opened, batches) = self.run.as_ref().map_or((0, 0, 0, 0), |r| {
            let st = r.shared.lock();
            (
                st.inflight + st.block_bytes,
                st.peak,
                r.shared.shards_opened.load(Ordering::Relaxed),
                r.batches,
            )
        });
        LoaderStats {
            epoch: self.epoch,
            batches_per_epoch: self.batches_per_epoch(),
            batches,
            samples: self.samples,
            shards_opened: self.shards_opened + opened,
            errors: self.errors,
            recent_errors: self.recent_errors.iter().cloned().collect(),
            buffered_bytes: buffered,
            peak_buffered_bytes: self.peak.max(peak),
            memory_budget: self.config.memory_budget,
        }
    }

    /// Stops the current epoch's threads, keeping their counters.
    fn stop(&mut self) {
        if let Some(run) = self.run.take() {
            let st = run.shared.lock();
            self.peak = self.peak.max(st.peak);
            drop(st);
            self.shards_opened += run.shared.shards_opened.load(Ordering::Relaxed);
        }
    }

    /// Starts epoch `epoch`, at its beginning or at `(block, block start, returned, batches)`.
    fn start(&mut self, epoch: u64, at: Option<(u64, Cursor, u64, u64)>) {
        self.stop();
        self.epoch = epoch;
        let plan = Arc::new(Plan::new(&self.counts, &self.config, epoch));
        let (block, cur, returned, batches) = at.unwrap_or((0, Cursor::default(), 0, 0));
        let mut tasks = Vec::new();
        let planned = cur.walk + plan.per_rank.saturating_sub(cur.read);
        plan.tasks(cur.walk, planned - cur.walk, &mut tasks);
        let queues = tasks.iter().map(|_| TaskQueue::default()).collect();
        let cfg = &self.config;
        let shared = Arc::new(Shared {
            st: Mutex::new(PState {
                tasks,
                queues,
                next_claim: 0,
                head: 0,
                inflight: 0,
                block_bytes: 0,
                peak: 0,
                consumer_waiting: false,
                workers_waiting: 0,
                room_waiters: 0,
                stop: false,
            }),
            consumer: Condvar::new(),
            workers: Condvar::new(),
            prefetch_cap: cfg.memory_budget - cfg.shuffle_buffer_bytes,
            window: cfg.prefetch_shards,
            shards_opened: AtomicU64::new(0),
        });
        let workers = (0..cfg.num_threads)
            .map(|i| {
                let shared = Arc::clone(&shared);
                let entries = Arc::clone(&self.entries);
                let cfg = cfg.clone();
                std::thread::Builder::new()
                    .name(format!("dataprep-loader-{i}"))
                    .spawn(move || worker(&shared, &entries, &cfg))
                    .expect("spawning a loader thread")
            })
            .collect();
        self.run = Some(Run {
            finished: cur.read >= plan.per_rank && returned == 0,
            plan,
            shared,
            workers,
            cur,
            planned,
            last_read_walk: cur.walk,
            block_index: block,
            block_start: cur,
            next_block_start: cur,
            block_taken: 0,
            skip: returned,
            filling: None,
            fill_bytes: 0,
            block: VecDeque::new(),
            pending: Vec::new(),
            batches,
            snapshot: (block, cur, returned, batches),
        });
    }

    fn note_error(&mut self, e: &Error) {
        self.errors += 1;
        let msg = e.to_string();
        tracing::warn!(epoch = self.epoch, "loader: {msg}");
        if self.recent_errors.len() == RECENT_ERRORS {
            self.recent_errors.pop_front();
        }
        self.recent_errors.push_back(msg);
    }

    /// The next batch of the current epoch; `Ok(None)` at its end.
    ///
    /// # Errors
    /// With [`BadRecordPolicy::Fail`], a bad record's error (call again to go on); a fatal error
    /// when the dataset holds too few readable samples to fill the rank's batches.
    pub fn next_batch(&mut self) -> Result<Option<Batch>> {
        let b = self.config.batch_size;
        loop {
            let Some(run) = self.run.as_mut() else {
                return Ok(None);
            };
            if run.finished {
                return Ok(None);
            }
            // Move samples of the current block into the batch.
            if !run.block.is_empty() {
                let mut released = 0;
                while run.pending.len() < b {
                    let Some((rec, size)) = run.block.pop_front() else {
                        break;
                    };
                    released += size;
                    run.pending.push(rec);
                    run.block_taken += 1;
                }
                if released > 0 {
                    let mut st = run.shared.lock();
                    st.block_bytes -= released;
                }
                if run.block.is_empty() {
                    run.block_index += 1;
                    run.block_start = run.next_block_start;
                    run.block_taken = 0;
                } else if self.config.shuffle {
                    run.top_up(self.config.shuffle_buffer, self.config.shuffle_buffer_bytes);
                }
                if run.pending.len() == b {
                    let records = std::mem::take(&mut run.pending);
                    let index = run.batches;
                    run.batches += 1;
                    run.snapshot = (
                        run.block_index,
                        run.block_start,
                        run.block_taken,
                        run.batches,
                    );
                    if run.block.is_empty()
                        && run.filling.as_ref().is_none_or(Vec::is_empty)
                        && run.cur.read >= run.plan.per_rank
                    {
                        run.finished = true;
                    }
                    self.samples += records.len() as u64;
                    return Ok(Some(Batch::new(self.epoch, index, records)));
                }
                continue;
            }
            if run.cur.read >= run.plan.per_rank && run.filling.as_ref().is_none_or(Vec::is_empty) {
                run.finished = true;
                if run.pending.is_empty() {
                    return Ok(None);
                }
                // Cannot happen (every rank reads a multiple of the batch size); be safe.
                let records = std::mem::take(&mut run.pending);
                let index = run.batches;
                run.batches += 1;
                self.samples += records.len() as u64;
                return Ok(Some(Batch::new(self.epoch, index, records)));
            }
            // Fill the next block.
            match self.fill_block() {
                Ok(()) => {}
                Err(e) => {
                    if let Some(run) = self.run.as_mut()
                        && !e.is_record()
                    {
                        run.finished = true;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// Reads the next shuffle block into `run.block`, permuted.
    fn fill_block(&mut self) -> Result<()> {
        // Without shuffling a block is one sample: nothing waits for a block to fill.
        let cap = if self.config.shuffle {
            self.config.shuffle_buffer
        } else {
            1
        };
        let cap_bytes = self.config.shuffle_buffer_bytes;
        loop {
            let run = self.run.as_mut().expect("a run");
            let fill = run.filling.get_or_insert_with(Vec::new);
            let full_count = fill.len() >= cap || run.cur.read >= run.plan.per_rank;
            let next = if full_count {
                Next::Full
            } else {
                let room = cap_bytes.saturating_sub(run.fill_bytes);
                next_item(&run.shared, room, !fill.is_empty())
            };
            match next {
                Next::Rec {
                    rec,
                    idx,
                    size,
                    task,
                } => {
                    run.cur.walk = task.walk + (idx - task.from) + 1;
                    run.cur.read += 1;
                    run.last_read_walk = run.cur.walk;
                    run.fill_bytes += size;
                    fill.push((rec, size));
                }
                Next::TaskEnd(end) => run.cur.walk = run.cur.walk.max(end),
                Next::Err(e) => {
                    self.note_error(&e);
                    if self.config.on_error == BadRecordPolicy::Fail {
                        return Err(e);
                    }
                }
                Next::Exhausted => {
                    let need = run.plan.per_rank - run.cur.read;
                    if run.planned - run.last_read_walk >= run.plan.total {
                        return Err(Error::other(
                            format!("loader epoch {}", self.epoch),
                            format!(
                                "rank {} needs {} samples but read only {}: a whole pass over the {} listed positions found no readable sample",
                                self.config.shard.rank,
                                run.plan.per_rank,
                                run.cur.read,
                                run.plan.total
                            ),
                        ));
                    }
                    let from = run.planned;
                    let mut st = run.shared.lock();
                    let before = st.tasks.len();
                    run.plan.tasks(from, need, &mut st.tasks);
                    let added = st.tasks.len() - before;
                    st.queues.extend((0..added).map(|_| TaskQueue::default()));
                    drop(st);
                    run.shared.workers.notify_all();
                    run.planned = from + need;
                    run.cur.walk = run.cur.walk.max(from);
                }
                Next::Full => {
                    let mut records = run.filling.take().unwrap_or_default();
                    run.fill_bytes = 0;
                    run.next_block_start = run.cur;
                    if self.config.shuffle {
                        let key = format!(
                            "{}/{}/{}",
                            self.epoch, self.config.shard.rank, run.block_index
                        );
                        let seed =
                            dataprep_core::rng::derive_seed(self.config.seed, "loader/block", &key);
                        records.shuffle(&mut ChaCha8Rng::from_seed(seed));
                    }
                    let skip = (run.skip as usize).min(records.len());
                    run.skip = 0;
                    let dropped: u64 = records[..skip].iter().map(|(_, s)| *s).sum();
                    if dropped > 0 {
                        run.shared.lock().block_bytes -= dropped;
                    }
                    run.block_taken = skip as u64;
                    run.block = records.into_iter().skip(skip).collect();
                    if run.block.is_empty() {
                        // Nothing left in it (an empty final block): move on.
                        run.block_index += 1;
                        run.block_start = run.cur;
                        run.block_taken = 0;
                        if run.cur.read >= run.plan.per_rank {
                            return Ok(());
                        }
                        continue;
                    }
                    return Ok(());
                }
            }
        }
    }
}

impl Run {
    /// While the current block is being returned, moves samples that are already queued into
    /// the next block, as long as both blocks together stay within `cap` samples and
    /// `cap_bytes`: memory is then reused as it is freed, and the next block is mostly read when
    /// the current one runs out. Which samples form the next block does not change.
    fn top_up(&mut self, cap: usize, cap_bytes: u64) {
        loop {
            let fill = self.filling.get_or_insert_with(Vec::new);
            if fill.len() >= cap
                || self.block.len() + fill.len() >= cap
                || self.cur.read >= self.plan.per_rank
            {
                return;
            }
            let room = cap_bytes.saturating_sub(self.fill_bytes);
            match try_next_item(&self.shared, room, !fill.is_empty(), cap_bytes) {
                Some(Next::Rec {
                    rec,
                    idx,
                    size,
                    task,
                }) => {
                    self.cur.walk = task.walk + (idx - task.from) + 1;
                    self.cur.read += 1;
                    self.last_read_walk = self.cur.walk;
                    self.fill_bytes += size;
                    fill.push((rec, size));
                }
                Some(Next::TaskEnd(end)) => self.cur.walk = self.cur.walk.max(end),
                _ => return,
            }
        }
    }
}

/// Like [`next_item`] without waiting: `None` when nothing is queued, the head item is an error
/// (left for [`next_item`]), or the next sample would not fit the block or take the consumer's
/// bytes past `limit`.
fn try_next_item(shared: &Shared, room: u64, nonempty: bool, limit: u64) -> Option<Next> {
    let mut st = shared.lock();
    let head = st.head;
    if head >= st.tasks.len() {
        return None;
    }
    let task = st.tasks[head];
    match st.queues[head].items.front() {
        Some(Item::Rec { size, .. }) => {
            if (nonempty && *size > room) || st.block_bytes + *size > limit {
                return None;
            }
        }
        Some(Item::Err(_)) => return None,
        None if st.queues[head].done => {
            st.head += 1;
            st.queues[head] = TaskQueue::default();
            if st.workers_waiting > 0 {
                shared.workers.notify_all();
            }
            return Some(Next::TaskEnd(task.walk + (task.to - task.from)));
        }
        None => return None,
    }
    let Some(Item::Rec { rec, idx, size }) = st.queues[head].items.pop_front() else {
        unreachable!("checked above");
    };
    st.inflight -= size;
    st.block_bytes += size;
    if st.room_waiters > 0 {
        shared.workers.notify_all();
    }
    Some(Next::Rec {
        rec,
        idx,
        size,
        task,
    })
}

/// Takes the next item of the head task; waits for the readers when none is queued.
fn next_item(shared: &Shared, room: u64, nonempty: bool) -> Next {
    let mut st = shared.lock();
    loop {
        let head = st.head;
        if head >= st.tasks.len() {
            return Next::Exhausted;
        }
        let task = st.tasks[head];
        if let Some(front) = st.queues[head].items.front() {
            if let Item::Rec { size, .. } = front
                && nonempty
                && *size > room
            {
                return Next::Full;
            }
            let item = st.queues[head].items.pop_front().expect("checked");
            if st.room_waiters > 0 {
                shared.workers.notify_all();
            }
            return match item {
                Item::Rec { rec, idx, size } => {
                    st.inflight -= size;
                    st.block_bytes += size;
                    Next::Rec {
                        rec,
                        idx,
                        size,
                        task,
                    }
                }
                Item::Err(e) => Next::Err(e),
            };
        }
        if st.queues[head].done {
            st.head += 1;
            st.queues[head] = TaskQueue::default();
            if st.workers_waiting > 0 {
                shared.workers.notify_all();
            }
            return Next::TaskEnd(task.walk + (task.to - task.from));
        }
        st.consumer_waiting = true;
        // The head task's reader may now queue one sample past the budget.
        if st.room_waiters > 0 {
            shared.workers.notify_all();
        }
        st = shared
            .consumer
            .wait(st)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        st.consumer_waiting = false;
    }
}

impl Iterator for Loader {
    type Item = Result<Batch>;

    /// [`Loader::next_batch`] as an iterator over the current epoch.
    fn next(&mut self) -> Option<Result<Batch>> {
        self.next_batch().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_sizes() {
        let s = |r, w| Shard::new(r, w).unwrap();
        assert_eq!(partition(100, s(0, 1), 8, UnevenPolicy::DropLast), (96, 0));
        assert_eq!(partition(100, s(0, 1), 8, UnevenPolicy::PadWrap), (104, 0));
        assert_eq!(partition(100, s(2, 3), 8, UnevenPolicy::DropLast), (32, 64));
        assert_eq!(partition(100, s(2, 3), 8, UnevenPolicy::PadWrap), (40, 80));
        assert_eq!(partition(10, s(1, 2), 8, UnevenPolicy::DropLast), (0, 0));
        assert_eq!(partition(0, s(1, 2), 8, UnevenPolicy::PadWrap), (0, 0));
    }

    #[test]
    fn tasks_split_at_shard_ends_and_wrap() {
        let cfg = LoaderConfig::default()
            .with_shuffle(false)
            .with_batch_size(4)
            .with_uneven(UnevenPolicy::PadWrap)
            .with_rank(1, 2);
        // 10 samples, 2 ranks × 4 → 8 each; rank 1 starts at 8 and wraps.
        let plan = Plan::new(&[3, 0, 7], &cfg, 0);
        assert_eq!((plan.per_rank, plan.start), (8, 8));
        let mut t = Vec::new();
        plan.tasks(0, 8, &mut t);
        let got: Vec<_> = t.iter().map(|t| (t.shard, t.from, t.to, t.walk)).collect();
        assert_eq!(got, vec![(2, 5, 7, 0), (0, 0, 3, 2), (2, 0, 3, 5)]);
    }

    #[test]
    fn shard_order_depends_on_seed_and_epoch_only() {
        let counts = vec![1; 20];
        let cfg = LoaderConfig::default();
        let a = Plan::new(&counts, &cfg, 0).order;
        assert_eq!(
            a,
            Plan::new(&counts, &cfg.clone().with_num_threads(7), 0).order
        );
        assert_ne!(a, Plan::new(&counts, &cfg, 1).order);
        assert_ne!(a, Plan::new(&counts, &cfg.clone().with_seed(1), 0).order);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn formats_by_name() {
        assert_eq!(
            ShardFileFormat::from_name("a/b-000001.TAR"),
            Some(ShardFileFormat::WebDataset)
        );
        assert_eq!(
            ShardFileFormat::from_name("x.jsonl.zst"),
            Some(ShardFileFormat::Jsonl)
        );
        assert_eq!(
            ShardFileFormat::from_name("x.parquet"),
            Some(ShardFileFormat::Parquet)
        );
        assert_eq!(
            ShardFileFormat::from_name("x.feather"),
            Some(ShardFileFormat::ArrowIpc)
        );
        assert_eq!(ShardFileFormat::from_name("x.tar.idx.json"), None);
        assert!(
            is_url("s3://b/k") && is_url("file:///tmp") && !is_url("/tmp/a") && !is_url("C://x")
        );
        assert_eq!(ShardSpec::new("s3://b/p/x.tar").unwrap().name(), "x.tar");
    }

    #[test]
    fn collate_shapes_and_errors() {
        let t = |v: Vec<f32>| Value::Tensor(dataprep_core::Tensor::f32(vec![2, 2], v).unwrap());
        let b = Batch::new(
            0,
            0,
            vec![
                Record::new()
                    .with_key("a")
                    .with("x", t(vec![1., 2., 3., 4.]))
                    .with("y", 1_i64),
                Record::new()
                    .with_key("b")
                    .with("x", t(vec![5., 6., 7., 8.]))
                    .with("y", 2_i64),
            ],
        );
        let x = b.array_f32("x").unwrap();
        assert_eq!(x.shape(), &[2, 2, 2]);
        assert_eq!(x[[1, 0, 1]], 6.0);
        assert_eq!(
            b.array_i64("y").unwrap().into_raw_vec_and_offset().0,
            vec![1, 2]
        );
        assert!(matches!(b.array_i64("x"), Err(CollateError::Type { .. })));
        assert!(matches!(
            b.array_f32("z"),
            Err(CollateError::Missing { .. })
        ));
    }
}
