//! WebDataset: POSIX tar shards where a *sample* is the run of consecutive files sharing a key.
//!
//! The key of a member is its path up to the first `.` of the base name and the extension is the
//! rest, lowercased (`a/b/x01.Seg.PNG` → key `a/b/x01`, extension `seg.png`), as in the Python
//! `webdataset` package; members without a `.` in their base name and non-file entries are skipped.
//!
//! - [`WebDatasetWriter`] is a [`Sink`] writing one tar crash-safely, plus a sidecar index
//!   `{tar}.idx.json` (sample key → byte offset and length). [`WebDatasetShards`](crate::sharded::WebDatasetShards) plugs it into a
//!   [`ShardedWriter`](crate::ShardedWriter) for `prefix-%06d.tar` shards with a manifest.
//! - [`WebDatasetReader`] is an [`IterableDataset`] over tar files, sharded by file, giving one
//!   [`Record`] per sample.
//! - [`WebDatasetIndex`] is a random-access [`Dataset`] over tar files through their indices
//!   (built by scanning a tar whose index is missing or stale).
//!
//! **Record ↔ sample mapping** ([`WdsMapping`]): the record key is the sample key. Writing, a field
//! named in [`WdsMapping::with_member`] becomes the member `key.ext` (bytes as they are, text as
//! UTF-8, numbers in decimal); other `Bytes` fields become `key.{field}`; every remaining field
//! goes into one JSON object, `key.json`. Reading, the JSON member's fields are merged into the
//! record, a member whose extension is mapped gets its field name back, and other members become
//! fields named by their extension: text for the extensions of [`WdsMapping::with_text_ext`]
//! (default `txt`, `text`, `cls`), bytes otherwise. A `.` in a record key's base name would split
//! the key, so the writer replaces it with `_`.
//!
//! Tar headers carry no time stamps or owners (mtime 0, uid/gid 0, mode 0644), so the same
//! records always give the same bytes.
//!
//! **Bad input**: a truncated or corrupt tar is one record error (kind `Io` or `Parse`) naming
//! the file and the byte offset of the member header where reading stopped; the partial sample
//! is dropped and reading goes on with the next file. A member larger than
//! [`WebDatasetReaderBuilder::with_max_member_bytes`] is a `Limit` error for that sample, which is
//! skipped without buffering the member.
//!
//! ```
//! use dataprep_core::{IterableDataset, Dataset, Record, Sink};
//! use dataprep_storage::{WebDatasetIndex, WebDatasetReader, WebDatasetWriter, WdsMapping};
//! # let dir = tempfile::tempdir()?;
//! let path = dir.path().join("data.tar");
//! let mapping = WdsMapping::default().with_member("caption", "txt");
//! let mut w = WebDatasetWriter::new(&path).with_mapping(mapping.clone()).build()?;
//! w.write(Record::new().with_key("s0").with("jpg", vec![1_u8, 2, 3]).with("caption", "a cat")
//!     .with("label", 3_i64))?;
//! w.finish()?;
//!
//! let ds = WebDatasetReader::new(&path).with_mapping(mapping.clone()).build()?;
//! let r = ds.iter()?.next().unwrap()?;
//! assert_eq!(r.key(), "s0");
//! assert_eq!(r.bytes("jpg")?, &[1, 2, 3]);
//! assert_eq!(r.str("caption")?, "a cat");
//! assert_eq!(r.i64("label")?, 3);
//!
//! let idx = WebDatasetIndex::open([&path], mapping)?;
//! assert_eq!(idx.get(0)?.key(), "s0");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};

use dataprep_core::json::{JsonRecord, record_from_json};
use dataprep_core::{
    Dataset, Error, IterableDataset, Location, Record, RecordError, RecordErrorKind, Records,
    Result, Shard, Sink, Value,
};
use serde::{Deserialize, Serialize};

use crate::atomic::TempFile;

/// Default limit on one member's size: 1 GiB.
pub const DEFAULT_MAX_MEMBER_BYTES: u64 = 1 << 30;
/// The suffix of a tar's sidecar index.
pub const INDEX_SUFFIX: &str = ".idx.json";

/// How record fields map to the members of a sample, both ways; see the
/// [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WdsMapping {
    /// `(field, extension)`: the field is stored as the member `key.extension`.
    pub members: Vec<(String, String)>,
    /// The extension of the JSON member holding the other fields (default `json`).
    pub json_ext: String,
    /// Extensions read as text rather than bytes (default `txt`, `text`, `cls`).
    pub text_exts: Vec<String>,
}

impl Default for WdsMapping {
    fn default() -> Self {
        WdsMapping {
            members: Vec::new(),
            json_ext: "json".into(),
            text_exts: vec!["txt".into(), "text".into(), "cls".into()],
        }
    }
}

impl WdsMapping {
    /// Stores `field` as the member `key.{ext}` (`ext` is lowercased).
    pub fn with_member(mut self, field: impl Into<String>, ext: impl Into<String>) -> Self {
        self.members
            .push((field.into(), ext.into().to_ascii_lowercase()));
        self
    }

    /// Reads members with this extension as text.
    pub fn with_text_ext(mut self, ext: impl Into<String>) -> Self {
        self.text_exts.push(ext.into().to_ascii_lowercase());
        self
    }

    /// The extension of the JSON member (default `json`).
    pub fn with_json_ext(mut self, ext: impl Into<String>) -> Self {
        self.json_ext = ext.into().to_ascii_lowercase();
        self
    }

    fn ext_of(&self, field: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, e)| e.as_str())
    }

    fn field_of<'a>(&'a self, ext: &'a str) -> &'a str {
        self.members
            .iter()
            .find(|(_, e)| e == ext)
            .map_or(ext, |(f, _)| f.as_str())
    }

    /// The members of a record, in field order, the JSON member last.
    fn to_members(&self, record: &Record) -> Result<Vec<(String, Vec<u8>)>> {
        let mut members = Vec::new();
        let mut rest = Record::new();
        for (name, value) in record.iter() {
            let ext = match (self.ext_of(name), value) {
                (Some(e), _) => e.to_owned(),
                (None, Value::Bytes(_)) => name.to_ascii_lowercase(),
                (None, v) => {
                    rest.set(name, v.clone());
                    continue;
                }
            };
            if ext.is_empty() || ext.contains('/') || ext == self.json_ext {
                return Err(RecordError::new(
                    RecordErrorKind::Field,
                    format!("field `{name}` cannot be the member extension `{ext}`"),
                )
                .with_key(record.key())
                .into());
            }
            let bytes = match value {
                Value::Bytes(b) => b.clone(),
                Value::Str(s) => s.as_bytes().to_vec(),
                Value::Int(_) | Value::UInt(_) | Value::Float(_) | Value::Bool(_) => {
                    value.to_json().to_string().into_bytes()
                }
                Value::Null => continue,
                other => dataprep_core::json::value_to_json(other)
                    .to_string()
                    .into_bytes(),
            };
            members.push((ext, bytes));
        }
        if !rest.is_empty() || members.is_empty() {
            let json = serde_json::to_vec(&JsonRecord(&rest))
                .map_err(|e| Error::other("serialising a sample's JSON member", e))?;
            members.push((self.json_ext.clone(), json));
        }
        Ok(members)
    }

    /// Builds the record of a sample from its members.
    fn to_record(&self, key: String, members: Vec<(String, Vec<u8>)>) -> Result<Record> {
        let mut r = Record::new().with_key(key);
        for (ext, bytes) in members {
            if ext == self.json_ext {
                let text = std::str::from_utf8(&bytes).map_err(|e| {
                    RecordError::parse(format!("member .{ext} is not UTF-8: {e}")).with_key(r.key())
                })?;
                let fields = record_from_json(text).map_err(|e| e.with_key(r.key()))?;
                for (k, v) in fields.into_parts().1 {
                    r.set(k, v);
                }
                continue;
            }
            let field = self.field_of(&ext).to_owned();
            let value = if self.text_exts.contains(&ext) {
                match String::from_utf8(bytes) {
                    Ok(s) => Value::Str(s),
                    Err(e) => Value::Bytes(e.into_bytes()),
                }
            } else {
                Value::Bytes(bytes)
            };
            r.set(field, value);
        }
        Ok(r)
    }
}

/// Splits a member path into (key, lowercased extension): the key is the path up to the first
/// `.` of the base name. `None` when the base name has no `.` (such members are skipped).
pub fn split_key(path: &str) -> Option<(&str, String)> {
    let base_start = path.rfind('/').map_or(0, |i| i + 1);
    let dot = path[base_start..].find('.')? + base_start;
    if dot == base_start {
        return None;
    }
    Some((&path[..dot], path[dot + 1..].to_ascii_lowercase()))
}

/// A record key as a sample key: `.` in the base name becomes `_`, a leading `/` is removed.
fn sample_key(key: &str) -> String {
    let key = key.trim_start_matches('/');
    let base_start = key.rfind('/').map_or(0, |i| i + 1);
    let mut out = key[..base_start].to_owned();
    out.extend(
        key[base_start..]
            .chars()
            .map(|c| if c == '.' { '_' } else { c }),
    );
    out
}

/// One sample's place in its tar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The sample key.
    pub key: String,
    /// Byte offset of its first header.
    pub offset: u64,
    /// Bytes up to the end of its last member (padded to 512).
    pub length: u64,
}

/// The sidecar index of a tar (`{tar}.idx.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct TarIndex {
    /// Size of the tar the index was made for; a different size means the index is stale.
    tar_bytes: u64,
    samples: Vec<IndexEntry>,
}

/// Counts the bytes written through it.
#[derive(Debug)]
struct Counting<W> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A [`Sink`] writing one WebDataset tar and its sidecar index, crash-safely.
pub struct WebDatasetWriter {
    path: PathBuf,
    mapping: WdsMapping,
    tar: Option<tar::Builder<Counting<BufWriter<File>>>>,
    tmp: Option<TempFile>,
    index: Option<Vec<IndexEntry>>,
    records_written: u64,
}

impl std::fmt::Debug for WebDatasetWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebDatasetWriter")
            .field("path", &self.path)
            .field("mapping", &self.mapping)
            .field("records_written", &self.records_written)
            .finish_non_exhaustive()
    }
}

/// Configures a [`WebDatasetWriter`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct WebDatasetWriterBuilder {
    path: PathBuf,
    mapping: WdsMapping,
    index: bool,
}

impl WebDatasetWriter {
    /// Starts configuring a writer of the tar `path` (with the default mapping and an index).
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(path: impl Into<PathBuf>) -> WebDatasetWriterBuilder {
        WebDatasetWriterBuilder {
            path: path.into(),
            mapping: WdsMapping::default(),
            index: true,
        }
    }

    /// Records written so far.
    pub fn records_written(&self) -> u64 {
        self.records_written
    }

    /// Writes one record as a sample without taking it.
    ///
    /// # Errors
    /// A record error (kind `Field`) for an empty key or a field that cannot be a member; a
    /// fatal [`Error::Io`] naming the path when writing fails.
    pub fn write_record(&mut self, record: &Record) -> Result<()> {
        let Some(tar) = self.tar.as_mut() else {
            return Err(Error::io(
                &self.path,
                io::Error::other("write after finish"),
            ));
        };
        let key = sample_key(record.key());
        if key.is_empty() || key.ends_with('/') {
            return Err(RecordError::new(
                RecordErrorKind::Field,
                "a WebDataset sample needs a non-empty record key",
            )
            .with_key(record.key())
            .into());
        }
        let members = self.mapping.to_members(record)?;
        let start = tar.get_ref().n;
        for (ext, bytes) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(0);
            h.set_uid(0);
            h.set_gid(0);
            h.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut h, format!("{key}.{ext}"), bytes.as_slice())
                .map_err(|e| Error::io(&self.path, e))?;
        }
        if let Some(index) = self.index.as_mut() {
            index.push(IndexEntry {
                key,
                offset: start,
                length: tar.get_ref().n - start,
            });
        }
        self.records_written += 1;
        Ok(())
    }
}

impl WebDatasetWriterBuilder {
    /// The record ↔ sample mapping.
    pub fn with_mapping(mut self, mapping: WdsMapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// Writes the sidecar index `{tar}.idx.json` (default on).
    pub fn with_index(mut self, on: bool) -> Self {
        self.index = on;
        self
    }

    /// Creates the temporary file next to the target.
    ///
    /// # Errors
    /// [`Error::Io`] naming the path when the temporary file cannot be created.
    pub fn build(self) -> Result<WebDatasetWriter> {
        let (tmp, file) = TempFile::create(&self.path)?;
        let mut tar = tar::Builder::new(Counting {
            inner: BufWriter::with_capacity(1 << 20, file),
            n: 0,
        });
        tar.mode(tar::HeaderMode::Deterministic);
        Ok(WebDatasetWriter {
            path: self.path,
            mapping: self.mapping,
            tar: Some(tar),
            tmp: Some(tmp),
            index: self.index.then(Vec::new),
            records_written: 0,
        })
    }
}

impl Sink for WebDatasetWriter {
    fn write(&mut self, record: Record) -> Result<()> {
        self.write_record(&record)
    }

    /// Ends the archive, fsyncs and renames it into place, then writes the index the same way.
    /// Calling it again does nothing.
    fn finish(&mut self) -> Result<()> {
        let (Some(tar), Some(tmp)) = (self.tar.take(), self.tmp.take()) else {
            return Ok(());
        };
        let io = |e| Error::io(&self.path, e);
        let counting = tar.into_inner().map_err(io)?;
        let tar_bytes = counting.n;
        let file = counting
            .inner
            .into_inner()
            .map_err(|e| io(e.into_error()))?;
        tmp.commit(file)?;
        if let Some(samples) = self.index.take() {
            let ipath = index_path(&self.path);
            let json = serde_json::to_vec(&TarIndex { tar_bytes, samples })
                .map_err(|e| Error::other("serialising a tar index", e))?;
            let (itmp, mut f) = TempFile::create(&ipath)?;
            f.write_all(&json).map_err(|e| Error::io(&ipath, e))?;
            itmp.commit(f)?;
        }
        Ok(())
    }
}

fn index_path(tar: &Path) -> PathBuf {
    let mut s = tar.as_os_str().to_owned();
    s.push(INDEX_SUFFIX);
    PathBuf::from(s)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// An [`IterableDataset`] over WebDataset tar files: one record per sample, sharded by file.
#[derive(Debug, Clone)]
pub struct WebDatasetReader {
    paths: Vec<PathBuf>,
    mapping: WdsMapping,
    max_member_bytes: u64,
}

/// Configures a [`WebDatasetReader`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WebDatasetReaderBuilder {
    reader: WebDatasetReader,
}

impl WebDatasetReader {
    /// Starts configuring a reader of one tar.
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(path: impl Into<PathBuf>) -> WebDatasetReaderBuilder {
        Self::from_paths([path.into()])
    }

    /// Starts configuring a reader of several tars, read in this order.
    pub fn from_paths<P: Into<PathBuf>>(
        paths: impl IntoIterator<Item = P>,
    ) -> WebDatasetReaderBuilder {
        WebDatasetReaderBuilder {
            reader: WebDatasetReader {
                paths: paths.into_iter().map(Into::into).collect(),
                mapping: WdsMapping::default(),
                max_member_bytes: DEFAULT_MAX_MEMBER_BYTES,
            },
        }
    }

    /// The files.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }
}

impl WebDatasetReaderBuilder {
    /// The record ↔ sample mapping.
    pub fn with_mapping(mut self, mapping: WdsMapping) -> Self {
        self.reader.mapping = mapping;
        self
    }

    /// A member larger than this is a `Limit` error for its sample (default 1 GiB).
    pub fn with_max_member_bytes(mut self, n: u64) -> Self {
        self.reader.max_member_bytes = n;
        self
    }

    /// Validates the configuration.
    ///
    /// # Errors
    /// [`Error::Config`] for no files or a zero limit.
    pub fn build(self) -> Result<WebDatasetReader> {
        if self.reader.paths.is_empty() || self.reader.max_member_bytes == 0 {
            return Err(Error::Config(
                "WebDatasetReader: needs files and a positive member limit".into(),
            ));
        }
        Ok(self.reader)
    }
}

impl IterableDataset for WebDatasetReader {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        let files: Vec<PathBuf> = shard.select(&self.paths).cloned().collect();
        let mapping = self.mapping.clone();
        let limit = self.max_member_bytes;
        Ok(Box::new(files.into_iter().flat_map(move |p| {
            TarSamples::spawn(p, mapping.clone(), limit)
        })))
    }
}

/// The samples of one tar, read on a helper thread (the `tar` crate's entry iterator borrows
/// its archive) through a small bounded channel.
struct TarSamples {
    rx: Receiver<Result<Record>>,
}

impl TarSamples {
    fn spawn(path: PathBuf, mapping: WdsMapping, limit: u64) -> TarSamples {
        let (tx, rx) = sync_channel(16);
        std::thread::spawn(move || {
            let _ = read_samples(&path, &mapping, limit, &mut |item| tx.send(item).is_ok());
        });
        TarSamples { rx }
    }
}

impl Iterator for TarSamples {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rx.recv().ok()
    }
}

fn tar_error(path: &Path, offset: u64, key: Option<&str>, e: io::Error) -> Error {
    let kind = if e.kind() == io::ErrorKind::UnexpectedEof {
        RecordErrorKind::Io
    } else {
        RecordErrorKind::Parse
    };
    let mut err = RecordError::new(kind, "truncated or corrupt tar")
        .with_location(Location::file(path).with_offset(offset))
        .with_source(e);
    if let Some(k) = key {
        err = err.with_key(k);
    }
    err.into()
}

/// A sample being collected: key, first offset, members, and whether one member was too big.
struct Pending {
    key: String,
    offset: u64,
    members: Vec<(String, Vec<u8>)>,
    too_big: Option<(String, u64)>,
}

fn emit(
    path: &Path,
    mapping: &WdsMapping,
    p: Pending,
    out: &mut dyn FnMut(Result<Record>) -> bool,
) -> bool {
    if let Some((ext, size)) = p.too_big {
        return out(Err(RecordError::limit(format!(
            "member .{ext} of {size} bytes is over the limit"
        ))
        .with_key(p.key)
        .with_location(Location::file(path).with_offset(p.offset))
        .into()));
    }
    let offset = p.offset;
    out(mapping.to_record(p.key, p.members).map_err(|e| match e {
        Error::Record(mut r) => {
            r.location = Some(Box::new(Location::file(path).with_offset(offset)));
            Error::Record(r)
        }
        other => other,
    }))
}

/// Reads the samples of a tar stream and hands them to `out` (which returns false to stop);
/// `base` is the stream's offset in its file. Returns the samples' index entries.
fn read_samples_from<R: Read>(
    src: R,
    base: u64,
    path: &Path,
    mapping: &WdsMapping,
    limit: u64,
    out: &mut dyn FnMut(Result<Record>) -> bool,
) -> Vec<IndexEntry> {
    let mut index = Vec::new();
    let mut archive = tar::Archive::new(src);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            out(Err(tar_error(path, base, None, e)));
            return index;
        }
    };
    let mut pending: Option<Pending> = None;
    // End of the last member read (padded), where the next sample starts.
    let mut end = base;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let key = pending.as_ref().map(|p| p.key.clone());
                out(Err(tar_error(path, end, key.as_deref(), e)));
                return index;
            }
        };
        let header_pos = base + entry.raw_header_position();
        let size = entry.size();
        let data_end = base + entry.raw_file_position() + size.div_ceil(512) * 512;
        let name = match entry.path() {
            Ok(p) => p.to_string_lossy().into_owned(),
            Err(_) => String::from_utf8_lossy(&entry.path_bytes()).into_owned(),
        };
        let is_file = matches!(
            entry.header().entry_type(),
            tar::EntryType::Regular | tar::EntryType::Continuous
        );
        let split = if is_file { split_key(&name) } else { None };
        let Some((key, ext)) = split else {
            end = data_end;
            continue;
        };
        if pending.as_ref().is_some_and(|p| p.key != key) {
            let p = pending.take().expect("checked");
            index.push(IndexEntry {
                key: p.key.clone(),
                offset: p.offset,
                length: end - p.offset,
            });
            if !emit(path, mapping, p, out) {
                return index;
            }
        }
        let p = pending.get_or_insert_with(|| Pending {
            key: key.to_owned(),
            offset: end.min(header_pos),
            members: Vec::new(),
            too_big: None,
        });
        if size > limit {
            p.too_big.get_or_insert((ext, size));
        } else if p.too_big.is_none() {
            let mut buf = Vec::with_capacity(size as usize);
            if let Err(e) = entry.read_to_end(&mut buf) {
                let key = p.key.clone();
                out(Err(tar_error(path, header_pos, Some(&key), e)));
                return index;
            }
            p.members.push((ext, buf));
        }
        end = data_end;
    }
    if let Some(p) = pending {
        index.push(IndexEntry {
            key: p.key.clone(),
            offset: p.offset,
            length: end - p.offset,
        });
        emit(path, mapping, p, out);
    }
    index
}

fn read_samples(
    path: &Path,
    mapping: &WdsMapping,
    limit: u64,
    out: &mut dyn FnMut(Result<Record>) -> bool,
) -> Vec<IndexEntry> {
    match crate::location::open_stream(path) {
        Ok((f, _)) => read_samples_from(
            BufReader::with_capacity(1 << 20, f),
            0,
            path,
            mapping,
            limit,
            out,
        ),
        Err(e) => {
            out(Err(RecordError::new(
                RecordErrorKind::Io,
                "cannot open tar",
            )
            .with_location(Location::file(path))
            .with_source(e)
            .into()));
            Vec::new()
        }
    }
}

/// A random-access [`Dataset`] over WebDataset tars, through their sidecar indices.
///
/// `open` loads each tar's `{tar}.idx.json`; a tar whose index is missing, unreadable or made
/// for a file of another size is scanned once instead (its samples must then be readable).
/// `get(i)` reads only sample `i`'s byte range: a seek in a local file, one ranged GET for a tar
/// at a URL (`s3://…`, feature `object-store`).
#[derive(Debug, Clone)]
pub struct WebDatasetIndex {
    mapping: WdsMapping,
    /// (file, its directory, its name there, entries) per tar.
    files: Vec<(PathBuf, crate::location::Dir, String, Vec<IndexEntry>)>,
    /// Cumulative sample counts: `starts[f]` is the first global index of file `f`.
    starts: Vec<usize>,
    len: usize,
}

impl WebDatasetIndex {
    /// Loads (or builds by scanning) the index of every tar.
    ///
    /// # Errors
    /// [`Error::Io`] when a tar cannot be opened; the first record error of a tar that had to be
    /// scanned and is corrupt.
    pub fn open<P: AsRef<Path>>(
        paths: impl IntoIterator<Item = P>,
        mapping: WdsMapping,
    ) -> Result<WebDatasetIndex> {
        let mut files = Vec::new();
        let mut starts = Vec::new();
        let mut len = 0;
        for p in paths {
            let path = p.as_ref().to_path_buf();
            let (dir, name) = crate::location::Dir::of_file(&path)?;
            let size = dir.size(&name)?.ok_or_else(|| {
                Error::io(
                    &path,
                    io::Error::new(io::ErrorKind::NotFound, "no such tar"),
                )
            })?;
            let loaded = dir
                .read(&format!("{name}{INDEX_SUFFIX}"))
                .ok()
                .flatten()
                .and_then(|b| serde_json::from_slice::<TarIndex>(&b).ok())
                .filter(|i| i.tar_bytes == size);
            let entries = match loaded {
                Some(i) => i.samples,
                None => {
                    let mut first_err = None;
                    let entries = read_samples(&path, &mapping, u64::MAX, &mut |item| {
                        if let Err(e) = item {
                            first_err.get_or_insert(e);
                        }
                        true
                    });
                    if let Some(e) = first_err {
                        return Err(e);
                    }
                    entries
                }
            };
            starts.push(len);
            len += entries.len();
            files.push((path, dir, name, entries));
        }
        Ok(WebDatasetIndex {
            mapping,
            files,
            starts,
            len,
        })
    }

    /// The entry of sample `index`: its file and byte range.
    pub fn entry(&self, index: usize) -> Option<(&Path, &IndexEntry)> {
        if index >= self.len {
            return None;
        }
        let f = self.starts.partition_point(|&s| s <= index) - 1;
        let (path, _, _, entries) = &self.files[f];
        Some((path.as_path(), &entries[index - self.starts[f]]))
    }
}

impl Dataset for WebDatasetIndex {
    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, index: usize) -> Result<Record> {
        let (path, e) = self.entry(index).ok_or(Error::OutOfRange {
            index,
            len: self.len,
        })?;
        let io_err = |err: io::Error| {
            Error::from(
                RecordError::new(RecordErrorKind::Io, "cannot read sample")
                    .with_key(&e.key)
                    .with_location(Location::file(path).with_offset(e.offset))
                    .with_source(err),
            )
        };
        let f = self.starts.partition_point(|&s| s <= index) - 1;
        let (_, dir, name, _) = &self.files[f];
        let buf = dir.read_range(name, e.offset, e.length).map_err(io_err)?;
        if buf.len() as u64 != e.length {
            return Err(io_err(io::ErrorKind::UnexpectedEof.into()));
        }
        let mut got = None;
        read_samples_from(
            buf.as_slice(),
            e.offset,
            path,
            &self.mapping,
            u64::MAX,
            &mut |item| {
                got.get_or_insert(item);
                false
            },
        );
        match got {
            Some(Ok(r)) if r.key() == e.key => Ok(r),
            Some(Ok(r)) => Err(RecordError::parse(format!(
                "index names sample `{}` but the tar holds `{}` there",
                e.key,
                r.key()
            ))
            .with_location(Location::file(path).with_offset(e.offset))
            .into()),
            Some(Err(err)) => Err(err),
            None => Err(io_err(io::ErrorKind::UnexpectedEof.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_at_the_first_dot_of_the_base_name() {
        assert_eq!(
            split_key("a/b.c/x01.Seg.PNG"),
            Some(("a/b.c/x01", "seg.png".into()))
        );
        assert_eq!(split_key("x.jpg"), Some(("x", "jpg".into())));
        assert_eq!(split_key("dir/noext"), None);
        assert_eq!(split_key("dir/.hidden"), None);
        assert_eq!(sample_key("/a.b/c.jsonl:3"), "a.b/c_jsonl:3");
    }
}
