//! [`MediaFolder`]: a folder of media files (images, audio, anything) as a dataset.
//!
//! Each file under the folder (recursively, symbolic links not followed) is one record keyed by
//! its path relative to the folder (with `/` separators), with the fields `path` (that relative
//! path), `bytes` (the content) and `size` (bytes, as an integer). Files are sorted by relative
//! path, so the order and the shards (`files[rank::world_size]`) do not depend on the file
//! system. Hidden files (a name starting with `.`) are skipped, which also skips the temporary
//! files of our crash-safe writers.
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

use std::path::{Path, PathBuf};

use dataprep_core::{
    DataType, Dataset, Error, Field, IterableDataset, Location, Record, RecordError,
    RecordErrorKind, Records, Result, Schema, Shard,
};

/// Default limit on one file's size: 256 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

/// A folder of files as an [`IterableDataset`] (sharded by file) and a [`Dataset`].
#[derive(Debug, Clone)]
pub struct MediaFolder {
    root: PathBuf,
    /// Relative paths, sorted.
    files: Vec<String>,
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

    fn read(&self, rel: &str) -> Result<Record> {
        let path = self.root.join(rel);
        let err = |kind, msg: String| {
            RecordError::new(kind, msg)
                .with_key(rel)
                .with_location(Location::file(&path))
        };
        let meta = std::fs::metadata(&path)
            .map_err(|e| err(RecordErrorKind::Io, "cannot stat".into()).with_source(e))?;
        if meta.len() > self.max_file_bytes {
            return Err(err(
                RecordErrorKind::Limit,
                format!(
                    "file of {} bytes is over the limit of {}",
                    meta.len(),
                    self.max_file_bytes
                ),
            )
            .into());
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| err(RecordErrorKind::Io, "cannot read".into()).with_source(e))?;
        let size = bytes.len() as i64;
        Ok(Record::new()
            .with_key(rel)
            .with("path", rel)
            .with("bytes", bytes)
            .with("size", size))
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
        let mut files = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(&dir, e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let ft = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
                if ft.is_dir() {
                    stack.push(entry.path());
                } else if ft.is_file() {
                    let p = entry.path();
                    let ok = self.extensions.as_ref().is_none_or(|exts| {
                        p.extension()
                            .and_then(|e| e.to_str())
                            .is_some_and(|e| exts.contains(&e.to_ascii_lowercase()))
                    });
                    if ok {
                        files.push(relative(&self.root, &p));
                    }
                }
            }
        }
        files.sort();
        Ok(MediaFolder {
            root: self.root,
            files,
            max_file_bytes: self.max_file_bytes,
        })
    }
}

fn relative(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

impl IterableDataset for MediaFolder {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        Ok(Box::new(shard.select(&self.files).map(|f| self.read(f))))
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
        let f = self.files.get(index).ok_or(Error::OutOfRange {
            index,
            len: self.files.len(),
        })?;
        self.read(f)
    }

    fn schema(&self) -> Option<Schema> {
        Some(Self::folder_schema())
    }
}
