//! JSON Lines: [`JsonlReader`] (a dataset over one or more files) and [`JsonlWriter`] (a sink).
//!
//! One JSON object per line, plain or compressed as a whole file with gzip or zstd. Values follow
//! the natural JSON mapping of [`dataprep_core::json`].
//!
//! ## Reading
//!
//! The reader decompresses and splits lines on the calling thread, collects a *block* of raw lines
//! (by default 4096 lines or 4 MiB, whichever comes first), parses the block in parallel with rayon
//! and yields its records in file order. Memory is bounded by one block plus one line, and the
//! output does not depend on the number of threads.
//!
//! Bad input never panics and never ends the stream early; each problem is one
//! `Err(Error::Record(..))` item naming the file and the 1-based line:
//!
//! | problem | kind | then |
//! |---|---|---|
//! | invalid JSON, or a value that is not an object | `Parse` | next line |
//! | invalid UTF-8 | `Parse` | next line |
//! | a line longer than [`JsonlReaderBuilder::with_max_line_bytes`] | `Limit` | the rest of the line is skipped without being buffered |
//! | a truncated or corrupt gzip / zstd stream, or a read error | `Io` (with the line reached and the decompressed byte offset) | next file |
//! | a compressed file decompressing past [`JsonlReaderBuilder::with_max_decompressed_bytes`] | `Limit` (with the line reached and the decompressed byte offset) | next file |
//! | a file that cannot be opened | `Io` | next file |
//!
//! A file that cannot be opened is a record error rather than a fatal one so that one missing or
//! unreadable file among thousands does not stop a job; the pipeline counts it as a failed
//! `source` record under its error budget. Blank lines are skipped (they still count in line
//! numbers), a trailing `\r` is removed, a UTF-8 byte-order mark at the start of a file is
//! ignored, and a zero-byte file is empty whatever its extension.
//!
//! **URLs.** A path may be a URL (`s3://bucket/docs.jsonl.zst`, `gs://…`, `file://…`; see
//! [`is_url`](crate::is_url)): the file is then streamed from object storage (feature
//! `object-store`), with the same errors and limits; without the feature such a path is an `Io`
//! record error saying so.
//!
//! **Keys.** A record's key is the value of the key field (default `id`) when it is a string or an
//! integer (written in decimal), and `{file_name}:{line}` otherwise — the file's name without its
//! directory, and the 1-based line number.
//!
//! **Sharding.** Several files are sharded by file (`files[rank::world_size]`, see
//! [`Shard::select`]). A single file is sharded by line: shard `rank` parses the lines whose
//! 0-based index `i` has `i % world_size == rank` (every shard still reads the whole file). A
//! problem with the file as a whole (it cannot be opened, or its stream is truncated) concerns every
//! shard of a single file, so each shard reports it.
//!
//! ```
//! use dataprep_core::{IterableDataset, Record, Sink};
//! use dataprep_storage::{JsonlReader, JsonlWriter};
//! # let dir = tempfile::tempdir()?;
//! let path = dir.path().join("docs.jsonl.zst");
//! let mut w = JsonlWriter::new(&path).build()?;
//! w.write(Record::new().with("id", 1_i64).with("text", "hello"))?;
//! w.write(Record::new().with("text", "no id"))?;
//! w.finish()?;
//!
//! let reader = JsonlReader::new(&path).build()?;
//! let recs: Vec<Record> = reader.iter()?.collect::<Result<_, _>>()?;
//! assert_eq!(recs[0].key(), "1");
//! assert_eq!(recs[1].key(), "docs.jsonl.zst:2");
//! assert_eq!(recs[1].str("text")?, "no id");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use dataprep_core::json::{JsonValue, record_from_json};
use dataprep_core::{
    Error, IterableDataset, Location, Record, RecordError, RecordErrorKind, Records, Result, Shard,
    Sink, Value,
};
use rayon::prelude::*;
use serde::ser::{SerializeMap, Serializer};

use crate::atomic::TempFile;
use crate::compression::Compression;
use crate::location::file_name;

/// Default limit on the length of one line: 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;
/// Default number of lines parsed together in parallel.
pub const DEFAULT_BLOCK_LINES: usize = 4096;
/// Default number of bytes of lines parsed together in parallel: 4 MiB.
pub const DEFAULT_BLOCK_BYTES: usize = 4 << 20;
/// Buffer size of the file and decoder readers.
const READ_BUFFER: usize = 256 << 10;

// ----------------------------------------------------------------------------------------------
// Reader

/// A streaming dataset over one or more JSONL files (plain, `.gz`, `.zst`).
///
/// Built with [`JsonlReader::new`] or [`JsonlReader::from_paths`] and the `with_*` methods of
/// [`JsonlReaderBuilder`]. See the [module docs](self) for keys, sharding and error handling.
#[derive(Debug, Clone)]
pub struct JsonlReader {
    cfg: JsonlReaderBuilder,
}

/// Configures a [`JsonlReader`]; `build()` validates.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct JsonlReaderBuilder {
    paths: Vec<PathBuf>,
    compression: Option<Compression>,
    key_field: Option<String>,
    max_line_bytes: usize,
    block_lines: usize,
    block_bytes: usize,
    max_decompressed_bytes: Option<u64>,
}

impl JsonlReader {
    /// Starts configuring a reader of one file.
    #[allow(clippy::new_ret_no_self)] // by-value builder, as in `JsonlReader::new(p).build()?`
    pub fn new(path: impl Into<PathBuf>) -> JsonlReaderBuilder {
        JsonlReader::from_paths([path.into()])
    }

    /// Starts configuring a reader of several files, read in this order.
    pub fn from_paths<P: Into<PathBuf>>(paths: impl IntoIterator<Item = P>) -> JsonlReaderBuilder {
        JsonlReaderBuilder {
            paths: paths.into_iter().map(Into::into).collect(),
            compression: None,
            key_field: Some("id".to_owned()),
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            block_lines: DEFAULT_BLOCK_LINES,
            block_bytes: DEFAULT_BLOCK_BYTES,
            max_decompressed_bytes: None,
        }
    }

    /// The files, in reading order.
    pub fn paths(&self) -> &[PathBuf] {
        &self.cfg.paths
    }

    /// The configuration this reader was built with.
    pub fn config(&self) -> &JsonlReaderBuilder {
        &self.cfg
    }
}

impl JsonlReaderBuilder {
    /// Reads every file with this codec instead of choosing by extension (levels are ignored).
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.compression = Some(compression);
        self
    }

    /// The field whose value becomes the record key (default `id`); see
    /// [`without_key_field`](Self::without_key_field).
    pub fn with_key_field(mut self, field: impl Into<String>) -> Self {
        self.key_field = Some(field.into());
        self
    }

    /// Keys are always `{file_name}:{line}`, whatever the fields.
    pub fn without_key_field(mut self) -> Self {
        self.key_field = None;
        self
    }

    /// The longest line accepted, in bytes (default [`DEFAULT_MAX_LINE_BYTES`]); a longer line is
    /// a record error of kind `Limit` and is skipped without being held in memory.
    pub fn with_max_line_bytes(mut self, max: usize) -> Self {
        self.max_line_bytes = max;
        self
    }

    /// Stops reading a compressed file once it has decompressed to more than `max` bytes (default
    /// `None`: no limit): the rest of the file is skipped with one record error of kind `Limit`
    /// naming the path, the line and the decompressed offset reached, and reading goes on with
    /// the next file. Memory stays bounded without it (the reader streams); the limit bounds the
    /// time a decompression bomb can take. Plain files are not limited.
    pub fn with_max_decompressed_bytes(mut self, max: Option<u64>) -> Self {
        self.max_decompressed_bytes = max;
        self
    }

    /// How many lines are parsed together in parallel (default [`DEFAULT_BLOCK_LINES`]).
    pub fn with_block_lines(mut self, lines: usize) -> Self {
        self.block_lines = lines;
        self
    }

    /// How many bytes of lines are parsed together in parallel (default [`DEFAULT_BLOCK_BYTES`]).
    pub fn with_block_bytes(mut self, bytes: usize) -> Self {
        self.block_bytes = bytes;
        self
    }

    /// Validates the configuration. Files are not opened here: a file that cannot be opened is a
    /// record error when it is read (see the [module docs](self)).
    ///
    /// # Errors
    /// [`Error::Config`] when there are no paths, a limit or block size is zero, or the codec is
    /// not one JSONL supports (none, gzip, zstd).
    pub fn build(self) -> Result<JsonlReader> {
        if self.paths.is_empty() {
            return Err(Error::Config("JsonlReader: no input files".into()));
        }
        if self.max_line_bytes == 0 || self.block_lines == 0 || self.block_bytes == 0 {
            return Err(Error::Config(
                "JsonlReader: max_line_bytes, block_lines and block_bytes must be positive".into(),
            ));
        }
        if let Some(c) = self.compression {
            check_jsonl_codec(c)?;
        }
        Ok(JsonlReader { cfg: self })
    }
}

fn check_jsonl_codec(c: Compression) -> Result<()> {
    match c {
        Compression::None | Compression::Gzip { .. } | Compression::Zstd { .. } => c.validate(),
        other => Err(Error::Config(format!(
            "JSONL files cannot be compressed with {other} (use none, gzip or zstd)"
        ))),
    }
}

impl IterableDataset for JsonlReader {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        let paths = &self.cfg.paths;
        let (files, lines): (Vec<&Path>, Shard) = if paths.len() == 1 {
            (vec![paths[0].as_path()], shard)
        } else {
            (
                shard.select(paths).map(PathBuf::as_path).collect(),
                Shard::ALL,
            )
        };
        Ok(Box::new(JsonlStream {
            cfg: &self.cfg,
            files: files.into_iter(),
            lines,
            file: None,
            block: Block::default(),
            ready: Vec::new().into_iter(),
        }))
    }
}

/// The error a [`Bounded`] reader returns past its limit.
#[derive(Debug)]
struct DecompressionLimit(u64);

impl std::fmt::Display for DecompressionLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "decompressed data exceeds the limit of {} bytes (a decompression bomb?)",
            self.0
        )
    }
}

impl std::error::Error for DecompressionLimit {}

/// A decompressor that fails once it has produced more than `limit` bytes.
struct Bounded<R> {
    inner: R,
    limit: u64,
    produced: u64,
}

impl<R> Bounded<R> {
    fn new(inner: R, limit: u64) -> Self {
        Bounded {
            inner,
            limit,
            produced: 0,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.produced >= self.limit {
            // At the limit the stream must end: one more byte is a bomb.
            let mut probe = [0u8; 1];
            return loop {
                match self.inner.read(&mut probe) {
                    Ok(0) => break Ok(0),
                    Ok(_) => break Err(io::Error::other(DecompressionLimit(self.limit))),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
        }
        let room = usize::try_from(self.limit - self.produced).unwrap_or(usize::MAX);
        let n = buf.len().min(room);
        let k = self.inner.read(&mut buf[..n])?;
        self.produced += k as u64;
        Ok(k)
    }
}

/// One open file: the decompressed byte stream and the position in it.
struct LineSource<'a> {
    path: &'a Path,
    name: String,
    src: Box<dyn BufRead + Send + 'a>,
    /// Decompressed bytes consumed so far.
    offset: u64,
    /// Lines consumed so far (the next line is `line + 1`).
    line: u64,
}

enum Next {
    /// A line was appended to the buffer at `start..`.
    Line {
        start: usize,
    },
    /// A line that belongs to another shard was consumed.
    Skipped,
    /// A line longer than the limit was consumed without being buffered.
    TooLong {
        len: u64,
    },
    Eof,
    Err(io::Error),
}

impl<'a> LineSource<'a> {
    fn open(
        path: &'a Path,
        compression: Option<Compression>,
        max_decompressed: Option<u64>,
    ) -> io::Result<Self> {
        // Local files are read directly; URLs through object storage (streamed).
        let (file, len): (Box<dyn Read + Send>, u64) = if crate::location::url_of(path).is_none() {
            let f = File::open(path)?;
            let len = f.metadata().map_or(1, |m| m.len());
            (Box::new(f), len)
        } else {
            crate::location::open_stream(path)?
        };
        // A zero-byte file is empty whatever its codec (as Python's gzip module reads it), rather
        // than a truncated stream.
        let codec = if len == 0 {
            Compression::None
        } else {
            compression.unwrap_or_else(|| Compression::from_path(path))
        };
        let limit = max_decompressed.unwrap_or(u64::MAX);
        let src: Box<dyn BufRead + Send> = match codec {
            Compression::Gzip { .. } => Box::new(BufReader::with_capacity(
                READ_BUFFER,
                Bounded::new(
                    flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(
                        READ_BUFFER,
                        file,
                    )),
                    limit,
                ),
            )),
            Compression::Zstd { .. } => Box::new(BufReader::with_capacity(
                READ_BUFFER,
                Bounded::new(
                    zstd::Decoder::with_buffer(BufReader::with_capacity(READ_BUFFER, file))?,
                    limit,
                ),
            )),
            _ => Box::new(BufReader::with_capacity(READ_BUFFER, file)),
        };
        Ok(LineSource {
            path,
            name: file_name(path),
            src,
            offset: 0,
            line: 0,
        })
    }

    /// Reads the next line into `buf` (without its `\n`) when `keep`, never holding more than
    /// `max` bytes of it.
    fn next_line(&mut self, buf: &mut Vec<u8>, max: usize, keep: bool) -> Next {
        let start = buf.len();
        let mut len: u64 = 0;
        let mut started = false;
        let mut too_long = false;
        loop {
            let avail = match self.src.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    buf.truncate(start);
                    return Next::Err(e);
                }
            };
            if avail.is_empty() {
                if !started {
                    return Next::Eof;
                }
                // The last line has no newline.
                self.line += 1;
                break;
            }
            started = true;
            let (chunk_len, found) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i, true),
                None => (avail.len(), false),
            };
            len += chunk_len as u64;
            if keep && !too_long {
                if len > max as u64 {
                    too_long = true;
                    buf.truncate(start);
                } else {
                    buf.extend_from_slice(&avail[..chunk_len]);
                }
            }
            let consumed = chunk_len + usize::from(found);
            self.src.consume(consumed);
            self.offset += consumed as u64;
            if found {
                self.line += 1;
                break;
            }
        }
        if !keep {
            Next::Skipped
        } else if too_long {
            Next::TooLong { len }
        } else {
            Next::Line { start }
        }
    }
}

/// A raw line waiting to be parsed.
enum Raw {
    Line { line: u64, start: usize, end: usize },
    TooLong { line: u64, len: u64 },
}

#[derive(Default)]
struct Block {
    buf: Vec<u8>,
    items: Vec<Raw>,
}

struct JsonlStream<'a> {
    cfg: &'a JsonlReaderBuilder,
    files: std::vec::IntoIter<&'a Path>,
    /// Which lines of each file this shard parses.
    lines: Shard,
    file: Option<LineSource<'a>>,
    block: Block,
    ready: std::vec::IntoIter<Result<Record>>,
}

impl Iterator for JsonlStream<'_> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        loop {
            if let Some(item) = self.ready.next() {
                return Some(item);
            }
            if self.file.is_none() {
                let path = self.files.next()?;
                match LineSource::open(path, self.cfg.compression, self.cfg.max_decompressed_bytes)
                {
                    Ok(src) => self.file = Some(src),
                    Err(e) => {
                        return Some(Err(RecordError::new(RecordErrorKind::Io, "cannot open")
                            .with_location(Location::file(path))
                            .with_key(file_name(path))
                            .with_source(e)
                            .into()));
                    }
                }
            }
            self.fill_block();
        }
    }
}

impl JsonlStream<'_> {
    /// Reads one block of lines from the current file, parses it in parallel into `ready`, and
    /// closes the file at its end (or at a read error, which becomes the block's last item).
    fn fill_block(&mut self) {
        let Some(src) = self.file.as_mut() else {
            return;
        };
        let cfg = self.cfg;
        let block = &mut self.block;
        block.buf.clear();
        block.items.clear();
        let mut failure = None;
        while block.items.len() < cfg.block_lines && block.buf.len() < cfg.block_bytes {
            let keep = self.lines.contains(src.line as usize);
            match src.next_line(&mut block.buf, cfg.max_line_bytes, keep) {
                Next::Line { start } => {
                    let line = src.line;
                    let mut s = start;
                    let mut end = block.buf.len();
                    if line == 1 && block.buf[s..end].starts_with(b"\xEF\xBB\xBF") {
                        s += 3;
                    }
                    if end > s && block.buf[end - 1] == b'\r' {
                        end -= 1;
                    }
                    if block.buf[s..end].iter().all(u8::is_ascii_whitespace) {
                        block.buf.truncate(start);
                    } else {
                        block.items.push(Raw::Line {
                            line,
                            start: s,
                            end,
                        });
                    }
                }
                Next::Skipped => {}
                Next::TooLong { len } => block.items.push(Raw::TooLong {
                    line: src.line,
                    len,
                }),
                Next::Eof => {
                    failure = Some(None);
                    break;
                }
                Next::Err(e) => {
                    failure = Some(Some(e));
                    break;
                }
            }
        }
        let (path, name) = (src.path, src.name.as_str());
        let key_field = cfg.key_field.as_deref();
        let max = cfg.max_line_bytes;
        let buf = &block.buf;
        let mut out: Vec<Result<Record>> = block
            .items
            .par_iter()
            .with_min_len(8)
            .map(|raw| parse_raw(raw, buf, path, name, key_field, max))
            .collect();
        if let Some(end) = failure {
            if let Some(e) = end {
                let line = src.line + 1;
                let offset = src.offset;
                let bomb = e
                    .get_ref()
                    .is_some_and(|x| x.downcast_ref::<DecompressionLimit>().is_some());
                let (kind, what) = if bomb {
                    (RecordErrorKind::Limit, "decompression limit reached")
                } else {
                    (RecordErrorKind::Io, "read error")
                };
                out.push(Err(RecordError::new(
                    kind,
                    format!(
                        "{what} at line {line} (decompressed byte offset {offset}); \
                         the rest of the file is skipped"
                    ),
                )
                .with_location(Location::file(path).with_line(line).with_offset(offset))
                .with_key(format!("{name}:{line}"))
                .with_source(e)
                .into()));
            }
            self.file = None;
        }
        self.ready = out.into_iter();
    }
}

fn parse_raw(
    raw: &Raw,
    buf: &[u8],
    path: &Path,
    name: &str,
    key_field: Option<&str>,
    max: usize,
) -> Result<Record> {
    let (line, bytes) = match *raw {
        Raw::Line { line, start, end } => (line, &buf[start..end]),
        Raw::TooLong { line, len } => {
            return Err(RecordError::limit(format!(
                "line of {len} bytes is longer than the limit of {max} bytes"
            ))
            .with_location(Location::file(path).with_line(line))
            .with_key(format!("{name}:{line}"))
            .into());
        }
    };
    let fail = |e: RecordError| -> Error {
        e.with_location(Location::file(path).with_line(line))
            .with_key(format!("{name}:{line}"))
            .into()
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        fail(RecordError::parse(format!(
            "invalid UTF-8 at byte {} of the line",
            e.valid_up_to()
        )))
    })?;
    let mut rec = record_from_json(text).map_err(fail)?;
    let key = key_field.and_then(|f| match rec.get(f) {
        Some(Value::Str(s)) => Some(s.clone()),
        Some(Value::Int(i)) => Some(i.to_string()),
        Some(Value::UInt(u)) => Some(u.to_string()),
        _ => None,
    });
    rec.set_key(key.unwrap_or_else(|| format!("{name}:{line}")));
    Ok(rec)
}

// ----------------------------------------------------------------------------------------------
// Writer

/// A sink writing one compact JSON object per line, plain or compressed, crash-safely.
///
/// Records are written to a temporary file in the target's directory; [`Sink::finish`] flushes,
/// finishes the compressed stream, fsyncs and renames it into place. A writer dropped without
/// `finish()` removes its temporary file and leaves nothing at the target path (an existing file
/// there is left as it was).
///
/// ```
/// use dataprep_core::{Record, Sink};
/// use dataprep_storage::{Compression, JsonlWriter, read_jsonl};
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join("out.jsonl.gz");
/// let mut w = JsonlWriter::new(&path)
///     .with_compression(Compression::Gzip { level: 9 })
///     .with_key_field("id")
///     .build()?;
/// w.write(Record::new().with("text", "hi").with_key("doc-1"))?;
/// assert!(!path.exists());
/// w.finish()?;
/// assert_eq!(w.records_written(), 1);
/// let back = read_jsonl(&path)?;
/// assert_eq!(back[0].str("id")?, "doc-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct JsonlWriter {
    path: PathBuf,
    key_field: Option<String>,
    out: Option<BufWriter<Encoder>>,
    tmp: Option<TempFile>,
    records_written: u64,
}

/// Configures a [`JsonlWriter`]; `build()` creates the temporary file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct JsonlWriterBuilder {
    path: PathBuf,
    compression: Option<Compression>,
    key_field: Option<String>,
}

enum Encoder {
    Plain(File),
    Gzip(flate2::write::GzEncoder<File>),
    Zstd(zstd::Encoder<'static, File>),
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Encoder::Plain(_) => "Plain",
            Encoder::Gzip(_) => "Gzip",
            Encoder::Zstd(_) => "Zstd",
        })
    }
}

impl Write for Encoder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(w) => w.flush(),
            Encoder::Zstd(w) => w.flush(),
        }
    }
}

impl Encoder {
    fn finish(self) -> io::Result<File> {
        match self {
            Encoder::Plain(f) => Ok(f),
            Encoder::Gzip(w) => w.finish(),
            Encoder::Zstd(w) => w.finish(),
        }
    }
}

impl JsonlWriter {
    /// Starts configuring a writer of `path`; the codec is chosen by extension unless set.
    #[allow(clippy::new_ret_no_self)] // by-value builder, as in `JsonlWriter::new(p).build()?`
    pub fn new(path: impl Into<PathBuf>) -> JsonlWriterBuilder {
        JsonlWriterBuilder {
            path: path.into(),
            compression: None,
            key_field: None,
        }
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records written so far.
    pub fn records_written(&self) -> u64 {
        self.records_written
    }

    /// Writes one record without taking it.
    ///
    /// # Errors
    /// [`Error::Io`] naming the path (fatal), also after [`Sink::finish`].
    pub fn write_record(&mut self, record: &Record) -> Result<()> {
        let Some(out) = self.out.as_mut() else {
            return Err(Error::io(
                &self.path,
                io::Error::other("write after finish"),
            ));
        };
        let res = match self.key_field.as_deref() {
            Some(field) if !record.key().is_empty() && !record.contains(field) => {
                serde_json::to_writer(&mut *out, &WithKey { field, record })
                    .map_err(io::Error::other)
            }
            _ => dataprep_core::json::write_record_json(record, &mut *out),
        };
        res.and_then(|()| out.write_all(b"\n"))
            .map_err(|e| Error::io(&self.path, e))?;
        self.records_written += 1;
        Ok(())
    }
}

/// A record serialised with its key as an extra first field.
struct WithKey<'a> {
    field: &'a str,
    record: &'a Record,
}

impl serde::Serialize for WithKey<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.record.len() + 1))?;
        map.serialize_entry(self.field, self.record.key())?;
        for (k, v) in self.record.iter() {
            map.serialize_entry(k, &JsonValue(v))?;
        }
        map.end()
    }
}

impl JsonlWriterBuilder {
    /// Compresses with this codec instead of choosing by extension (none, gzip or zstd).
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.compression = Some(compression);
        self
    }

    /// Writes each record's key into the field `name` when the record has no such field (and a
    /// non-empty key), as the first field of the line.
    pub fn with_key_field(mut self, name: impl Into<String>) -> Self {
        self.key_field = Some(name.into());
        self
    }

    /// Creates the temporary file next to the target.
    ///
    /// # Errors
    /// [`Error::Config`] for an unsupported codec or level; [`Error::Io`] naming the path when the
    /// temporary file cannot be created (for example, the directory does not exist).
    pub fn build(self) -> Result<JsonlWriter> {
        let compression = self
            .compression
            .unwrap_or_else(|| Compression::from_path(&self.path));
        check_jsonl_codec(compression)?;
        let (tmp, file) = TempFile::create(&self.path)?;
        let enc = match compression {
            Compression::Gzip { level } => Encoder::Gzip(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::new(level),
            )),
            Compression::Zstd { level } => Encoder::Zstd(
                zstd::Encoder::new(file, level).map_err(|e| Error::io(&self.path, e))?,
            ),
            _ => Encoder::Plain(file),
        };
        Ok(JsonlWriter {
            path: self.path,
            key_field: self.key_field,
            out: Some(BufWriter::with_capacity(1 << 20, enc)),
            tmp: Some(tmp),
            records_written: 0,
        })
    }
}

impl Sink for JsonlWriter {
    fn write(&mut self, record: Record) -> Result<()> {
        self.write_record(&record)
    }

    /// Flushes, finishes the compressed stream, fsyncs and renames the file into place. Calling
    /// it again does nothing.
    fn finish(&mut self) -> Result<()> {
        let (Some(out), Some(tmp)) = (self.out.take(), self.tmp.take()) else {
            return Ok(());
        };
        let io = |e| Error::io(&self.path, e);
        let enc = out.into_inner().map_err(|e| io(e.into_error()))?;
        let file = enc.finish().map_err(io)?;
        tmp.commit(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(bytes: &'static [u8]) -> LineSource<'static> {
        LineSource {
            path: Path::new("mem.jsonl"),
            name: "mem.jsonl".into(),
            src: Box::new(BufReader::with_capacity(4, bytes)),
            offset: 0,
            line: 0,
        }
    }

    #[test]
    fn lines_are_split_limited_and_counted() {
        let mut src = source(b"ab\n\ncdefgh\nij");
        let mut buf = Vec::new();
        assert!(matches!(
            src.next_line(&mut buf, 5, true),
            Next::Line { start: 0 }
        ));
        assert_eq!(buf, b"ab");
        assert!(matches!(
            src.next_line(&mut buf, 5, true),
            Next::Line { start: 2 }
        ));
        assert!(matches!(
            src.next_line(&mut buf, 5, true),
            Next::TooLong { len: 6 }
        ));
        assert_eq!(buf, b"ab", "an overlong line is not buffered");
        assert!(matches!(src.next_line(&mut buf, 5, false), Next::Skipped));
        assert_eq!((src.line, src.offset), (4, 13));
        assert!(matches!(src.next_line(&mut buf, 5, true), Next::Eof));
    }

    #[test]
    fn keys_come_from_string_or_integer_ids() {
        let buf = br#"{"id": 12, "x": 1}{"id": "a"}{"id": 1.5}"#;
        let raw = |start, end| Raw::Line {
            line: 3,
            start,
            end,
        };
        let p = Path::new("d/f.jsonl");
        let key = |r: &Raw| {
            parse_raw(r, buf, p, "f.jsonl", Some("id"), 100)
                .unwrap()
                .key()
                .to_owned()
        };
        assert_eq!(key(&raw(0, 18)), "12");
        assert_eq!(key(&raw(18, 29)), "a");
        assert_eq!(key(&raw(29, buf.len())), "f.jsonl:3");
        let r = parse_raw(&raw(0, 18), buf, p, "f.jsonl", None, 100).unwrap();
        assert_eq!(r.key(), "f.jsonl:3");
    }

    #[test]
    fn unsupported_codecs_are_config_errors() {
        let e = JsonlWriter::new("x.jsonl")
            .with_compression(Compression::Snappy)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e}");
        assert!(
            JsonlReader::from_paths(Vec::<PathBuf>::new())
                .build()
                .is_err()
        );
        assert!(
            JsonlReader::new("x")
                .with_max_line_bytes(0)
                .build()
                .is_err()
        );
    }
}
