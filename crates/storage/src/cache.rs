//! [`StageCache`]: the outputs of a chain of stages, cached on disk under a fingerprint of what
//! produced them, so that a rerun with the same inputs reuses them and a change recomputes only
//! what it affects.
//!
//! ## Keys
//!
//! The output after stage `k` of a [`StageChain`] is stored under the fingerprint
//!
//! ```text
//! fp_0 = H(cache format, dataprep-storage version, input fingerprint, seed)
//! fp_k = H(fp_(k-1), stage_k.fingerprint())      // name, crate version and config of stage k
//! ```
//!
//! so every prefix of the chain has its own entry. A run looks for the longest prefix whose
//! entry exists and is intact, reads it, and runs only the stages after it (in one pass, writing
//! the entry of each new prefix on the way). Changing the config of stage `k` changes `fp_k` and
//! every later fingerprint, but not `fp_1 … fp_(k-1)`: those entries are reused. The input
//! fingerprint is the caller's statement of what the input is: [`fingerprint_files`] (paths,
//! sizes, modification times and optionally contents), [`fingerprint_manifest`] (a sharded
//! dataset's checksums), a [`Snapshot`](crate::versioning::Snapshot) id, or anything else.
//!
//! ## Entries
//!
//! `{dir}/{fp_hex}/records.bin.zst` (the records, losslessly: key and every field, any type, as
//! length-prefixed `postcard` frames in one zstd stream) and `{dir}/{fp_hex}/entry.json` (the
//! fingerprint, the stage names, the record count, the file's size and BLAKE3, and the time of
//! last use). An entry is written in a hidden temporary directory, fsynced, and renamed into
//! place only after the whole run succeeded, so a crash or a failed run leaves no entry. A hit
//! re-hashes the records file before using it: an entry that is truncated, corrupt or does not
//! match its manifest is a miss (and is deleted), never wrong data.
//!
//! ## Eviction
//!
//! [`StageCache::with_max_bytes`] bounds the cache's size: after a run, the least recently used
//! entries (by `last_used`, updated on every hit) are deleted until the total fits, except the
//! output the run returns.
//!
//! ```
//! use dataprep_core::{Context, IterableDataset, MapStage, Record, VecDataset, Fingerprint};
//! use dataprep_storage::cache::{StageCache, StageChain};
//! # let dir = tempfile::tempdir()?;
//! let cache = StageCache::open(dir.path())?.with_max_bytes(Some(1 << 30));
//! let input = VecDataset::new(vec![Record::new().with("text", "a b")]);
//! let chain = || StageChain::new().stage(MapStage::new("upper", (), |r: &mut Record, _: &Context| {
//!     let t = r.str("text")?.to_uppercase();
//!     r.set("text", t);
//!     Ok(())
//! }));
//! let input_fp = Fingerprint::of("my-input", "v1", &serde_json::Value::Null);
//! let first = cache.run(&input, input_fp, chain())?;
//! assert_eq!((first.reused, first.computed), (0, 1));
//! let again = cache.run(&input, input_fp, chain())?;
//! assert_eq!((again.reused, again.computed), (1, 0));
//! assert_eq!(again.output.iter()?.next().unwrap()?.str("text")?, "A B");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use dataprep_core::{
    Action, Context, Error, Fingerprint, IterableDataset, Location, Pipeline, Record, RecordError,
    RecordErrorKind, Records, Result, Shard, Sink, Stage, StatefulStage, Summary, Value,
};
use serde::{Deserialize, Serialize};

use crate::manifest::Manifest;

/// The format of cache entries; part of every fingerprint.
pub const CACHE_FORMAT: &str = "dataprep.cache/1";
const RECORDS_FILE: &str = "records.bin.zst";
const ENTRY_FILE: &str = "entry.json";
/// Largest encoded record accepted when reading an entry (a corrupt length is a miss, not an
/// allocation).
const MAX_FRAME: u32 = 1 << 30;

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

// ---------------------------------------------------------------------------------------------
// Input fingerprints

/// The fingerprint of a set of files by path, size and modification time — and, with
/// `contents`, by the BLAKE3 of their bytes (slower, but robust to tools that keep mtimes).
///
/// # Errors
/// [`Error::Io`] naming a file that cannot be read.
pub fn fingerprint_files<P: AsRef<Path>>(
    paths: impl IntoIterator<Item = P>,
    contents: bool,
) -> Result<Fingerprint> {
    let mut h = blake3::Hasher::new_derive_key("dataprep 2026 cache input files v1");
    let mut paths: Vec<PathBuf> = paths.into_iter().map(|p| p.as_ref().to_owned()).collect();
    paths.sort();
    for p in paths {
        let m = std::fs::metadata(&p).map_err(|e| Error::io(&p, e))?;
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let name = p.to_string_lossy();
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(&m.len().to_le_bytes());
        h.update(&mtime.to_le_bytes());
        if contents {
            let sums = crate::checksum::of_file(&p).map_err(|e| Error::io(&p, e))?;
            h.update(sums.blake3.as_bytes());
        }
    }
    Ok(Fingerprint(*h.finalize().as_bytes()))
}

/// The fingerprint of a sharded dataset (a directory or URL with a manifest): its sharding
/// configuration and every shard's name, record count, size and checksums. Cheap (the manifest
/// only): trust it as far as you trust the manifest, or run
/// [`versioning::verify`](crate::versioning::verify) first.
///
/// # Errors
/// As [`Manifest::open`].
pub fn fingerprint_manifest(location: impl AsRef<Path>) -> Result<Fingerprint> {
    let m = Manifest::open(location)?;
    let mut h = blake3::Hasher::new_derive_key("dataprep 2026 cache input manifest v1");
    let cfg = serde_json::to_vec(&m.config).map_err(|e| Error::other("hashing a manifest", e))?;
    h.update(&cfg);
    for s in &m.shards {
        for part in [s.file.as_str(), s.blake3.as_str(), s.sha256.as_str()] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.update(&s.records.to_le_bytes());
        h.update(&s.bytes.to_le_bytes());
    }
    Ok(Fingerprint(*h.finalize().as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// The chain

enum ChainStep<'a> {
    Parallel(Box<dyn Stage + 'a>),
    Stateful(Box<dyn StatefulStage + 'a>),
}

impl ChainStep<'_> {
    fn name(&self) -> String {
        match self {
            ChainStep::Parallel(s) => s.name().to_owned(),
            ChainStep::Stateful(s) => s.name().to_owned(),
        }
    }

    fn fingerprint(&self) -> Fingerprint {
        match self {
            ChainStep::Parallel(s) => s.fingerprint(),
            ChainStep::Stateful(s) => s.fingerprint(),
        }
    }
}

/// A chain of stages to run through a [`StageCache`], with the run's seed.
#[must_use]
pub struct StageChain<'a> {
    steps: Vec<ChainStep<'a>>,
    seed: u64,
    threads: Option<usize>,
}

impl std::fmt::Debug for StageChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StageChain")
            .field(
                "stages",
                &self.steps.iter().map(ChainStep::name).collect::<Vec<_>>(),
            )
            .field("seed", &self.seed)
            .finish()
    }
}

impl Default for StageChain<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> StageChain<'a> {
    /// An empty chain with seed 0.
    pub fn new() -> Self {
        StageChain {
            steps: Vec::new(),
            seed: 0,
            threads: None,
        }
    }

    /// Appends a stateless stage.
    pub fn stage(mut self, stage: impl Stage + 'a) -> Self {
        self.steps.push(ChainStep::Parallel(Box::new(stage)));
        self
    }

    /// Appends a boxed stateless stage.
    pub fn boxed_stage(mut self, stage: Box<dyn Stage + 'a>) -> Self {
        self.steps.push(ChainStep::Parallel(stage));
        self
    }

    /// Appends a stateful stage.
    pub fn stateful(mut self, stage: impl StatefulStage + 'a) -> Self {
        self.steps.push(ChainStep::Stateful(Box::new(stage)));
        self
    }

    /// The root seed of the run (part of every fingerprint: stages draw from it).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads of the run (default: rayon's); the output does not depend on it.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Number of stages.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True for a chain of no stages.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The fingerprints of the chain's prefixes over an input: element `k` keys the output
    /// after `k` stages (element 0, the input itself, is never stored).
    pub fn prefix_fingerprints(&self, input: Fingerprint) -> Vec<Fingerprint> {
        let mut h = blake3::Hasher::new_derive_key("dataprep 2026 cache prefix v1");
        for part in [CACHE_FORMAT, env!("CARGO_PKG_VERSION")] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.update(&input.0);
        h.update(&self.seed.to_le_bytes());
        let mut fps = vec![Fingerprint(*h.finalize().as_bytes())];
        for s in &self.steps {
            let prev = fps[fps.len() - 1];
            fps.push(Fingerprint::chain(&[prev, s.fingerprint()]));
        }
        fps
    }
}

// ---------------------------------------------------------------------------------------------
// Entries

/// `entry.json` of a cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntryInfo {
    /// Always [`CACHE_FORMAT`].
    pub format: String,
    /// The prefix fingerprint (the entry's directory name), hex.
    pub fingerprint: String,
    /// The names of the stages of the prefix, in order.
    pub stages: Vec<String>,
    /// Records stored.
    pub records: u64,
    /// Size of `records.bin.zst`.
    pub bytes: u64,
    /// BLAKE3 of `records.bin.zst`, hex.
    pub blake3: String,
    /// Milliseconds since the Unix epoch of the last write or hit.
    pub last_used: u64,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A writer computing BLAKE3 and size of what passes through.
struct HashWriter<W> {
    inner: W,
    hasher: blake3::Hasher,
    n: u64,
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.hasher.update(&buf[..k]);
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes one entry into a hidden temporary directory; [`EntryWriter::commit`] renames it.
struct EntryWriter {
    tmp: PathBuf,
    target: PathBuf,
    info: EntryInfo,
    out: Option<zstd::Encoder<'static, HashWriter<BufWriter<File>>>>,
    scratch: Vec<u8>,
    failed: Option<Error>,
}

impl EntryWriter {
    fn create(cache: &Path, fp: Fingerprint, stages: Vec<String>) -> Result<EntryWriter> {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let hex = fp.to_hex();
        let tmp = cache.join(format!(".tmp-{hex}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let path = tmp.join(RECORDS_FILE);
        let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let hw = HashWriter {
            inner: BufWriter::with_capacity(1 << 20, f),
            hasher: blake3::Hasher::new(),
            n: 0,
        };
        let out = zstd::Encoder::new(hw, 3).map_err(|e| Error::io(&path, e))?;
        Ok(EntryWriter {
            target: cache.join(&hex),
            tmp,
            info: EntryInfo {
                format: CACHE_FORMAT.into(),
                fingerprint: hex,
                stages,
                records: 0,
                bytes: 0,
                blake3: String::new(),
                last_used: 0,
            },
            out: Some(out),
            scratch: Vec::new(),
            failed: None,
        })
    }

    fn write(&mut self, r: &Record) {
        if self.failed.is_some() {
            return;
        }
        let Some(out) = self.out.as_mut() else {
            return;
        };
        self.scratch.clear();
        self.scratch.extend_from_slice(&[0; 4]);
        let res = encode(r, &mut self.scratch).and_then(|()| {
            out.write_all(&self.scratch)
                .map_err(|e| Error::io(&self.tmp, e))
        });
        match res {
            Ok(()) => self.info.records += 1,
            Err(e) => self.failed = Some(e),
        }
    }

    /// Finishes the file, writes `entry.json`, and renames the directory into place (another
    /// process's entry already there wins). Returns the entry's directory.
    fn commit(mut self) -> Result<PathBuf> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let out = self.out.take().expect("open until commit");
        let io_err = |e| Error::io(&self.tmp, e);
        let hw = out.finish().map_err(io_err)?;
        let file = hw.inner.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)?;
        self.info.bytes = hw.n;
        self.info.blake3 = hw.hasher.finalize().to_hex().to_string();
        self.info.last_used = now_ms();
        write_info(&self.tmp, &self.info)?;
        match std::fs::rename(&self.tmp, &self.target) {
            Ok(()) => {
                if let Some(parent) = self.target.parent()
                    && let Ok(d) = File::open(parent)
                {
                    let _ = d.sync_all();
                }
            }
            // Another process made the same entry meanwhile: keep it.
            Err(_) if intact(&self.target, &self.info.fingerprint).is_some() => {
                let _ = std::fs::remove_dir_all(&self.tmp);
            }
            // A damaged entry in the way: replace it.
            Err(_) => {
                let _ = std::fs::remove_dir_all(&self.target);
                std::fs::rename(&self.tmp, &self.target).map_err(|e| Error::io(&self.target, e))?;
            }
        }
        Ok(self.target.clone())
    }
}

impl Drop for EntryWriter {
    fn drop(&mut self) {
        if self.tmp.exists() {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// The entry in `dir` if it is intact: its `entry.json` parses, names the fingerprint, and its
/// records file has the recorded size and BLAKE3.
fn intact(dir: &Path, fp_hex: &str) -> Option<EntryInfo> {
    let info: EntryInfo = std::fs::read(dir.join(ENTRY_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())?;
    let path = dir.join(RECORDS_FILE);
    let ok = info.format == CACHE_FORMAT
        && info.fingerprint == fp_hex
        && std::fs::metadata(&path).is_ok_and(|m| m.len() == info.bytes)
        && crate::checksum::of_file(&path).is_ok_and(|s| s.blake3 == info.blake3);
    ok.then_some(info)
}

/// Encodes a record as a frame: its length (u32, little-endian), then `postcard` of (key,
/// fields).
fn encode(r: &Record, buf: &mut Vec<u8>) -> Result<()> {
    buf.clear();
    buf.extend_from_slice(&[0; 4]);
    let buf = postcard::to_io(&(r.key(), r.fields()), buf)
        .map_err(|e| Error::other("encoding a record for the cache", e))?;
    let len = u32::try_from(buf.len() - 4)
        .ok()
        .filter(|&l| l <= MAX_FRAME)
        .ok_or_else(|| Error::Config("a record over 1 GiB cannot be cached".into()))?;
    buf[..4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// Writes `entry.json` in `dir` atomically.
fn write_info(dir: &Path, info: &EntryInfo) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(info).map_err(|e| Error::other("cache entry", e))?;
    let (tmp, mut f) = crate::atomic::TempFile::create(&dir.join(ENTRY_FILE))?;
    f.write_all(&bytes)
        .map_err(|e| Error::io(dir.join(ENTRY_FILE), e))?;
    tmp.commit(f)
}

/// A stateful stage that copies every record it sees into an entry, in input order.
struct Tee {
    name: String,
    writer: Arc<Mutex<EntryWriter>>,
}

impl StatefulStage for Tee {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn config(&self) -> serde_json::Value {
        serde_json::Value::Null
    }

    fn process(
        &mut self,
        record: &mut Record,
        _cx: &Context,
    ) -> std::result::Result<Action, RecordError> {
        self.writer.lock().expect("entry writer").write(record);
        Ok(Action::Keep)
    }
}

/// A sink writing into an entry.
struct EntrySink(Arc<Mutex<EntryWriter>>);

impl Sink for EntrySink {
    fn write(&mut self, record: Record) -> Result<()> {
        self.0.lock().expect("entry writer").write(&record);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Reading an entry

/// The records of a cache entry, as a dataset (sharded by record position).
#[derive(Debug, Clone)]
pub struct CachedDataset {
    path: PathBuf,
    records: u64,
}

impl CachedDataset {
    /// The entry's records file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl IterableDataset for CachedDataset {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        let f = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let dec = zstd::Decoder::new(f).map_err(|e| Error::io(&self.path, e))?;
        let it = Frames {
            src: BufReader::with_capacity(1 << 20, dec),
            path: &self.path,
            index: 0,
            done: false,
            buf: Vec::new(),
        };
        Ok(shard.stride(Box::new(it)))
    }

    fn len_hint(&self) -> Option<u64> {
        Some(self.records)
    }
}

struct Frames<'a, R> {
    src: R,
    path: &'a Path,
    index: u64,
    done: bool,
    buf: Vec<u8>,
}

impl<R: Read> Frames<'_, R> {
    fn fail(&mut self, msg: String) -> Option<Result<Record>> {
        self.done = true;
        Some(Err(RecordError::new(RecordErrorKind::Parse, msg)
            .with_location(Location::file(self.path).with_row(self.index))
            .into()))
    }
}

impl<R: Read> Iterator for Frames<'_, R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut len = [0u8; 4];
        match read_full(&mut self.src, &mut len) {
            Ok(0) => {
                self.done = true;
                return None;
            }
            Ok(4) => {}
            Ok(_) => return self.fail("truncated cache entry".into()),
            Err(e) => return self.fail(format!("cannot read cache entry: {e}")),
        }
        let len = u32::from_le_bytes(len);
        if len > MAX_FRAME {
            return self.fail(format!("corrupt cache entry (frame of {len} bytes)"));
        }
        self.buf.resize(len as usize, 0);
        match read_full(&mut self.src, &mut self.buf) {
            Ok(n) if n == len as usize => {}
            Ok(_) => return self.fail("truncated cache entry".into()),
            Err(e) => return self.fail(format!("cannot read cache entry: {e}")),
        }
        match postcard::from_bytes::<(String, Vec<(String, Value)>)>(&self.buf) {
            Ok((key, fields)) => {
                self.index += 1;
                Some(Ok(Record::from_parts(key, fields)))
            }
            Err(e) => self.fail(format!("corrupt cache entry: {e}")),
        }
    }
}

/// Reads until `buf` is full or the stream ends; the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// The cache

/// An on-disk cache of stage outputs; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct StageCache {
    dir: PathBuf,
    max_bytes: Option<u64>,
}

/// The result of [`StageCache::run`].
#[derive(Debug)]
#[non_exhaustive]
pub struct CacheRun {
    /// The output of the whole chain (the input itself for an empty chain is not cached:
    /// `None`).
    pub output: CachedDataset,
    /// The fingerprint of the whole chain's output.
    pub fingerprint: Fingerprint,
    /// Stages whose output came from the cache (the longest cached prefix).
    pub reused: usize,
    /// Stages run now.
    pub computed: usize,
    /// The summary of the pipeline that ran the computed stages (`None` when nothing ran).
    pub summary: Option<Summary>,
}

impl StageCache {
    /// Opens (creating) the cache directory, with no size bound. Temporary directories left
    /// by crashed runs more than a day ago are removed.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory cannot be created.
    pub fn open(dir: impl Into<PathBuf>) -> Result<StageCache> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let stale = e
                    .metadata()
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age.as_secs() > 24 * 3600);
                if e.file_name().to_string_lossy().starts_with(".tmp-") && stale {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        Ok(StageCache {
            dir,
            max_bytes: None,
        })
    }

    /// Bounds the cache's size in bytes (`None`: unbounded); see [Eviction](self#eviction).
    pub fn with_max_bytes(mut self, max: Option<u64>) -> Self {
        self.max_bytes = max;
        self
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry for a fingerprint, if it exists and is intact (its records file re-hashed).
    /// A damaged entry is deleted and reported as absent.
    pub fn lookup(&self, fp: Fingerprint) -> Option<(EntryInfo, CachedDataset)> {
        let dir = self.dir.join(fp.to_hex());
        if !dir.exists() {
            return None;
        }
        let Some(info) = intact(&dir, &fp.to_hex()) else {
            tracing::warn!(entry = %dir.display(), "damaged cache entry; recomputing");
            let _ = std::fs::remove_dir_all(&dir);
            return None;
        };
        let records = info.records;
        Some((
            info,
            CachedDataset {
                path: dir.join(RECORDS_FILE),
                records,
            },
        ))
    }

    /// Marks an entry used now (for eviction).
    fn touch(&self, mut info: EntryInfo) {
        info.last_used = now_ms().max(info.last_used + 1);
        let _ = write_info(&self.dir.join(&info.fingerprint), &info);
    }

    /// Every entry, oldest use first.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory cannot be listed.
    pub fn entries(&self) -> Result<Vec<EntryInfo>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(&self.dir)
            .map_err(|e| Error::io(&self.dir, e))?
            .flatten()
        {
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if let Some(info) = std::fs::read(e.path().join(ENTRY_FILE))
                .ok()
                .and_then(|b| serde_json::from_slice::<EntryInfo>(&b).ok())
            {
                out.push(info);
            }
        }
        out.sort_by(|a, b| (a.last_used, &a.fingerprint).cmp(&(b.last_used, &b.fingerprint)));
        Ok(out)
    }

    /// Total bytes of the entries' records files.
    ///
    /// # Errors
    /// As [`entries`](Self::entries).
    pub fn total_bytes(&self) -> Result<u64> {
        Ok(self.entries()?.iter().map(|e| e.bytes).sum())
    }

    /// Deletes least recently used entries until the cache fits its bound, keeping `pinned`.
    /// Returns the fingerprints deleted.
    fn evict(&self, pinned: &str) -> Result<Vec<String>> {
        let Some(max) = self.max_bytes else {
            return Ok(Vec::new());
        };
        let entries = self.entries()?;
        let mut total: u64 = entries.iter().map(|e| e.bytes).sum();
        let mut gone = Vec::new();
        for e in entries {
            if total <= max {
                break;
            }
            if e.fingerprint == pinned {
                continue;
            }
            let d = self.dir.join(&e.fingerprint);
            std::fs::remove_dir_all(&d).map_err(|err| Error::io(&d, err))?;
            total -= e.bytes;
            gone.push(e.fingerprint);
        }
        Ok(gone)
    }

    /// Runs `chain` over `input` (whose fingerprint is `input_fp`), reusing the longest cached
    /// prefix and caching the output of every stage run; returns the output as a dataset.
    ///
    /// # Errors
    /// [`Error::Config`] for an empty chain; errors of the pipeline (a failed run stores
    /// nothing); I/O errors of the cache.
    pub fn run<'a>(
        &self,
        input: &'a dyn IterableDataset,
        input_fp: Fingerprint,
        chain: StageChain<'a>,
    ) -> Result<CacheRun> {
        if chain.is_empty() {
            return Err(Error::Config("StageCache::run: empty chain".into()));
        }
        let fps = chain.prefix_fingerprints(input_fp);
        let n = chain.len();
        let names: Vec<String> = chain.steps.iter().map(ChainStep::name).collect();
        // The longest cached prefix.
        let mut start = 0;
        let mut cached = None;
        for k in (1..=n).rev() {
            if let Some((info, ds)) = self.lookup(fps[k]) {
                start = k;
                cached = Some((info, ds));
                break;
            }
        }
        if let Some((info, ds)) = &cached {
            self.touch(info.clone());
            if start == n {
                return Ok(CacheRun {
                    output: ds.clone(),
                    fingerprint: fps[n],
                    reused: n,
                    computed: 0,
                    summary: None,
                });
            }
        }
        let source: Box<dyn IterableDataset + 'a> = match cached {
            Some((_, ds)) => Box::new(ds),
            None => Box::new(input),
        };
        let mut pipeline = Pipeline::new(source)
            .with_seed(chain.seed)
            .with_progress(false)
            .with_name("cached chain");
        if let Some(t) = chain.threads {
            pipeline = pipeline.with_threads(t);
        }
        let mut writers = Vec::new();
        for (i, step) in chain.steps.into_iter().enumerate().skip(start) {
            pipeline = match step {
                ChainStep::Parallel(s) => pipeline.boxed_stage(s),
                ChainStep::Stateful(s) => pipeline.stateful(s),
            };
            let k = i + 1;
            let w = Arc::new(Mutex::new(EntryWriter::create(
                &self.dir,
                fps[k],
                names[..k].to_vec(),
            )?));
            if k < n {
                pipeline = pipeline.stateful(Tee {
                    name: format!("cache[{k}]"),
                    writer: Arc::clone(&w),
                });
            } else {
                pipeline = pipeline.sink(EntrySink(Arc::clone(&w)));
            }
            writers.push(w);
        }
        let summary = pipeline.run()?;
        // The run succeeded: commit every new entry (shortest prefix first).
        let mut last = None;
        for w in writers {
            let w = Arc::try_unwrap(w)
                .map_err(|_| Error::Config("cache entry still in use".into()))?
                .into_inner()
                .map_err(|_| Error::Config("cache entry writer poisoned".into()))?;
            last = Some(w.commit()?);
        }
        let dir = last.expect("a non-empty chain");
        let info: EntryInfo = serde_json::from_slice(
            &std::fs::read(dir.join(ENTRY_FILE)).map_err(|e| Error::io(&dir, e))?,
        )
        .map_err(|e| Error::other("reading a cache entry", e))?;
        self.evict(&fps[n].to_hex())?;
        Ok(CacheRun {
            output: CachedDataset {
                path: dir.join(RECORDS_FILE),
                records: info.records,
            },
            fingerprint: fps[n],
            reused: start,
            computed: n - start,
            summary: Some(summary),
        })
    }
}
