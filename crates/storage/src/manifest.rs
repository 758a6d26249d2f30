//! `manifest.json`: the list of a sharded output's completed shards (name, records, bytes,
//! BLAKE3, SHA-256), the configuration they were cut with and the records' schema. Written by the
//! [`ShardedWriter`](crate::ShardedWriter), read by the [`ShardedReader`](crate::ShardedReader),
//! [`versioning`](crate::versioning), the [`cache`](crate::cache) and the [`Loader`](crate::Loader).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use dataprep_core::{Error, Result, Schema};
use serde::{Deserialize, Serialize};

use crate::atomic::TempFile;
use crate::checksum::Checksums;
use crate::location::Dir;
pub use crate::location::MANIFEST_FILE;

/// One completed shard in the [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShardInfo {
    /// File name, relative to the manifest's directory.
    pub file: String,
    /// Records in the shard.
    pub records: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// BLAKE3 of the file, lowercase hex.
    pub blake3: String,
    /// SHA-256 of the file, lowercase hex (empty in manifests written before it was added; such
    /// shards are verified by size and BLAKE3 only).
    #[serde(default)]
    pub sha256: String,
}

impl ShardInfo {
    /// True when `sums` (of the shard's bytes) match this entry: size, BLAKE3 and, when
    /// recorded, SHA-256.
    pub(crate) fn matches(&self, sums: &Checksums) -> bool {
        sums.bytes == self.bytes
            && sums.blake3 == self.blake3
            && (self.sha256.is_empty() || sums.sha256 == self.sha256)
    }
}

/// The configuration a manifest was written with; a rerun must match it to resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShardingConfig {
    /// [`ShardFormat::name`](crate::sharded::ShardFormat::name).
    pub format: String,
    /// The file name prefix.
    pub prefix: String,
    /// The file extension.
    pub extension: String,
    /// Records per shard at most.
    pub max_records: Option<u64>,
    /// Estimated payload bytes per shard at most.
    pub max_bytes: Option<u64>,
}

/// `manifest.json`: the completed shards of a [`ShardedWriter`](crate::ShardedWriter), in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Manifest {
    /// Always `dataprep.shards/1`.
    pub version: String,
    /// How the shards were cut.
    pub config: ShardingConfig,
    /// True once the writer finished; false while a job runs (or after it crashed).
    pub complete: bool,
    /// Sum of the shards' records.
    pub total_records: u64,
    /// Sum of the shards' bytes.
    pub total_bytes: u64,
    /// The schema of the records, when known (given, fixed by the format, or inferred).
    pub schema: Option<Schema>,
    /// The shards in order: shard `i` is `shards[i]`.
    pub shards: Vec<ShardInfo>,
}

pub(crate) const MANIFEST_VERSION: &str = "dataprep.shards/1";

impl Manifest {
    /// Reads a manifest file.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read; [`Error::Other`] when it is not a manifest.
    pub fn read(path: impl AsRef<Path>) -> Result<Manifest> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_slice(&text, path)
    }

    /// Reads `manifest.json` of a dataset directory or object-store URL (`s3://bucket/prefix`,
    /// …; feature `object-store`).
    ///
    /// # Errors
    /// [`Error::Io`] (kind `NotFound`) when there is no manifest; as [`read`](Self::read)
    /// otherwise.
    pub fn open(location: impl AsRef<Path>) -> Result<Manifest> {
        let dir = Dir::open(location.as_ref())?;
        let at = dir.location(MANIFEST_FILE);
        match dir.read(MANIFEST_FILE)? {
            Some(bytes) => Self::from_slice(&bytes, &at),
            None => Err(Error::io(at, std::io::ErrorKind::NotFound.into())),
        }
    }

    pub(crate) fn from_slice(bytes: &[u8], at: &Path) -> Result<Manifest> {
        serde_json::from_slice(bytes)
            .map_err(|e| Error::other(format!("reading manifest {}", at.display()), e))
    }

    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::other("serialising the manifest", e))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Writes the manifest crash-safely (temporary file, fsync, rename).
    ///
    /// # Errors
    /// [`Error::Io`] naming the path.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_bytes()?;
        let (tmp, mut file) = TempFile::create(path)?;
        std::io::Write::write_all(&mut file, &bytes).map_err(|e| Error::io(path, e))?;
        tmp.commit(file)
    }

    /// The paths of the shards, under `dir`.
    pub fn shard_paths(&self, dir: impl AsRef<Path>) -> Vec<PathBuf> {
        self.shards
            .iter()
            .map(|s| dir.as_ref().join(&s.file))
            .collect()
    }

    /// Re-hashes every shard under `dir` (a directory, or an object-store URL with the feature
    /// `object-store`) and returns the indices of those that are missing, cannot be read or
    /// differ from the manifest (size, BLAKE3 or SHA-256).
    pub fn verify(&self, dir: impl AsRef<Path>) -> Vec<usize> {
        let Ok(dir) = Dir::open(dir.as_ref()) else {
            return (0..self.shards.len()).collect();
        };
        self.shards
            .iter()
            .enumerate()
            .filter(|(_, s)| !shard_is_valid(&dir, s, true, None))
            .map(|(i, _)| i)
            .collect()
    }
}

impl fmt::Display for Manifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} shards ({}, {}), {} records, {} bytes{}",
            self.shards.len(),
            self.config.format,
            self.config.extension,
            self.total_records,
            self.total_bytes,
            if self.complete { "" } else { " (incomplete)" }
        )?;
        for s in &self.shards {
            writeln!(
                f,
                "  {}  {:>10} records  {:>12} bytes  blake3 {}",
                s.file,
                s.records,
                s.bytes,
                &s.blake3[..16.min(s.blake3.len())]
            )?;
        }
        Ok(())
    }
}

/// True when the shard exists in `dir` with its recorded size and, when `rehash`, its recorded
/// checksums. `listing` (name → size) saves a request per shard on object stores.
pub(crate) fn shard_is_valid(
    dir: &Dir,
    s: &ShardInfo,
    rehash: bool,
    listing: Option<&HashMap<String, u64>>,
) -> bool {
    let size = match listing {
        Some(l) => l.get(&s.file).copied(),
        None => dir.size(&s.file).ok().flatten(),
    };
    if size != Some(s.bytes) {
        return false;
    }
    !rehash || matches!(dir.checksums(&s.file), Ok(Some(sums)) if s.matches(&sums))
}
