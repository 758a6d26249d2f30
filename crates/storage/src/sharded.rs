//! [`ShardedWriter`]: a sink that splits its input into numbered, crash-safe shards of one format
//! and keeps a `manifest.json` of the completed ones, so that a rerun resumes where a crash left off.
//!
//! ## Layout
//!
//! `{dir}/{prefix}-{i:06}.{ext}` for `i = 0, 1, …` (for example `train-000000.tar`) and
//! `{dir}/manifest.json`. A shard closes when it holds [`ShardedWriterBuilder::with_max_records`]
//! records or when the records' in-memory size ([`Value::approx_size`](dataprep_core::Value::approx_size) summed over the fields,
//! a deterministic estimate of the uncompressed payload) reaches
//! [`ShardedWriterBuilder::with_max_bytes`], whichever comes first. Each shard is written by the
//! format's own crash-safe writer (temporary file, fsync, rename), then hashed with BLAKE3 and
//! added to the manifest, which is itself replaced atomically after every shard.
//!
//! ## Resume protocol
//!
//! 1. Shard boundaries are a deterministic function of the input records, in order, and of the
//!    configuration (format, prefix, limits). The manifest stores that configuration.
//! 2. `build()` reads an existing manifest. If its configuration differs, `build()` fails with
//!    [`Error::Config`] (two configurations never mix in one directory). Otherwise every listed
//!    shard is verified — it exists, has the recorded size and the recorded BLAKE3 — and the
//!    longest valid prefix `0..k` is kept; the manifest is cut to it.
//! 3. [`ShardedWriter::records_to_skip`] is the number of records in the kept shards. The writer
//!    discards that many first records given to [`Sink::write`] (so a rerun simply feeds the
//!    same input again), or the caller skips them from the input itself (for example with
//!    `dataset.skip(n)`) and calls [`ShardedWriter::input_skipped`].
//! 4. Writing continues with shard `k`. A shard file already at that path (a crash between the
//!    rename and the manifest update, or a stale shard of an older run) is replaced whole.
//! 5. `finish()` closes the last shard, deletes shards of this prefix and extension numbered past
//!    the last one (left by an older run), and writes the manifest with `complete: true`.
//!
//! So after any crash the directory holds complete shards only (a partial one stays a hidden
//! temporary file, never at its final path), and after a successful rerun the shards are numbered
//! `0..n` with no gap and are byte-identical to an uninterrupted run's (the formats write no time
//! stamps).
//!
//! ## Object storage
//!
//! `dir` may be a URL (`s3://bucket/prefix`, `gs://…`, `az://…`, `file://…`; feature
//! `object-store`). Each shard is then written to a local staging directory (see
//! [`ShardedWriterBuilder::with_staging_dir`]), hashed, uploaded with a multipart upload (an object
//! appears only once its upload completes), its sidecars after it, and only then is the manifest
//! listing it replaced (one put): the manifest is always written last, so it never lists a shard
//! that is not complete in the store. The local copy is deleted after the upload, so the staging
//! directory holds at most one shard. Resuming reads the manifest from the store and keeps the
//! listed shards that exist with their recorded size (one listing; re-hash them with
//! [`ShardedWriterBuilder::with_verify_checksums`]); `finish()` deletes stale higher-numbered
//! objects. A crash mid-upload leaves an incomplete multipart upload on the server, invisible to
//! readers (object stores expire them with a lifecycle rule).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use dataprep_core::{Error, Record, RecordError, RecordErrorKind, Result, Schema, Sink};

use crate::atomic::remove_stale_temps;
use crate::checksum;
use crate::compression::Compression;
use crate::jsonl::JsonlWriter;
use crate::location::Dir;
use crate::parquet::ParquetWriter;
use crate::webdataset::{INDEX_SUFFIX, WdsMapping, WebDatasetWriter};
use dataprep_core::atomic::process_running;

pub use crate::manifest::{MANIFEST_FILE, Manifest, ShardInfo, ShardingConfig};
use crate::manifest::{MANIFEST_VERSION, shard_is_valid};

static STAGING_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Staging directories are `{STAGING_PREFIX}{pid}-{n}` in the staging base.
const STAGING_PREFIX: &str = ".dataprep-staging-";

/// A per-shard output format for [`ShardedWriter`]: how to open one shard's writer.
pub trait ShardFormat: Send + fmt::Debug {
    /// The writer of one shard: a crash-safe [`Sink`] whose `finish()` puts the file in place.
    type Writer: Sink;

    /// A short stable name written to the manifest (`jsonl`, `parquet`, `webdataset`).
    fn name(&self) -> &str;

    /// The file extension without the dot (`jsonl.zst`, `parquet`, `tar`).
    fn extension(&self) -> String;

    /// Opens the writer of the shard at `path`. `schema` is the schema fixed by earlier shards
    /// or given to the sharded writer, if any.
    ///
    /// # Errors
    /// An error of the writer's `build()`.
    fn create(&self, path: &Path, schema: Option<&Schema>) -> Result<Self::Writer>;

    /// The schema a finished shard writer used, if the format fixes one (Parquet); later shards
    /// are written with it so that every shard has the same schema.
    fn schema_of(&self, _writer: &Self::Writer) -> Option<Schema> {
        None
    }

    /// Files written next to a shard (for example a sidecar index), as extensions appended to the
    /// shard's path; they are deleted with stale shards.
    fn sidecar_suffixes(&self) -> &[&str] {
        &[]
    }

    /// True when the format fixes one schema for a file (Parquet): a resumed run then passes
    /// the manifest's schema to its shards.
    fn fixes_schema(&self) -> bool {
        false
    }
}

/// JSON Lines shards (see [`JsonlWriter`]), compressed with zstd by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonlShards {
    /// The codec of each file: none, gzip or zstd.
    pub compression: Compression,
}

impl Default for JsonlShards {
    fn default() -> Self {
        JsonlShards {
            compression: Compression::zstd(),
        }
    }
}

impl ShardFormat for JsonlShards {
    type Writer = JsonlWriter;

    fn name(&self) -> &str {
        "jsonl"
    }

    fn extension(&self) -> String {
        match self.compression {
            Compression::Gzip { .. } => "jsonl.gz".into(),
            Compression::Zstd { .. } => "jsonl.zst".into(),
            _ => "jsonl".into(),
        }
    }

    fn create(&self, path: &Path, _schema: Option<&Schema>) -> Result<JsonlWriter> {
        JsonlWriter::new(path)
            .with_compression(self.compression)
            .build()
    }
}

/// Parquet shards (see [`ParquetWriter`]); every shard has the schema of the first (or the one
/// given to the sharded writer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParquetShards {
    /// The page codec (default zstd level 3).
    pub compression: Compression,
    /// At most this many rows per row group.
    pub max_row_group_size: usize,
}

impl Default for ParquetShards {
    fn default() -> Self {
        ParquetShards {
            compression: Compression::zstd(),
            max_row_group_size: crate::parquet::DEFAULT_MAX_ROW_GROUP_SIZE,
        }
    }
}

impl ShardFormat for ParquetShards {
    type Writer = ParquetWriter;

    fn name(&self) -> &str {
        "parquet"
    }

    fn extension(&self) -> String {
        "parquet".into()
    }

    fn create(&self, path: &Path, schema: Option<&Schema>) -> Result<ParquetWriter> {
        let mut b = ParquetWriter::new(path)
            .with_compression(self.compression)
            .with_max_row_group_size(self.max_row_group_size);
        if let Some(s) = schema {
            b = b.with_schema(s.clone());
        }
        b.build()
    }

    fn schema_of(&self, writer: &ParquetWriter) -> Option<Schema> {
        Some(writer.schema().clone())
    }

    fn fixes_schema(&self) -> bool {
        true
    }
}

/// WebDataset tar shards (`prefix-%06d.tar`, each with its index) for a
/// [`ShardedWriter`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebDatasetShards {
    /// The record ↔ sample mapping.
    pub mapping: WdsMapping,
}

impl ShardFormat for WebDatasetShards {
    type Writer = WebDatasetWriter;

    fn name(&self) -> &str {
        "webdataset"
    }

    fn extension(&self) -> String {
        "tar".into()
    }

    fn create(&self, path: &Path, _schema: Option<&Schema>) -> Result<WebDatasetWriter> {
        WebDatasetWriter::new(path)
            .with_mapping(self.mapping.clone())
            .build()
    }

    fn sidecar_suffixes(&self) -> &[&str] {
        &[INDEX_SUFFIX]
    }
}

/// Writes records into numbered shards of one [`ShardFormat`] with a manifest; see the
/// [module documentation](self) for the layout and the resume protocol.
///
/// ```
/// use dataprep_core::{Record, Sink};
/// use dataprep_storage::sharded::{JsonlShards, Manifest, ShardedWriter};
/// # let dir = tempfile::tempdir()?;
/// let mut w = ShardedWriter::new(dir.path(), JsonlShards::default())
///     .with_prefix("docs")
///     .with_max_records(Some(2))
///     .build()?;
/// for i in 0..5_i64 {
///     w.write(Record::new().with("i", i))?;
/// }
/// w.finish()?;
/// let m = Manifest::read(dir.path().join("manifest.json"))?;
/// assert_eq!(m.shards.len(), 3);
/// assert_eq!(m.shards[2].file, "docs-000002.jsonl.zst");
/// assert_eq!(m.total_records, 5);
/// assert!(m.complete && m.verify(dir.path()).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ShardedWriter<F: ShardFormat> {
    dir: PathBuf,
    /// Where the shards and the manifest go.
    target: Dir,
    /// The local directory shard writers write into: `dir` itself, or a staging directory
    /// whose shards are uploaded to an object store.
    work: PathBuf,
    format: F,
    manifest: Manifest,
    /// The schema for the next shards (given, or fixed by the first shard); while `None`,
    /// `manifest.schema` is inferred from the records.
    schema: Option<Schema>,
    current: Option<Current<F::Writer>>,
    to_skip: u64,
    finished: bool,
    /// Removed when the writer is dropped (after `current`, whose temporary file is in it).
    _staging: Option<Staging>,
}

/// A local staging directory, removed on drop.
#[derive(Debug)]
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug)]
struct Current<W> {
    writer: W,
    path: PathBuf,
    records: u64,
    bytes: u64,
}

/// Configures a [`ShardedWriter`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ShardedWriterBuilder<F: ShardFormat> {
    dir: PathBuf,
    format: F,
    prefix: String,
    max_records: Option<u64>,
    max_bytes: Option<u64>,
    schema: Option<Schema>,
    resume: bool,
    staging: Option<PathBuf>,
    verify_checksums: Option<bool>,
}

impl<F: ShardFormat> ShardedWriter<F> {
    /// Starts configuring a writer of shards of `format` into `dir`: a local directory (created
    /// if missing) or an object-store URL such as `s3://bucket/prefix` (feature `object-store`;
    /// see [Object storage](self#object-storage)). Defaults: prefix `shard`, at most 10,000
    /// records per shard, no byte limit, resume on.
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(dir: impl Into<PathBuf>, format: F) -> ShardedWriterBuilder<F> {
        ShardedWriterBuilder {
            dir: dir.into(),
            format,
            prefix: "shard".into(),
            max_records: Some(10_000),
            max_bytes: None,
            schema: None,
            resume: true,
            staging: None,
            verify_checksums: None,
        }
    }

    /// Records in the shards kept from an earlier run, that this run must not write again.
    pub fn records_to_skip(&self) -> u64 {
        self.to_skip
    }

    /// Tells the writer that the caller skipped [`records_to_skip`](Self::records_to_skip)
    /// records from the input itself: the next record written goes into the next shard.
    pub fn input_skipped(&mut self) {
        self.to_skip = 0;
    }

    /// The manifest so far (the completed shards).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The output directory (or URL), as given.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn write_manifest(&self) -> Result<()> {
        self.target.write(MANIFEST_FILE, &self.manifest.to_bytes()?)
    }

    fn shard_name(&self, i: usize) -> String {
        format!(
            "{}-{i:06}.{}",
            self.manifest.config.prefix, self.manifest.config.extension
        )
    }

    fn open_shard(&mut self) -> Result<&mut Current<F::Writer>> {
        if self.current.is_none() {
            let path = self.work.join(self.shard_name(self.manifest.shards.len()));
            let writer = self.format.create(&path, self.schema.as_ref())?;
            self.current = Some(Current {
                writer,
                path,
                records: 0,
                bytes: 0,
            });
        }
        Ok(self.current.as_mut().expect("just opened"))
    }

    /// Finishes the open shard (if any), hashes it and records it in the manifest.
    fn close_shard(&mut self) -> Result<()> {
        let Some(mut cur) = self.current.take() else {
            return Ok(());
        };
        cur.writer.finish()?;
        if self.schema.is_none() {
            self.schema = self.format.schema_of(&cur.writer);
            if self.schema.is_some() {
                self.manifest.schema.clone_from(&self.schema);
            }
        }
        let sums = checksum::of_file(&cur.path).map_err(|e| Error::io(&cur.path, e))?;
        let file = self.shard_name(self.manifest.shards.len());
        if self.target.is_remote() {
            // The shard, then its sidecars, then (below) the manifest that lists it: a reader
            // that sees a shard in the manifest finds it complete.
            self.target.put_file(&cur.path, &file)?;
            let _ = std::fs::remove_file(&cur.path);
            for suffix in self.format.sidecar_suffixes() {
                let mut p = cur.path.clone().into_os_string();
                p.push(suffix);
                let p = PathBuf::from(p);
                if p.exists() {
                    self.target.put_file(&p, &format!("{file}{suffix}"))?;
                    let _ = std::fs::remove_file(&p);
                }
            }
        }
        self.manifest.shards.push(ShardInfo {
            file,
            records: cur.records,
            bytes: sums.bytes,
            blake3: sums.blake3,
            sha256: sums.sha256,
        });
        self.manifest.total_records += cur.records;
        self.manifest.total_bytes += sums.bytes;
        self.write_manifest()
    }

    /// Deletes shard files of this prefix and extension numbered `n` and above.
    fn remove_stale(&self, n: usize) -> Result<()> {
        for (name, _) in self.target.list()? {
            if shard_number(&name, &self.manifest.config, &self.format).is_some_and(|i| i >= n) {
                self.target.delete(&name)?;
            }
        }
        Ok(())
    }
}

/// The number of a shard file (or of one of its sidecars) of this configuration, from its name.
fn shard_number<F: ShardFormat>(name: &str, config: &ShardingConfig, format: &F) -> Option<usize> {
    let rest = name.strip_prefix(&config.prefix)?.strip_prefix('-')?;
    let tail = format!(".{}", config.extension);
    let mut num = None;
    for suffix in std::iter::once("").chain(format.sidecar_suffixes().iter().copied()) {
        let full = format!("{tail}{suffix}");
        if let Some(digits) = rest.strip_suffix(&full)
            && digits.len() == 6
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            num = digits.parse::<usize>().ok();
        }
    }
    num
}

/// Removes what killed runs left behind: in `work`, the temporary files of this writer's own
/// targets (the manifest, shards of this configuration and their sidecars) whose process is
/// gone; in the staging base of a remote target, the staging directories of such processes.
fn remove_litter<F: ShardFormat>(
    work: &Path,
    staging_base: Option<&Path>,
    config: &ShardingConfig,
    format: &F,
) -> Result<()> {
    if staging_base.is_none() {
        remove_stale_temps(work, |name| {
            name == MANIFEST_FILE || shard_number(name, config, format).is_some()
        })?;
    }
    let Some(base) = staging_base else {
        return Ok(());
    };
    let Ok(rd) = std::fs::read_dir(base) else {
        return Ok(());
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let Some((pid, n)) = name
            .to_str()
            .and_then(|n| n.strip_prefix(STAGING_PREFIX))
            .and_then(|rest| rest.split_once('-'))
        else {
            continue;
        };
        let (Ok(pid), true) = (
            pid.parse::<u32>(),
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()),
        ) else {
            continue;
        };
        if !process_running(pid) && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    Ok(())
}

impl<F: ShardFormat> ShardedWriterBuilder<F> {
    /// Shard file names start with `{prefix}-` (default `shard`).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Closes a shard after this many records (`None`: no count limit).
    pub fn with_max_records(mut self, n: Option<u64>) -> Self {
        self.max_records = n;
        self
    }

    /// Closes a shard once its records' estimated size reaches this many bytes (`None`: no
    /// byte limit). The estimate is [`Value::approx_size`](dataprep_core::Value::approx_size) summed over fields, so the cut does
    /// not depend on the codec.
    pub fn with_max_bytes(mut self, n: Option<u64>) -> Self {
        self.max_bytes = n;
        self
    }

    /// The schema of the records: passed to every shard (Parquet) and written to the manifest.
    /// Without it, Parquet shards take the first shard's schema, and the manifest's schema is
    /// inferred from the records.
    pub fn with_schema(mut self, schema: Schema) -> Self {
        self.schema = Some(schema);
        self
    }

    /// Resume from an existing manifest (default on). Off: an existing manifest is ignored and
    /// every shard is written again.
    pub fn with_resume(mut self, on: bool) -> Self {
        self.resume = on;
        self
    }

    /// For an object-store output: the local directory in which shards are written before
    /// their upload (default: the system's temporary directory). A fresh subdirectory is made
    /// in it and removed when the writer is dropped; it holds at most the open shard.
    pub fn with_staging_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.staging = Some(dir.into());
        self
    }

    /// Whether resuming re-hashes the shards listed in an existing manifest (size, BLAKE3 and
    /// SHA-256) or only checks that each exists with its recorded size. Default: re-hash in a
    /// local directory; size only on an object store, where an object appears only once its
    /// upload completed and re-hashing would download every shard.
    pub fn with_verify_checksums(mut self, on: bool) -> Self {
        self.verify_checksums = Some(on);
        self
    }

    /// Creates the directory, reads and verifies an existing manifest (see the resume protocol).
    ///
    /// # Errors
    /// [`Error::Config`] for zero limits, a prefix containing `/` or starting with `.`, an
    /// existing manifest written with another configuration, or a URL without the
    /// `object-store` feature; [`Error::Io`] when a directory cannot be created; errors of the
    /// object store.
    pub fn build(self) -> Result<ShardedWriter<F>> {
        if self.max_records == Some(0) || self.max_bytes == Some(0) {
            return Err(Error::Config(
                "ShardedWriter: limits must be positive".into(),
            ));
        }
        if self.prefix.is_empty()
            || self.prefix.contains(['/', '\\'])
            || self.prefix.starts_with('.')
        {
            return Err(Error::Config(format!(
                "ShardedWriter: invalid prefix `{}`",
                self.prefix
            )));
        }
        let target = Dir::open(&self.dir)?;
        target.create()?;
        let (work, staging) = if target.is_remote() {
            let base = self.staging.clone().unwrap_or_else(std::env::temp_dir);
            let n = STAGING_COUNTER.fetch_add(1, Ordering::Relaxed);
            let d = base.join(format!("{STAGING_PREFIX}{}-{n}", std::process::id()));
            std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
            (d.clone(), Some(Staging(d)))
        } else {
            (self.dir.clone(), None)
        };
        let config = ShardingConfig {
            format: self.format.name().to_owned(),
            prefix: self.prefix,
            extension: self.format.extension(),
            max_records: self.max_records,
            max_bytes: self.max_bytes,
        };
        let staging_base = staging.as_ref().and_then(|s| s.0.parent());
        remove_litter(&work, staging_base, &config, &self.format)?;
        let fresh = Manifest {
            version: MANIFEST_VERSION.into(),
            config: config.clone(),
            complete: false,
            total_records: 0,
            total_bytes: 0,
            schema: self.schema.clone(),
            shards: Vec::new(),
        };
        let manifest_path = target.location(MANIFEST_FILE);
        let mut manifest = fresh.clone();
        let mut schema = self.schema.clone();
        let existing = if self.resume {
            target.read(MANIFEST_FILE)?
        } else {
            None
        };
        if let Some(bytes) = existing {
            let old = Manifest::from_slice(&bytes, &manifest_path)?;
            if old.config != config {
                return Err(Error::Config(format!(
                    "{} was written with another configuration ({:?}); remove it or write elsewhere",
                    manifest_path.display(),
                    old.config
                )));
            }
            let rehash = self.verify_checksums.unwrap_or(!target.is_remote());
            let listing: Option<HashMap<String, u64>> = if target.is_remote() {
                Some(target.list()?.into_iter().collect())
            } else {
                None
            };
            let keep = old
                .shards
                .iter()
                .position(|s| !shard_is_valid(&target, s, rehash, listing.as_ref()))
                .unwrap_or(old.shards.len());
            if keep > 0 {
                manifest.shards = old.shards[..keep].to_vec();
                manifest.total_records = manifest.shards.iter().map(|s| s.records).sum();
                manifest.total_bytes = manifest.shards.iter().map(|s| s.bytes).sum();
                if schema.is_none() {
                    manifest.schema.clone_from(&old.schema);
                    if self.format.fixes_schema() {
                        schema.clone_from(&old.schema);
                    }
                }
            }
            if keep < old.shards.len() {
                tracing::warn!(
                    kept = keep,
                    listed = old.shards.len(),
                    "shard {keep} of the manifest is missing or corrupt; rewriting from there"
                );
            }
        }
        // The directory says from the start which configuration it belongs to, and after a
        // crash which shards are complete (none yet, or those kept).
        target.write(MANIFEST_FILE, &manifest.to_bytes()?)?;
        let to_skip = manifest.total_records;
        Ok(ShardedWriter {
            dir: self.dir,
            target,
            work,
            format: self.format,
            manifest,
            schema,
            current: None,
            to_skip,
            finished: false,
            _staging: staging,
        })
    }
}

impl<F: ShardFormat> Sink for ShardedWriter<F> {
    /// Writes a record to the open shard (opening one if needed) and closes the shard when it is
    /// full. The first [`records_to_skip`](ShardedWriter::records_to_skip) records are discarded.
    ///
    /// # Errors
    /// A record error of the shard's writer rejects this record only (it does not count towards
    /// the shard's limits); other errors are fatal.
    fn write(&mut self, record: Record) -> Result<()> {
        if self.finished {
            return Err(Error::io(
                &self.dir,
                std::io::Error::other("write after finish"),
            ));
        }
        if self.to_skip > 0 {
            self.to_skip -= 1;
            return Ok(());
        }
        if self.schema.is_none() {
            let mut s = self.manifest.schema.take().unwrap_or_default();
            let res = s.extend_with(&record);
            self.manifest.schema = Some(s);
            if let Err(e) = res {
                return Err(RecordError::new(RecordErrorKind::Schema, e.to_string())
                    .with_key(record.key())
                    .into());
            }
        }
        let size: u64 = record
            .iter()
            .map(|(k, v)| (k.len() + v.approx_size()) as u64)
            .sum();
        let (max_records, max_bytes) = (
            self.manifest.config.max_records,
            self.manifest.config.max_bytes,
        );
        let cur = self.open_shard()?;
        cur.writer.write(record)?;
        cur.records += 1;
        cur.bytes += size;
        let full = max_records.is_some_and(|m| cur.records >= m)
            || max_bytes.is_some_and(|m| cur.bytes >= m);
        if full {
            self.close_shard()?;
        }
        Ok(())
    }

    /// Closes the last shard, removes stale higher-numbered shards of an older run and writes
    /// the manifest with `complete: true`. Calling it again does nothing.
    fn finish(&mut self) -> Result<()> {
        if self.finished {
            return Ok(());
        }
        self.close_shard()?;
        self.remove_stale(self.manifest.shards.len())?;
        self.manifest.complete = true;
        self.finished = true;
        self.write_manifest()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_limits_and_bad_prefixes_are_config_errors() {
        let d = std::env::temp_dir();
        assert!(
            ShardedWriter::new(&d, JsonlShards::default())
                .with_max_records(Some(0))
                .build()
                .is_err()
        );
        assert!(
            ShardedWriter::new(&d, JsonlShards::default())
                .with_prefix("a/b")
                .build()
                .is_err()
        );
    }
}
