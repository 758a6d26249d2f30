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
//! # Choosing files by content
//!
//! [`MediaFolderBuilder::with_kind`] keeps only the files that hold that kind of media, decided
//! by their content: the first [`SNIFF_BYTES`] of each file go through
//! [`sniff`](crate::sniff::sniff)'s magic-byte detector (JPEG, PNG, WebP …; WAV, FLAC, Ogg,
//! MP3 …; MP4, Matroska, MPEG-PS, MPEG-TS, FLV, ASF …). The extension is only a hint: it refines
//! containers that carry audio or video (`.mka`, `.wma`, `.m4a`) and decides when the content
//! matches no signature, but never overrides a clear signature (a PNG named `.mp4` is an
//! image). With [`with_probe`](MediaFolderBuilder::with_probe) a modality crate's real probe
//! (FFmpeg for video, symphonia for audio, the image decoder's header read) confirms every
//! candidate, and also judges files whose content no signature matched; audio is then also
//! looked for in video containers. Every file not taken is in [`MediaFolder::skipped`] with a
//! [`SkipReason`] (`empty: empty file`, `not_video: detected png image`, `probe_failed: …`,
//! `unreadable: …`), in path order, so a caller can report it: nothing is dropped silently.
//!
//! ```
//! use dataprep_storage::MediaFolder;
//! use dataprep_storage::sniff::MediaKind;
//! # let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("clip.dat"), b"\0\0\x01\xba\x44\0\x04\0\x04\x01")?; // MPEG-PS
//! std::fs::write(dir.path().join("photo.mp4"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")?;
//! std::fs::write(dir.path().join("empty.mkv"), b"")?;
//! let ds = MediaFolder::new(dir.path()).with_kind(MediaKind::Video).build()?;
//! assert_eq!(ds.files(), ["clip.dat"]);
//! assert_eq!(ds.detected()[0].format(), "mpeg-ps");
//! let skipped: Vec<String> =
//!     ds.skipped().iter().map(|s| format!("{}: {}", s.path, s.reason)).collect();
//! assert_eq!(skipped, ["empty.mkv: empty: empty file", "photo.mp4: not_video: detected png image"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use dataprep_core::{
    DataType, Dataset, Error, Field, IterableDataset, Location, Record, RecordError,
    RecordErrorKind, Records, Result, Schema, Shard,
};

use crate::location::Dir;
use crate::sniff::{MediaKind, SNIFF_BYTES, Sniffed, kind_of_extension, sniff_with_hint};

/// Default limit on one file's size: 256 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

/// A folder of files as an [`IterableDataset`] (sharded by file) and a [`Dataset`].
#[derive(Debug, Clone)]
pub struct MediaFolder {
    root: Dir,
    /// Relative paths, sorted, with their sizes when listed.
    files: Vec<String>,
    sizes: Vec<u64>,
    detected: Vec<Detected>,
    skipped: Vec<Skipped>,
    max_file_bytes: u64,
}

/// The signature of a probe given to [`MediaFolderBuilder::with_probe`]: the file's path and
/// what the magic-byte sniffer found (`None` when no signature matched); `Ok(format)` takes the
/// file, `Err(reason)` skips it with that reason.
pub type ProbeFn =
    dyn Fn(&Path, Option<Sniffed>) -> std::result::Result<String, String> + Send + Sync;

#[derive(Clone)]
struct Probe(Arc<ProbeFn>);

impl fmt::Debug for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Probe(..)")
    }
}

/// How a file taken by a kind-filtered [`MediaFolder`] was recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detected {
    /// What the magic-byte sniffer found (`None`: no signature matched; the extension or the
    /// probe decided).
    pub sniffed: Option<Sniffed>,
    /// The format the probe reported, when a probe is set.
    pub probed: Option<String>,
}

impl Detected {
    /// The probe's format, else the sniffed one, else `unknown`.
    pub fn format(&self) -> &str {
        self.probed
            .as_deref()
            .or(self.sniffed.map(|s| s.format))
            .unwrap_or("unknown")
    }
}

/// A file a [`MediaFolder`] did not take, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Skipped {
    /// The path relative to the folder, `/`-separated.
    pub path: String,
    /// The size when listed, in bytes.
    pub size: u64,
    /// Why.
    pub reason: SkipReason,
}

/// Why a [`MediaFolder`] did not take a file. `Display` gives `code: detail`, e.g.
/// `not_video: detected png image`; serialised as `{"code": …, "reason": <the Display text>}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Its extension is not one of [`MediaFolderBuilder::with_extensions`].
    Extension,
    /// The file has zero bytes.
    Empty,
    /// Its first bytes could not be read.
    Unreadable {
        /// The I/O error.
        message: String,
    },
    /// Its content is another kind of media.
    OtherKind {
        /// The kind asked for.
        wanted: MediaKind,
        /// What the content is.
        detected: Sniffed,
    },
    /// No signature matched, its extension is not one of the kind asked for, and no probe was
    /// set.
    Unrecognised {
        /// The kind asked for.
        wanted: MediaKind,
    },
    /// The probe rejected it (not openable, no stream of the kind, unsupported codec …).
    ProbeFailed {
        /// The probe's reason.
        message: String,
    },
}

impl SkipReason {
    /// A short stable code: `extension`, `empty`, `unreadable`, `not_image` / `not_audio` /
    /// `not_video`, `unrecognised`, `probe_failed`; for counting by reason.
    pub fn code(&self) -> &'static str {
        match self {
            SkipReason::Extension => "extension",
            SkipReason::Empty => "empty",
            SkipReason::Unreadable { .. } => "unreadable",
            SkipReason::OtherKind { wanted, .. } => match wanted {
                MediaKind::Image => "not_image",
                MediaKind::Audio => "not_audio",
                MediaKind::Video => "not_video",
            },
            SkipReason::Unrecognised { .. } => "unrecognised",
            SkipReason::ProbeFailed { .. } => "probe_failed",
        }
    }
}

impl Serialize for SkipReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("SkipReason", 2)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("reason", &self.to_string())?;
        st.end()
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code())?;
        match self {
            SkipReason::Extension => f.write_str("extension not selected"),
            SkipReason::Empty => f.write_str("empty file"),
            SkipReason::Unreadable { message } | SkipReason::ProbeFailed { message } => {
                f.write_str(message)
            }
            SkipReason::OtherKind { detected, .. } => write!(f, "detected {detected}"),
            SkipReason::Unrecognised { wanted } => {
                write!(f, "no known {wanted} signature and no {wanted} extension")
            }
        }
    }
}

/// Configures a [`MediaFolder`]; `build()` lists the files.
#[derive(Debug, Clone)]
#[must_use]
pub struct MediaFolderBuilder {
    root: PathBuf,
    extensions: Option<Vec<String>>,
    kind: Option<MediaKind>,
    probe: Option<Probe>,
    max_file_bytes: u64,
}

impl MediaFolder {
    /// Starts configuring a dataset of the files under `root`.
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(root: impl Into<PathBuf>) -> MediaFolderBuilder {
        MediaFolderBuilder {
            root: root.into(),
            extensions: None,
            kind: None,
            probe: None,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }

    /// The relative paths of the files, sorted.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The full path (or URL) of file `index` of [`files`](Self::files).
    ///
    /// # Panics
    /// When `index` is out of range.
    pub fn path(&self, index: usize) -> PathBuf {
        self.root.location(&self.files[index])
    }

    /// How each file was recognised, in the order of [`files`](Self::files) (empty unless
    /// [`with_kind`](MediaFolderBuilder::with_kind) was set).
    pub fn detected(&self) -> &[Detected] {
        &self.detected
    }

    /// Every listed file that was not taken, with the reason, sorted by path.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
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

    /// Only files whose content is this kind of media (see the [module docs](self)); the others
    /// are in [`MediaFolder::skipped`].
    pub fn with_kind(mut self, kind: MediaKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Confirms each candidate of [`with_kind`](Self::with_kind) with a real probe (see
    /// [`ProbeFn`]); files no signature matched are probed too. Probes run in parallel on the
    /// rayon pool; a probe that panics skips the file. Local folders only.
    pub fn with_probe(
        mut self,
        probe: impl Fn(&Path, Option<Sniffed>) -> std::result::Result<String, String>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.probe = Some(Probe(Arc::new(probe)));
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
        if self.probe.is_some() && root.is_remote() {
            return Err(Error::Config(
                "MediaFolder: a probe needs a local folder, not an object-store URL".into(),
            ));
        }
        let mut skipped = Vec::new();
        let mut listed = Vec::new();
        for (rel, size) in root.list_all()? {
            let keep = self.extensions.as_ref().is_none_or(|exts| {
                extension(&rel).is_some_and(|e| exts.contains(&e.to_ascii_lowercase()))
            });
            if keep {
                listed.push((rel, size));
            } else {
                skipped.push(Skipped {
                    path: rel,
                    size,
                    reason: SkipReason::Extension,
                });
            }
        }
        let (mut files, mut sizes, mut detected) = (Vec::new(), Vec::new(), Vec::new());
        match self.kind {
            None => (files, sizes) = listed.into_iter().unzip(),
            Some(kind) => {
                let verdicts: Vec<_> = listed
                    .par_iter()
                    .map(|(rel, size)| judge(&root, rel, *size, kind, self.probe.as_ref()))
                    .collect();
                for ((rel, size), v) in listed.into_iter().zip(verdicts) {
                    match v {
                        Ok(d) => {
                            files.push(rel);
                            sizes.push(size);
                            detected.push(d);
                        }
                        Err(reason) => skipped.push(Skipped {
                            path: rel,
                            size,
                            reason,
                        }),
                    }
                }
            }
        }
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(MediaFolder {
            root,
            files,
            sizes,
            detected,
            skipped,
            max_file_bytes: self.max_file_bytes,
        })
    }
}

fn extension(rel: &str) -> Option<&str> {
    let base = rel.rsplit('/').next().unwrap_or(rel);
    base.rsplit_once('.').map(|(_, e)| e)
}

/// Decides whether one file holds `kind`: sniff its head, then the probe if set.
fn judge(
    root: &Dir,
    rel: &str,
    size: u64,
    kind: MediaKind,
    probe: Option<&Probe>,
) -> std::result::Result<Detected, SkipReason> {
    if size == 0 {
        return Err(SkipReason::Empty);
    }
    let head = root
        .read_range(rel, 0, SNIFF_BYTES as u64)
        .map_err(|e| SkipReason::Unreadable {
            message: e.to_string(),
        })?;
    if head.is_empty() {
        return Err(SkipReason::Empty);
    }
    let ext = extension(rel);
    let sniffed = sniff_with_hint(&head, ext);
    let by_ext = ext.and_then(kind_of_extension) == Some(kind);
    match sniffed {
        Some(s) if s.kind == kind => {}
        // Video containers often carry audio: let the probe look for it.
        Some(s) if kind == MediaKind::Audio && s.kind == MediaKind::Video && probe.is_some() => {}
        Some(s) => {
            return Err(SkipReason::OtherKind {
                wanted: kind,
                detected: s,
            });
        }
        None if probe.is_some() || by_ext => {}
        None => return Err(SkipReason::Unrecognised { wanted: kind }),
    }
    let probed = match probe {
        None => None,
        Some(Probe(f)) => {
            let path = root.location(rel);
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&path, sniffed)))
                .unwrap_or_else(|_| Err("the probe panicked".into()));
            Some(r.map_err(|message| SkipReason::ProbeFailed { message })?)
        }
    };
    Ok(Detected { sniffed, probed })
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
