//! [`ShardedReader`]: the dataset of a [`ShardedWriter`](crate::ShardedWriter) output — a local
//! directory or an object-store URL with a `manifest.json` — with every shard's checksums
//! verified before its records are used.
//!
//! The format comes from the manifest (`jsonl`, `parquet`, `webdataset`) and each shard is read
//! by that format's reader. Sharding for distributed jobs is by shard file
//! (`shards[rank::world_size]`).
//!
//! **Verification** (on by default, [`ShardedReaderBuilder::with_verify_checksums`]): before a
//! shard's records are given out, its size, BLAKE3 and SHA-256 are checked against the manifest.
//! A local shard is hashed in place and then read; a shard in an object store is downloaded
//! once into a temporary file while being hashed, then read from that file (deleted after), so a
//! remote shard is fetched once, not twice. A shard that is missing, unreadable or whose checksum
//! differs is one record error (kind `Io`) naming the shard and both checksums, and reading goes
//! on with the next shard: a pipeline quarantines it and the job goes on. A shard that yields a
//! different number of records than the manifest lists also ends with one record error.
//! Without verification, shards are streamed straight from where they are.
//!
//! ```
//! use dataprep_core::{IterableDataset, Record, Sink};
//! use dataprep_storage::{JsonlShards, ShardedReader, ShardedWriter};
//! # let dir = tempfile::tempdir()?;
//! let mut w = ShardedWriter::new(dir.path(), JsonlShards::default()).with_max_records(Some(2)).build()?;
//! for i in 0..5_i64 {
//!     w.write(Record::new().with("id", i))?;
//! }
//! w.finish()?;
//! let ds = ShardedReader::open(dir.path()).build()?;
//! assert_eq!(ds.len_hint(), Some(5));
//! let ids: Vec<i64> = ds.iter()?.map(|r| r.unwrap().i64("id").unwrap()).collect();
//! assert_eq!(ids, [0, 1, 2, 3, 4]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};

use dataprep_core::{
    Error, IterableDataset, Location, Record, RecordError, RecordErrorKind, Records, Result,
    Schema, Shard,
};

use crate::checksum::{self, Checksums};
use crate::location::Dir;
use crate::manifest::{Manifest, ShardInfo};
use crate::webdataset::WdsMapping;
use crate::{JsonlReader, ParquetReader, WebDatasetReader};

/// The dataset of a sharded output; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct ShardedReader {
    location: PathBuf,
    dir: Dir,
    manifest: Manifest,
    cfg: ShardedReaderBuilder,
}

/// Configures a [`ShardedReader`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ShardedReaderBuilder {
    location: PathBuf,
    verify: bool,
    mapping: WdsMapping,
    key_field: Option<String>,
    spool_dir: Option<PathBuf>,
}

impl ShardedReader {
    /// Starts configuring a reader of the sharded output at `location` (a directory or URL).
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn open(location: impl Into<PathBuf>) -> ShardedReaderBuilder {
        ShardedReaderBuilder {
            location: location.into(),
            verify: true,
            mapping: WdsMapping::default(),
            key_field: Some("id".into()),
            spool_dir: None,
        }
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The location of every shard, in order (paths, or URLs for an object store).
    pub fn shard_locations(&self) -> Vec<PathBuf> {
        self.manifest
            .shards
            .iter()
            .map(|s| self.dir.location(&s.file))
            .collect()
    }

    /// The records of one shard (verified first when verification is on).
    ///
    /// # Errors
    /// [`Error::OutOfRange`] for an index past the last shard. Problems with the shard itself
    /// are record errors in the stream.
    pub fn shard(&self, index: usize) -> Result<Records<'_>> {
        let info = self.manifest.shards.get(index).ok_or(Error::OutOfRange {
            index,
            len: self.manifest.shards.len(),
        })?;
        Ok(self.read_shard(info))
    }

    fn inner(&self, path: &Path) -> Result<Box<dyn IterableDataset>> {
        let key = self.cfg.key_field.as_deref();
        Ok(match self.manifest.config.format.as_str() {
            "jsonl" => {
                let r = JsonlReader::new(path);
                Box::new(
                    match key {
                        Some(k) => r.with_key_field(k),
                        None => r.without_key_field(),
                    }
                    .build()?,
                )
            }
            "parquet" => {
                let r = ParquetReader::new(path);
                Box::new(
                    match key {
                        Some(k) => r.with_key_field(k),
                        None => r.without_key_field(),
                    }
                    .build()?,
                )
            }
            "webdataset" => Box::new(
                WebDatasetReader::new(path)
                    .with_mapping(self.cfg.mapping.clone())
                    .build()?,
            ),
            other => {
                return Err(Error::Config(format!(
                    "ShardedReader: no reader for shard format `{other}`"
                )));
            }
        })
    }

    fn read_shard<'a>(&'a self, info: &'a ShardInfo) -> Records<'a> {
        let at = self.dir.location(&info.file);
        let fail = |msg: String, source: Option<Error>| -> Records<'a> {
            let mut e = RecordError::new(RecordErrorKind::Io, msg)
                .with_location(Location::file(&at))
                .with_key(info.file.clone());
            if let Some(s) = source {
                e = e.with_source(s);
            }
            Box::new(std::iter::once(Err(e.into())))
        };
        // The file the inner reader reads, and a spool file to delete after it.
        let (path, spool) = if !self.cfg.verify {
            (at.clone(), None)
        } else {
            let checked = match &self.dir {
                Dir::Local(_) => checksum::of_file(&at)
                    .map(|s| (s, at.clone(), None))
                    .map_err(|e| Error::io(&at, e)),
                #[cfg(feature = "object-store")]
                Dir::Remote(_) => self.spool(&info.file),
            };
            match checked {
                Err(e) => {
                    return fail("cannot read shard; shard skipped".into(), Some(e));
                }
                Ok((sums, path, spool)) => {
                    if !info_matches(info, &sums) {
                        return fail(
                            format!(
                                "checksum mismatch: the manifest lists {} bytes, blake3 {}, \
                                 sha256 {}; the shard has {} bytes, blake3 {}, sha256 {}; \
                                 shard skipped",
                                info.bytes,
                                info.blake3,
                                if info.sha256.is_empty() {
                                    "(none)"
                                } else {
                                    &info.sha256
                                },
                                sums.bytes,
                                sums.blake3,
                                sums.sha256
                            ),
                            None,
                        );
                    }
                    (path, spool)
                }
            }
        };
        let reader = match self.inner(&path) {
            Ok(r) => r,
            Err(e) => return Box::new(std::iter::once(Err(e))),
        };
        Box::new(ShardRecords::spawn(reader, at, path, info.records, spool))
    }

    /// Downloads a remote shard into a temporary file while hashing it.
    #[cfg(feature = "object-store")]
    fn spool(&self, name: &str) -> Result<(Checksums, PathBuf, Option<Spool>)> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let base = self
            .cfg
            .spool_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = base.join(format!(".dataprep-spool-{}-{n}-{name}", std::process::id()));
        let guard = Spool(path.clone());
        let mut src = self.dir.reader(name)?;
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?);
        let mut h = checksum::Hasher::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let k = match std::io::Read::read(&mut src, &mut buf) {
                Ok(0) => break,
                Ok(k) => k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(self.dir.location(name), e)),
            };
            h.update(&buf[..k]);
            std::io::Write::write_all(&mut out, &buf[..k]).map_err(|e| Error::io(&path, e))?;
        }
        std::io::Write::flush(&mut out).map_err(|e| Error::io(&path, e))?;
        Ok((h.finish(), path, Some(guard)))
    }
}

fn info_matches(info: &ShardInfo, sums: &Checksums) -> bool {
    sums.bytes == info.bytes
        && sums.blake3 == info.blake3
        && (info.sha256.is_empty() || sums.sha256 == info.sha256)
}

/// The records of one shard, read on a helper thread that owns the shard's reader (and its
/// spool file) and sends them through a small bounded channel; reading stops when the
/// receiver is dropped. Error locations naming a spool file are rewritten to the shard's URL,
/// and a record count different from the manifest's ends the stream with one record error.
struct ShardRecords {
    rx: Receiver<Result<Record>>,
}

impl ShardRecords {
    fn spawn(
        reader: Box<dyn IterableDataset>,
        at: PathBuf,
        path: PathBuf,
        expected: u64,
        spool: Option<Spool>,
    ) -> ShardRecords {
        let (tx, rx) = sync_channel(64);
        std::thread::spawn(move || {
            let _spool = spool;
            let it = match reader.iter() {
                Ok(it) => it,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let mut seen = 0u64;
            for item in it {
                let item = match item {
                    Ok(r) => {
                        seen += 1;
                        Ok(r)
                    }
                    Err(Error::Record(mut e)) => {
                        if let Some(loc) = e.location.as_mut()
                            && loc.path.as_deref() == Some(path.as_path())
                        {
                            loc.path = Some(at.clone());
                        }
                        Err(Error::Record(e))
                    }
                    Err(e) => Err(e),
                };
                if tx.send(item).is_err() {
                    return;
                }
            }
            if seen != expected {
                let e = RecordError::new(
                    RecordErrorKind::Io,
                    format!("the shard gave {seen} records; the manifest lists {expected}"),
                )
                .with_location(Location::file(&at));
                let _ = tx.send(Err(e.into()));
            }
        });
        ShardRecords { rx }
    }
}

impl Iterator for ShardRecords {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rx.recv().ok()
    }
}

/// A temporary copy of a remote shard, deleted on drop.
#[derive(Debug)]
struct Spool(PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl ShardedReaderBuilder {
    /// Verify each shard's size and checksums before reading it (default on).
    pub fn with_verify_checksums(mut self, on: bool) -> Self {
        self.verify = on;
        self
    }

    /// The record ↔ sample mapping of WebDataset shards.
    pub fn with_mapping(mut self, mapping: WdsMapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// The field whose value becomes the record key in JSONL and Parquet shards (default
    /// `id`; see [`JsonlReader`] and [`ParquetReader`]).
    pub fn with_key_field(mut self, field: impl Into<String>) -> Self {
        self.key_field = Some(field.into());
        self
    }

    /// Keys of JSONL and Parquet shards are always file and line (or row).
    pub fn without_key_field(mut self) -> Self {
        self.key_field = None;
        self
    }

    /// Where shards of an object store are downloaded for verification (default: the system's
    /// temporary directory); each file is deleted once its shard has been read.
    pub fn with_spool_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spool_dir = Some(dir.into());
        self
    }

    /// Reads the manifest.
    ///
    /// # Errors
    /// As [`Manifest::open`]; [`Error::Config`] for a format without a reader here.
    pub fn build(self) -> Result<ShardedReader> {
        let dir = Dir::open(&self.location)?;
        let manifest = Manifest::open(&self.location)?;
        if !["jsonl", "parquet", "webdataset"].contains(&manifest.config.format.as_str()) {
            return Err(Error::Config(format!(
                "ShardedReader: no reader for shard format `{}`",
                manifest.config.format
            )));
        }
        Ok(ShardedReader {
            location: self.location.clone(),
            dir,
            manifest,
            cfg: self,
        })
    }
}

impl IterableDataset for ShardedReader {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        Ok(Box::new(
            shard
                .select(&self.manifest.shards)
                .flat_map(|info| self.read_shard(info)),
        ))
    }

    fn len_hint(&self) -> Option<u64> {
        Some(self.manifest.total_records)
    }

    fn schema(&self) -> Option<Schema> {
        self.manifest.schema.clone()
    }
}

impl ShardedReader {
    /// The location this reader was opened at.
    pub fn location(&self) -> &Path {
        &self.location
    }
}
