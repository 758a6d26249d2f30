//! [`MediaFolder`]: a folder of media files (images, audio, anything) as a dataset.
//!
//! Each file under the folder (recursively, symbolic links not followed) is one record keyed by
//! its path relative to the folder (with `/` separators), with the fields `path` (that relative
//! path), `bytes` (the content) and `size` (bytes, as an integer). Files are sorted by relative
//! path, so the order and the shards (`files[rank::world_size]`) do not depend on the file
//! system. Hidden files (a name starting with `.`) are skipped, which also skips the temporary
//! files of our crash-safe writers.
//!
//! The folder may also be a URL of an object-store prefix (`s3://bucket/images`, feature
//! `object-store`): every object under the prefix is a file, keyed by its key relative to the
//! prefix, with the same order, sharding, limits and errors.
//!
//! A file larger than [`MediaFolderBuilder::with_max_file_bytes`] (default 256 MiB) is a `Limit`
//! record error naming it, without reading it; a file that cannot be read is an `Io` record
//! error. Both let the job go on.
//!
//! ```
//! use dataprep_core::{Dataset, IterableDataset};
//! use dataprep_storage::MediaFolder;
//! # let dir = tempfile::tempdir()?;
//! std::fs::create_dir(dir.path().join("cats"))?;
//! std::fs::write(dir.path().join("cats/b.jpg"), b"jpeg")?;
//! std::fs::write(dir.path().join("a.png"), b"png!!")?;
//! let ds = MediaFolder::new(dir.path()).build()?;
//! assert_eq!(Dataset::len(&ds), 2);
//! let r = ds.get(1)?;
//! assert_eq!((r.key(), r.str("path")?, r.bytes("bytes")?, r.i64("size")?),
//!            ("cats/b.jpg", "cats/b.jpg", &b"jpeg"[..], 4));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::PathBuf;

use dataprep_core::{
    DataType, Dataset, Error, Field, IterableDataset, Location, Record, RecordError,
    RecordErrorKind, Records, Result, Schema, Shard,
};

use crate::store::Dir;

/// Default limit on one file's size: 256 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

/// A folder of files as an [`IterableDataset`] (sharded by file) and a [`Dataset`].
#[derive(Debug, Clone)]
pub struct MediaFolder {
    root: Dir,
    /// Relative paths, sorted, with their sizes when listed.
    files: Vec<String>,
    sizes: Vec<u64>,
    max_file_bytes: u64,
}

/// Configures a [`MediaFolder`]; `build()` lists the files.
#[derive(Debug, Clone)]
#[must_use]
pub struct MediaFolderBuilder {
    root: PathBuf,
    extensions: Option<Vec<String>>,
    max_file_bytes: u64,
}

impl MediaFolder {
    /// Starts configuring a dataset of the files under `root`.
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(root: impl Into<PathBuf>) -> MediaFolderBuilder {
        MediaFolderBuilder {
            root: root.into(),
            extensions: None,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }

    /// The relative paths of the files, sorted.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    fn read(&self, index: usize) -> Result<Record> {
        let rel = self.files[index].as_str();
        let path = self.root.location(rel);
        let err = |kind, msg: String| {
            RecordError::new(kind, msg)
                .with_key(rel)
                .with_location(Location::file(&path))
        };
        // The size now (the file may have changed since it was listed).
        let len = match self.root.size(rel) {
            Ok(Some(n)) => n,
            Ok(None) => {
                return Err(err(RecordErrorKind::Io, "cannot stat: no such file".into()).into());
            }
            Err(e) => {
                return Err(err(RecordErrorKind::Io, "cannot stat".into())
                    .with_source(e)
                    .into());
            }
        };
        if len > self.max_file_bytes {
            return Err(err(
                RecordErrorKind::Limit,
                format!(
                    "file of {len} bytes is over the limit of {}",
                    self.max_file_bytes
                ),
            )
            .into());
        }
        // Read at most one byte past the limit, in case the file grew after the check.
        let bytes = self
            .root
            .read_range(rel, 0, self.max_file_bytes + 1)
            .map_err(|e| err(RecordErrorKind::Io, "cannot read".into()).with_source(e))?;
        if bytes.len() as u64 > self.max_file_bytes {
            return Err(err(
                RecordErrorKind::Limit,
                format!("file grew past the limit of {} bytes", self.max_file_bytes),
            )
            .into());
        }
        let size = bytes.len() as i64;
        Ok(Record::new()
            .with_key(rel)
            .with("path", rel)
            .with("bytes", bytes)
            .with("size", size))
    }

    /// The sizes of the files when they were listed, in the order of [`files`](Self::files).
    pub fn sizes(&self) -> &[u64] {
        &self.sizes
    }

    fn folder_schema() -> Schema {
        Schema::new(vec![
            Field::new("path", DataType::Utf8, false),
            Field::new("bytes", DataType::Binary, false),
            Field::new("size", DataType::Int64, false),
        ])
    }
}

impl MediaFolderBuilder {
    /// Only files with one of these extensions (case-insensitive, without the dot).
    pub fn with_extensions<S: Into<String>>(mut self, exts: impl IntoIterator<Item = S>) -> Self {
        self.extensions = Some(
            exts.into_iter()
                .map(|e| e.into().to_ascii_lowercase())
                .collect(),
        );
        self
    }

    /// A larger file is a `Limit` record error (default [`DEFAULT_MAX_FILE_BYTES`]).
    pub fn with_max_file_bytes(mut self, n: u64) -> Self {
        self.max_file_bytes = n;
        self
    }

    /// Lists the files.
    ///
    /// # Errors
    /// [`Error::Io`] when `root` or a folder under it cannot be listed; [`Error::Config`] for a
    /// zero limit.
    pub fn build(self) -> Result<MediaFolder> {
        if self.max_file_bytes == 0 {
            return Err(Error::Config("MediaFolder: zero file size limit".into()));
        }
        let root = Dir::open(&self.root)?;
        if let Dir::Local(d) = &root
            && !d.is_dir()
        {
            let e = std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory");
            return Err(Error::io(d, e));
        }
        let (files, sizes) = root
            .list_all()?
            .into_iter()
            .filter(|(rel, _)| {
                self.extensions.as_ref().is_none_or(|exts| {
                    let base = rel.rsplit('/').next().unwrap_or(rel);
                    base.rsplit_once('.')
                        .is_some_and(|(_, e)| exts.contains(&e.to_ascii_lowercase()))
                })
            })
            .unzip();
        Ok(MediaFolder {
            root,
            files,
            sizes,
            max_file_bytes: self.max_file_bytes,
        })
    }
}

impl IterableDataset for MediaFolder {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        Ok(Box::new(
            (shard.rank..self.files.len())
                .step_by(shard.world_size)
                .map(|i| self.read(i)),
        ))
    }

    fn len_hint(&self) -> Option<u64> {
        Some(self.files.len() as u64)
    }

    fn schema(&self) -> Option<Schema> {
        Some(Self::folder_schema())
    }
}

impl Dataset for MediaFolder {
    fn len(&self) -> usize {
        self.files.len()
    }

    fn get(&self, index: usize) -> Result<Record> {
        if index >= self.files.len() {
            return Err(Error::OutOfRange {
                index,
                len: self.files.len(),
            });
        }
        self.read(index)
    }

    fn schema(&self) -> Option<Schema> {
        Some(Self::folder_schema())
    }
}
