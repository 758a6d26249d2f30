//! Parquet: [`ParquetReader`] (a dataset over one or more files) and [`ParquetWriter`] (a sink).
//!
//! Both go through the lossless Arrow mapping of [`dataprep_core::arrow`], so nested lists,
//! structs, maps, timestamps, bytes and tensors round-trip, and the files are ordinary Parquet that
//! pyarrow, Polars, DuckDB and Spark read (the Arrow schema is stored in the file metadata, as
//! pyarrow does, which keeps exact types and the tensor extension marker).
//!
//! ## Reading
//!
//! **Keys.** With [`ParquetReaderBuilder::with_key_column`] the key comes from that column (which
//! is not a field of the records). Otherwise, as for JSONL, it is the value of the key field
//! (default `id`) when that is a string or an integer, else `{file_name}:{row}` with the 0-based
//! row index in the file.
//!
//! **Sharding.** Several files are sharded by file (`files[rank::world_size]`); a single file by
//! row group (`row_groups[rank::world_size]`).
//!
//! **Errors.** A file that cannot be opened is one record error of kind `Io`; a corrupt or
//! truncated file (bad footer, undecodable page) one of kind `Parse`, naming the path and, when
//! the failure is inside the data, the row group (and its first row in the location). A file whose
//! columns have Arrow types with no dataprep equivalent is one error of kind `Schema`. In each case
//! the rest of that file is skipped and the next file is read. Decoding is guarded against panics
//! in the Parquet decoder on hostile files: a panic becomes a `Parse` error for that file.
//!
//! ```
//! use dataprep_core::{IterableDataset, Record, Sink, Value};
//! use dataprep_storage::{ParquetReader, ParquetWriter};
//! # let dir = tempfile::tempdir()?;
//! let path = dir.path().join("docs.parquet");
//! let mut w = ParquetWriter::new(&path).build()?;
//! for i in 0..3_i64 {
//!     let tags = Value::List(vec!["a".into(), "b".into()]);
//!     w.write(Record::new().with("id", i).with("tags", tags))?;
//! }
//! w.finish()?;
//!
//! let reader = ParquetReader::new(&path).build()?;
//! assert_eq!(reader.len_hint(), Some(3));
//! let recs: Vec<Record> = reader.iter()?.collect::<Result<_, _>>()?;
//! assert_eq!(recs[2].key(), "2");
//! assert_eq!(recs[2].list("tags")?.len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use ::parquet::arrow::ArrowWriter;
use ::parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use ::parquet::basic::{Compression as PqCompression, GzipLevel, ZstdLevel};
use ::parquet::file::properties::{EnabledStatistics, WriterProperties};
use ::parquet::file::reader::{ChunkReader, Length};
use arrow_array::RecordBatch;
use dataprep_core::arrow::{ArrowOptions, from_arrow_schema, from_record_batch, to_record_batch};
use dataprep_core::{
    DataType, Error, IterableDataset, Location, Record, RecordError, RecordErrorKind, Records,
    Result, Schema, Shard, Sink, Value,
};
use rayon::prelude::*;

use crate::atomic::TempFile;
use crate::compression::Compression;
use crate::location::file_name;

/// Default number of rows decoded per Arrow batch when reading.
pub const DEFAULT_READ_BATCH_SIZE: usize = 8192;
/// Default maximum number of rows in a row group when writing.
pub const DEFAULT_MAX_ROW_GROUP_SIZE: usize = 128 * 1024;
/// Default number of records converted to Arrow and encoded at once when writing.
pub const DEFAULT_WRITE_BATCH_SIZE: usize = 1024;
/// Default number of records the writer infers its schema from.
pub const DEFAULT_INFER_ROWS: usize = 1024;

// ----------------------------------------------------------------------------------------------
// Reader

/// A streaming dataset over one or more Parquet files.
///
/// Built with [`ParquetReader::new`] or [`ParquetReader::from_paths`] and the `with_*` methods of
/// [`ParquetReaderBuilder`]. See the [module docs](self) for keys, sharding and errors.
#[derive(Debug)]
pub struct ParquetReader {
    cfg: ParquetReaderBuilder,
    footers: OnceLock<Footers>,
}

/// Row count and schema from the files' footers, read once on demand.
#[derive(Debug, Clone)]
struct Footers {
    /// Total rows, or `None` when a footer could not be read.
    rows: Option<u64>,
    /// The schema of the first readable file.
    schema: Option<Schema>,
}

/// Configures a [`ParquetReader`]; `build()` validates.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct ParquetReaderBuilder {
    paths: Vec<PathBuf>,
    batch_size: usize,
    key_column: Option<String>,
    key_field: Option<String>,
}

impl ParquetReader {
    /// Starts configuring a reader of one file.
    #[allow(clippy::new_ret_no_self)] // by-value builder, as in `ParquetReader::new(p).build()?`
    pub fn new(path: impl Into<PathBuf>) -> ParquetReaderBuilder {
        ParquetReader::from_paths([path.into()])
    }

    /// Starts configuring a reader of several files, read in this order.
    pub fn from_paths<P: Into<PathBuf>>(
        paths: impl IntoIterator<Item = P>,
    ) -> ParquetReaderBuilder {
        ParquetReaderBuilder {
            paths: paths.into_iter().map(Into::into).collect(),
            batch_size: DEFAULT_READ_BATCH_SIZE,
            key_column: None,
            key_field: Some("id".to_owned()),
        }
    }

    /// The files, in reading order.
    pub fn paths(&self) -> &[PathBuf] {
        &self.cfg.paths
    }

    /// The configuration this reader was built with.
    pub fn config(&self) -> &ParquetReaderBuilder {
        &self.cfg
    }

    fn arrow_options(&self) -> ArrowOptions {
        match &self.cfg.key_column {
            Some(k) => ArrowOptions::default().with_key_column(k.clone()),
            None => ArrowOptions::default(),
        }
    }

    fn footers(&self) -> &Footers {
        self.footers.get_or_init(|| {
            let opts = self.arrow_options();
            let mut rows = Some(0u64);
            let mut schema = None;
            for path in &self.cfg.paths {
                let meta = match crate::location::url_of(path) {
                    None => File::open(path).ok().and_then(footer),
                    Some(url) => crate::location::open_random(url).ok().and_then(footer),
                };
                match meta {
                    Some((n, s)) => {
                        rows = rows.map(|r| r + n);
                        if schema.is_none() {
                            schema = from_arrow_schema(&s, &opts).ok();
                        }
                    }
                    None => rows = None,
                }
            }
            Footers { rows, schema }
        })
    }
}

impl ParquetReaderBuilder {
    /// Rows decoded per Arrow batch (default [`DEFAULT_READ_BATCH_SIZE`]).
    pub fn with_batch_size(mut self, rows: usize) -> Self {
        self.batch_size = rows;
        self
    }

    /// Reads record keys from this `Utf8` column, which is then not a field of the records (see
    /// [`ArrowOptions::key_column`]); without one (the default) the key field is used.
    pub fn with_key_column(mut self, column: impl Into<String>) -> Self {
        self.key_column = Some(column.into());
        self
    }

    /// No key column (the default): keys come from the key field.
    pub fn without_key_column(mut self) -> Self {
        self.key_column = None;
        self
    }

    /// The field whose value becomes the record key when there is no key column (default `id`);
    /// see [`without_key_field`](Self::without_key_field).
    pub fn with_key_field(mut self, field: impl Into<String>) -> Self {
        self.key_field = Some(field.into());
        self
    }

    /// Keys are always `{file_name}:{row}` when there is no key column.
    pub fn without_key_field(mut self) -> Self {
        self.key_field = None;
        self
    }

    /// Validates the configuration. Files are not opened here: a file that cannot be opened or
    /// decoded is a record error when it is read.
    ///
    /// # Errors
    /// [`Error::Config`] when there are no paths or the batch size is zero.
    pub fn build(self) -> Result<ParquetReader> {
        if self.paths.is_empty() {
            return Err(Error::Config("ParquetReader: no input files".into()));
        }
        if self.batch_size == 0 {
            return Err(Error::Config(
                "ParquetReader: batch size must be positive".into(),
            ));
        }
        Ok(ParquetReader {
            cfg: self,
            footers: OnceLock::new(),
        })
    }
}

impl IterableDataset for ParquetReader {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        let paths = &self.cfg.paths;
        let (files, groups): (Vec<&Path>, Shard) = if paths.len() == 1 {
            (vec![paths[0].as_path()], shard)
        } else {
            (
                shard.select(paths).map(PathBuf::as_path).collect(),
                Shard::ALL,
            )
        };
        Ok(Box::new(ParquetStream {
            reader: self,
            opts: self.arrow_options(),
            files: files.into_iter(),
            groups,
            file: None,
            ready: Vec::new().into_iter(),
        }))
    }

    /// The number of rows of the whole dataset (all files, whatever the shard), from the file
    /// footers; `None` when a footer cannot be read. The footers are read once, on first call.
    fn len_hint(&self) -> Option<u64> {
        self.footers().rows
    }

    /// The schema of the first readable file (without the key column).
    fn schema(&self) -> Option<Schema> {
        self.footers().schema.clone()
    }
}

struct OpenFile<'a> {
    path: &'a Path,
    name: String,
    batches: ParquetRecordBatchReader,
    rows: RowCursor,
}

/// The position in the row groups a shard reads, to name rows and row groups.
#[derive(Debug, Default)]
struct RowCursor {
    /// The row groups read, in order: (index, first row in the file, rows).
    groups: Vec<(usize, u64, u64)>,
    /// Current group and rows read in it.
    gi: usize,
    in_group: u64,
}

impl RowCursor {
    /// Skips exhausted groups; returns the current group, if any.
    fn current_group(&mut self) -> Option<(usize, u64, u64)> {
        while self.gi < self.groups.len() && self.in_group >= self.groups[self.gi].2 {
            self.gi += 1;
            self.in_group = 0;
        }
        self.groups.get(self.gi).copied()
    }

    /// The 0-based file row of the next record.
    fn next_row(&mut self) -> u64 {
        let row = match self.current_group() {
            Some((_, first, _)) => first + self.in_group,
            None => self.groups.last().map_or(0, |g| g.1 + g.2),
        };
        self.in_group += 1;
        row
    }
}

struct ParquetStream<'a> {
    reader: &'a ParquetReader,
    opts: ArrowOptions,
    files: std::vec::IntoIter<&'a Path>,
    /// Which row groups of each file this shard reads.
    groups: Shard,
    file: Option<OpenFile<'a>>,
    ready: std::vec::IntoIter<Result<Record>>,
}

/// The row count and Arrow schema of a file's footer, `None` when it cannot be read.
fn footer<T: ChunkReader + 'static>(f: T) -> Option<(u64, arrow_schema::SchemaRef)> {
    catch_unwind(AssertUnwindSafe(|| {
        ParquetRecordBatchReaderBuilder::try_new(f).ok()
    }))
    .ok()
    .flatten()
    .map(|b| {
        (
            b.metadata().file_metadata().num_rows() as u64,
            Arc::clone(b.schema()),
        )
    })
}

fn file_error(kind: RecordErrorKind, path: &Path, message: String) -> RecordError {
    RecordError::new(kind, message)
        .with_location(Location::file(path))
        .with_key(file_name(path))
}

/// A [`ChunkReader`] whose readers fail, instead of returning 0 bytes again, once they have
/// reached the end of the file. The parquet crate skips unknown Thrift fields of a page header by
/// copying their declared length and does not check that the bytes came: a crafted header
/// (a list of 2^31 binaries) then spins on reads at the end of the file for minutes (found by
/// the `parquet` fuzz target). A second read at the end cannot happen on a valid file, so
/// failing it turns the spin into a corrupt-file error.
struct StrictEof<T>(T);

/// The reader of [`StrictEof`]: `Ok(0)` once at the end, an `UnexpectedEof` error after that.
struct StrictEofRead<R> {
    inner: R,
    at_end: bool,
}

impl<R: std::io::Read> std::io::Read for StrictEofRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.at_end {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "read past the end of the Parquet file",
            ));
        }
        let n = self.inner.read(buf)?;
        self.at_end = n == 0;
        Ok(n)
    }
}

impl<T: Length> Length for StrictEof<T> {
    fn len(&self) -> u64 {
        self.0.len()
    }
}

impl<T: ChunkReader> ChunkReader for StrictEof<T> {
    type T = StrictEofRead<T::T>;

    fn get_read(&self, start: u64) -> ::parquet::errors::Result<Self::T> {
        Ok(StrictEofRead {
            inner: self.0.get_read(start)?,
            at_end: false,
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> ::parquet::errors::Result<bytes::Bytes> {
        self.0.get_bytes(start, length)
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

impl<'a> ParquetStream<'a> {
    fn open_file(&self, path: &'a Path) -> std::result::Result<OpenFile<'a>, RecordError> {
        let cannot_open =
            |e| file_error(RecordErrorKind::Io, path, "cannot open".into()).with_source(e);
        match crate::location::url_of(path) {
            None => self.open_chunks(path, File::open(path).map_err(cannot_open)?),
            Some(url) => self.open_chunks(
                path,
                crate::location::open_random(url).map_err(cannot_open)?,
            ),
        }
    }

    fn open_chunks<T: ChunkReader + 'static>(
        &self,
        path: &'a Path,
        f: T,
    ) -> std::result::Result<OpenFile<'a>, RecordError> {
        let corrupt = |m: String| {
            file_error(
                RecordErrorKind::Parse,
                path,
                format!("corrupt Parquet file: {m}"),
            )
        };
        let builder = catch_unwind(AssertUnwindSafe(|| {
            ParquetRecordBatchReaderBuilder::try_new(StrictEof(f))
        }))
        .map_err(|p| corrupt(format!("decoder panicked: {}", panic_message(&*p))))?
        .map_err(|e| corrupt(e.to_string()))?;
        from_arrow_schema(builder.schema(), &self.opts)
            .map_err(|e| file_error(RecordErrorKind::Schema, path, e.to_string()))?;
        let meta = Arc::clone(builder.metadata());
        let mut first = Vec::with_capacity(meta.num_row_groups());
        let mut row = 0u64;
        for rg in meta.row_groups() {
            first.push((row, rg.num_rows() as u64));
            row += rg.num_rows() as u64;
        }
        let selected: Vec<usize> = (0..meta.num_row_groups())
            .filter(|&i| self.groups.contains(i))
            .collect();
        let groups = selected
            .iter()
            .map(|&i| (i, first[i].0, first[i].1))
            .collect();
        let batches = builder
            .with_batch_size(self.reader.cfg.batch_size)
            .with_row_groups(selected)
            .build()
            .map_err(|e| corrupt(e.to_string()))?;
        Ok(OpenFile {
            path,
            name: file_name(path),
            batches,
            rows: RowCursor {
                groups,
                ..RowCursor::default()
            },
        })
    }

    /// Converts one batch (in parallel slices for large batches) and assigns keys.
    fn convert(&self, file: &mut OpenFile<'_>, batch: &RecordBatch) -> Result<Vec<Record>> {
        let n = batch.num_rows();
        let chunk = n.div_ceil(rayon::current_num_threads().max(1) * 2).max(512);
        let opts = &self.opts;
        let mut recs: Vec<Record> = if n > chunk {
            let parts: Vec<Result<Vec<Record>>> = (0..n)
                .step_by(chunk)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|start| from_record_batch(&batch.slice(start, chunk.min(n - start)), opts))
                .collect();
            let mut out = Vec::with_capacity(n);
            for p in parts {
                out.extend(p?);
            }
            out
        } else {
            from_record_batch(batch, opts)?
        };
        let key_field = self.reader.cfg.key_field.as_deref();
        for r in &mut recs {
            let row = file.rows.next_row();
            if !r.key().is_empty() {
                continue;
            }
            let key = key_field.and_then(|f| match r.get(f) {
                Some(Value::Str(s)) => Some(s.clone()),
                Some(Value::Int(i)) => Some(i.to_string()),
                Some(Value::UInt(u)) => Some(u.to_string()),
                _ => None,
            });
            r.set_key(key.unwrap_or_else(|| format!("{}:{row}", file.name)));
        }
        Ok(recs)
    }

    /// Reads the next batch of the current file into `ready`; closes the file at its end or at an
    /// error (which becomes the last item).
    fn next_batch(&mut self) {
        let Some(mut file) = self.file.take() else {
            return;
        };
        let res = catch_unwind(AssertUnwindSafe(|| match file.batches.next() {
            None => Ok(None),
            Some(Ok(batch)) => self
                .convert(&mut file, &batch)
                .map(Some)
                .map_err(|e| e.to_string()),
            Some(Err(e)) => Err(e.to_string()),
        }))
        .unwrap_or_else(|p| Err(format!("decoder panicked: {}", panic_message(&*p))));
        match res {
            Ok(Some(recs)) => {
                self.ready = recs.into_iter().map(Ok).collect::<Vec<_>>().into_iter();
                self.file = Some(file);
            }
            Ok(None) => {}
            Err(msg) => {
                let mut loc = Location::file(file.path);
                let mut where_ = String::new();
                if let Some((g, first, _)) = file.rows.current_group() {
                    loc = loc.with_row(first);
                    where_ = format!(" in row group {g}");
                }
                let e = RecordError::parse(format!(
                    "corrupt Parquet data{where_}: {msg}; the rest of the file is skipped"
                ))
                .with_location(loc)
                .with_key(file.name.clone());
                self.ready = vec![Err(e.into())].into_iter();
            }
        }
    }
}

impl Iterator for ParquetStream<'_> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        loop {
            if let Some(item) = self.ready.next() {
                return Some(item);
            }
            if self.file.is_none() {
                let path = self.files.next()?;
                match self.open_file(path) {
                    Ok(f) => self.file = Some(f),
                    Err(e) => return Some(Err(e.into())),
                }
            }
            self.next_batch();
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Writer

/// A sink writing records to one Parquet file, crash-safely.
///
/// Records are checked against the schema as they are written ([`Schema::check`]): a record that
/// does not fit is rejected alone, with an [`Error::Record`] of kind `Schema` carrying its key,
/// and the writer goes on. Accepted records are buffered,
/// [`with_batch_size`](ParquetWriterBuilder::with_batch_size) at a time converted to Arrow and
/// queued for an encoder thread, which encodes and compresses them while the caller goes on
/// (parsing the next records, say); the queue holds at most two batches, so memory stays bounded.
/// An encoding or I/O failure on that thread is fatal and is returned by the next `write` or by
/// `finish`.
///
/// **Schema.** Given with [`with_schema`](ParquetWriterBuilder::with_schema), or inferred from the
/// first [`with_infer_rows`](ParquetWriterBuilder::with_infer_rows) records (or all of them if
/// fewer are written) with [`Schema::infer`]'s rules. During inference a record whose field types
/// conflict with the earlier ones is rejected; after it, a record with a new field or an
/// incompatible type is rejected. Integers are accepted by float columns. Parquet cannot store a
/// struct without fields: if one is inferred (every record had `{}` or null there), fixing the
/// schema fails with [`Error::Schema`] naming the field; give a schema instead.
///
/// **Crash safety.** The file is written to a temporary file in the target's directory;
/// [`Sink::finish`] closes the Parquet file, fsyncs it and renames it into place. A writer dropped
/// without `finish()` removes its temporary file and leaves nothing at the target path. With no
/// records, `finish()` writes a valid empty file with the given schema (or no columns).
///
/// ```
/// use dataprep_core::{DataType, Field, Record, Schema, Sink};
/// use dataprep_storage::{Compression, ParquetWriter, read_parquet};
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join("out.parquet");
/// let schema = Schema::new(vec![Field::new("score", DataType::Float32, false)]);
/// let mut w = ParquetWriter::new(&path)
///     .with_schema(schema)
///     .with_compression(Compression::Snappy)
///     .with_key_column("_key")
///     .build()?;
/// w.write(Record::new().with("score", 2_i64).with_key("a"))?; // ints fit float columns
/// let err = w.write(Record::new().with("score", "high").with_key("b")).unwrap_err();
/// assert!(err.is_record());
/// w.finish()?;
/// let back = read_parquet(&path)?;
/// assert_eq!(back.len(), 1);
/// assert_eq!(back[0].f64("score")?, 2.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ParquetWriter {
    path: PathBuf,
    opts: ArrowOptions,
    props: Option<WriterProperties>,
    batch_size: usize,
    infer_rows: usize,
    /// The schema while it is being inferred (`fixed == false`) and once fixed.
    schema: Schema,
    fixed: bool,
    buffer: Vec<Record>,
    /// The file, until the encoder takes it.
    file: Option<File>,
    /// `Some` from the moment the schema is fixed until `finish()` (dropped before `tmp`).
    encoder: Option<Encoder>,
    tmp: Option<TempFile>,
    records_written: u64,
}

/// Batches queued for the encoder thread at most; with the one it is encoding and the writer's
/// buffer, this bounds the records held in memory to about four write batches.
const QUEUE: usize = 2;

/// The Arrow writer on its own thread: encoding and compressing overlap with the caller's work
/// (parsing the next records), through a bounded queue of Arrow batches.
struct Encoder {
    tx: Option<SyncSender<RecordBatch>>,
    handle: Option<JoinHandle<Result<File>>>,
    cancel: Arc<AtomicBool>,
    path: PathBuf,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("running", &self.handle.is_some())
            .finish_non_exhaustive()
    }
}

/// True when `t` is or contains a struct without fields (from JSON `{}` during inference, say).
fn has_empty_struct(t: &DataType) -> bool {
    match t {
        DataType::Struct(fields) => {
            fields.is_empty() || fields.iter().any(|f| has_empty_struct(&f.data_type))
        }
        DataType::List(item) => has_empty_struct(item),
        DataType::Map(k, v) => has_empty_struct(k) || has_empty_struct(v),
        _ => false,
    }
}

fn write_error(path: &Path, e: impl Into<dataprep_core::BoxError>) -> Error {
    Error::other(format!("writing Parquet {}", path.display()), e)
}

impl Encoder {
    fn spawn(
        file: File,
        props: WriterProperties,
        schema: Schema,
        opts: ArrowOptions,
        path: &Path,
    ) -> Result<Encoder> {
        if let Some(f) = schema
            .fields
            .iter()
            .find(|f| has_empty_struct(&f.data_type))
        {
            return Err(Error::Schema(format!(
                "field `{}` ({}) holds a struct with no fields, which Parquet cannot store; \
                 give the writer a schema with `with_schema`",
                f.name, f.data_type
            )));
        }
        // The Arrow schema exactly as the conversion produces it (key column first).
        let arrow_schema = to_record_batch(&[], &schema, &opts)?.schema();
        let mut writer = ArrowWriter::try_new(file, arrow_schema, Some(props))
            .map_err(|e| write_error(path, e))?;
        let (tx, rx) = sync_channel::<RecordBatch>(QUEUE);
        let cancel = Arc::new(AtomicBool::new(false));
        let cancelled = Arc::clone(&cancel);
        let thread_path = path.to_path_buf();
        let handle = std::thread::Builder::new()
            .name("dataprep-parquet".into())
            .spawn(move || {
                let path = thread_path.as_path();
                for batch in rx {
                    if cancelled.load(Ordering::Relaxed) {
                        break;
                    }
                    writer.write(&batch).map_err(|e| write_error(path, e))?;
                }
                if cancelled.load(Ordering::Relaxed) {
                    return Err(write_error(path, "cancelled"));
                }
                writer.into_inner().map_err(|e| write_error(path, e))
            })
            .map_err(|e| Error::io(path, e))?;
        Ok(Encoder {
            tx: Some(tx),
            handle: Some(handle),
            cancel,
            path: path.to_path_buf(),
        })
    }

    fn send(&mut self, batch: RecordBatch) -> Result<()> {
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(batch).is_ok());
        if sent {
            Ok(())
        } else {
            // The thread stopped early: its error says why.
            self.tx = None;
            Err(self
                .join()
                .err()
                .unwrap_or_else(|| write_error(&self.path, "encoder stopped")))
        }
    }

    fn join(&mut self) -> Result<File> {
        let handle = self
            .handle
            .take()
            .ok_or_else(|| write_error(&self.path, "encoder already stopped"))?;
        handle.join().unwrap_or_else(|p| {
            Err(write_error(
                &self.path,
                format!("encoder panicked: {}", panic_message(&*p)),
            ))
        })
    }

    /// Encodes what is queued, closes the Parquet file and returns it.
    fn finish(mut self) -> Result<File> {
        self.tx = None;
        self.join()
    }
}

impl Drop for Encoder {
    /// Abandons the file: the thread stops at the next batch.
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Configures a [`ParquetWriter`]; `build()` validates and creates the temporary file.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct ParquetWriterBuilder {
    path: PathBuf,
    schema: Option<Schema>,
    compression: Compression,
    max_row_group_size: usize,
    max_row_group_bytes: Option<usize>,
    batch_size: usize,
    infer_rows: usize,
    key_column: Option<String>,
    statistics: bool,
}

impl ParquetWriter {
    /// Starts configuring a writer of `path`: zstd level 3, statistics on, row groups of at most
    /// [`DEFAULT_MAX_ROW_GROUP_SIZE`] rows, schema inferred.
    #[allow(clippy::new_ret_no_self)] // by-value builder, as in `ParquetWriter::new(p).build()?`
    pub fn new(path: impl Into<PathBuf>) -> ParquetWriterBuilder {
        ParquetWriterBuilder {
            path: path.into(),
            schema: None,
            compression: Compression::zstd(),
            max_row_group_size: DEFAULT_MAX_ROW_GROUP_SIZE,
            max_row_group_bytes: None,
            batch_size: DEFAULT_WRITE_BATCH_SIZE,
            infer_rows: DEFAULT_INFER_ROWS,
            key_column: None,
            statistics: true,
        }
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records accepted so far (all of them are in the file after `finish()`).
    pub fn records_written(&self) -> u64 {
        self.records_written
    }

    /// The schema: the given one, or the one inferred so far.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Writes a slice of records without taking them: the buffered records first, then these,
    /// converted to Arrow in one batch on the calling thread. If the schema is still being
    /// inferred, it is widened with these records and fixed.
    ///
    /// # Errors
    /// [`Error::Schema`] for conflicting types during inference; [`Error::Record`] (kind
    /// `Schema`, with the key) when a record does not fit, in which case none of `records` is
    /// written; a fatal error when encoding or writing failed.
    pub fn write_batch(&mut self, records: &[Record]) -> Result<()> {
        if self.tmp.is_none() {
            return Err(self.finished_error());
        }
        if !self.fixed {
            let mut widened = self.schema.clone();
            for r in records {
                widened.extend_with(r)?;
            }
            self.schema = widened;
            self.start()?;
        }
        self.flush()?;
        let batch = to_record_batch(records, &self.schema, &self.opts)?;
        self.encoder()?.send(batch)?;
        self.records_written += records.len() as u64;
        Ok(())
    }

    /// Fixes the schema and starts the encoder.
    fn start(&mut self) -> Result<()> {
        self.fixed = true;
        let file = self.file.take().ok_or_else(|| self.finished_error())?;
        let props = self.props.take().unwrap_or_default();
        self.encoder = Some(Encoder::spawn(
            file,
            props,
            self.schema.clone(),
            self.opts.clone(),
            &self.path,
        )?);
        Ok(())
    }

    fn encoder(&mut self) -> Result<&mut Encoder> {
        match self.encoder.as_mut() {
            Some(e) => Ok(e),
            None => Err(Error::io(
                &self.path,
                std::io::Error::other("write after finish"),
            )),
        }
    }

    fn finished_error(&self) -> Error {
        Error::io(&self.path, std::io::Error::other("write after finish"))
    }

    /// Converts the buffered records to Arrow, `batch_size` at a time, and queues the batches for
    /// the encoder. (Converting here rather than on the encoder thread balances the two threads:
    /// encoding and compressing is the larger share of the work.)
    fn flush(&mut self) -> Result<()> {
        let buffer = std::mem::take(&mut self.buffer);
        for chunk in buffer.chunks(self.batch_size) {
            let batch = to_record_batch(chunk, &self.schema, &self.opts).map_err(|e| match e {
                // Every record was checked against the schema when it was written.
                Error::Record(r) => Error::Schema(format!("checked record failed to convert: {r}")),
                other => other,
            })?;
            self.encoder()?.send(batch)?;
        }
        self.buffer = buffer;
        self.buffer.clear();
        Ok(())
    }
}

impl ParquetWriterBuilder {
    /// Writes this schema instead of inferring one.
    pub fn with_schema(mut self, schema: Schema) -> Self {
        self.schema = Some(schema);
        self
    }

    /// The page codec (default zstd level 3); any [`Compression`] works for Parquet.
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// At most this many rows per row group (default [`DEFAULT_MAX_ROW_GROUP_SIZE`]).
    pub fn with_max_row_group_size(mut self, rows: usize) -> Self {
        self.max_row_group_size = rows;
        self
    }

    /// Also closes a row group once its estimated encoded size reaches this many bytes (default
    /// `None`: rows only). A row group is held in memory, encoded and compressed, until it is
    /// closed, so this bounds the writer's memory for large records.
    pub fn with_max_row_group_bytes(mut self, bytes: Option<usize>) -> Self {
        self.max_row_group_bytes = bytes;
        self
    }

    /// Records converted to Arrow and encoded at once (default [`DEFAULT_WRITE_BATCH_SIZE`]);
    /// bounds the records held in memory.
    pub fn with_batch_size(mut self, records: usize) -> Self {
        self.batch_size = records;
        self
    }

    /// Infers the schema from this many first records (default [`DEFAULT_INFER_ROWS`]).
    pub fn with_infer_rows(mut self, records: usize) -> Self {
        self.infer_rows = records;
        self
    }

    /// Stores record keys in this `Utf8` column, placed first (see [`ArrowOptions::key_column`]).
    pub fn with_key_column(mut self, column: impl Into<String>) -> Self {
        self.key_column = Some(column.into());
        self
    }

    /// Column statistics (min, max, null count) per page and row group (default on).
    pub fn with_statistics(mut self, on: bool) -> Self {
        self.statistics = on;
        self
    }

    /// Validates and creates the temporary file next to the target.
    ///
    /// # Errors
    /// [`Error::Config`] for a zero size or a compression level Parquet does not support;
    /// [`Error::Io`] naming the path when the temporary file cannot be created.
    pub fn build(self) -> Result<ParquetWriter> {
        if self.max_row_group_size == 0
            || self.batch_size == 0
            || self.infer_rows == 0
            || self.max_row_group_bytes == Some(0)
        {
            return Err(Error::Config(
                "ParquetWriter: row group sizes, batch size and infer rows must be positive".into(),
            ));
        }
        let codec = parquet_codec(self.compression)?;
        if let (Some(k), Some(s)) = (&self.key_column, &self.schema)
            && s.field(k).is_some()
        {
            return Err(Error::Config(format!(
                "ParquetWriter: key column `{k}` is also a field of the schema"
            )));
        }
        let props = WriterProperties::builder()
            .set_compression(codec)
            .set_max_row_group_row_count(Some(self.max_row_group_size))
            .set_max_row_group_bytes(self.max_row_group_bytes)
            .set_statistics_enabled(if self.statistics {
                EnabledStatistics::Page
            } else {
                EnabledStatistics::None
            })
            .set_created_by(format!(
                "dataprep-storage {} (parquet-rs)",
                env!("CARGO_PKG_VERSION")
            ))
            .build();
        let (tmp, file) = TempFile::create(&self.path)?;
        let opts = match self.key_column {
            Some(k) => ArrowOptions::default().with_key_column(k),
            None => ArrowOptions::default(),
        };
        let mut w = ParquetWriter {
            path: self.path,
            opts,
            props: Some(props),
            batch_size: self.batch_size,
            infer_rows: self.infer_rows,
            schema: self.schema.clone().unwrap_or_default(),
            fixed: false,
            buffer: Vec::new(),
            file: Some(file),
            encoder: None,
            tmp: Some(tmp),
            records_written: 0,
        };
        if self.schema.is_some() {
            w.start()?;
        }
        Ok(w)
    }
}

fn parquet_codec(c: Compression) -> Result<PqCompression> {
    let bad = |e: ::parquet::errors::ParquetError| Error::Config(format!("Parquet {c}: {e}"));
    Ok(match c {
        Compression::None => PqCompression::UNCOMPRESSED,
        Compression::Gzip { level } => PqCompression::GZIP(GzipLevel::try_new(level).map_err(bad)?),
        Compression::Zstd { level } => PqCompression::ZSTD(ZstdLevel::try_new(level).map_err(bad)?),
        Compression::Snappy => PqCompression::SNAPPY,
        Compression::Lz4 => PqCompression::LZ4_RAW,
    })
}

impl Sink for ParquetWriter {
    /// Checks the record against the schema (or widens the schema being inferred) and buffers it.
    ///
    /// # Errors
    /// [`Error::Record`] of kind `Schema` with the record's key when it does not fit (the writer
    /// goes on); a fatal error when encoding or writing fails.
    fn write(&mut self, record: Record) -> Result<()> {
        if self.tmp.is_none() {
            return Err(self.finished_error());
        }
        if let Some(k) = &self.opts.key_column
            && record.contains(k)
        {
            return Err(RecordError::new(
                RecordErrorKind::Schema,
                format!("field `{k}` clashes with the key column"),
            )
            .with_key(record.key())
            .into());
        }
        if self.fixed {
            self.schema.check(&record)?;
        } else {
            let mut widened = self.schema.clone();
            widened.extend_with(&record).map_err(|e| {
                RecordError::new(RecordErrorKind::Schema, e.to_string()).with_key(record.key())
            })?;
            self.schema = widened;
        }
        self.buffer.push(record);
        self.records_written += 1;
        if !self.fixed && self.buffer.len() >= self.infer_rows {
            self.start()?;
        }
        if self.fixed && self.buffer.len() >= self.batch_size {
            self.flush()?;
        }
        Ok(())
    }

    /// Encodes the buffered records, closes the Parquet file, fsyncs and renames it into place.
    /// Calling it again does nothing.
    fn finish(&mut self) -> Result<()> {
        let Some(tmp) = self.tmp.take() else {
            return Ok(());
        };
        if !self.fixed {
            self.start()?;
        }
        self.flush()?;
        let file = self
            .encoder
            .take()
            .ok_or_else(|| self.finished_error())?
            .finish()?;
        tmp.commit(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_map_to_parquet() {
        assert_eq!(
            parquet_codec(Compression::None).unwrap(),
            PqCompression::UNCOMPRESSED
        );
        assert_eq!(
            parquet_codec(Compression::Lz4).unwrap(),
            PqCompression::LZ4_RAW
        );
        assert!(matches!(
            parquet_codec(Compression::zstd()).unwrap(),
            PqCompression::ZSTD(l) if l.compression_level() == 3
        ));
        assert!(matches!(
            parquet_codec(Compression::Zstd { level: 99 }),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn row_positions_follow_the_selected_groups() {
        // Groups 1 and 3 of a file with groups of 3 rows: file rows 3..6 and 9..12.
        let mut c = RowCursor {
            groups: vec![(1, 3, 3), (3, 9, 3)],
            ..RowCursor::default()
        };
        let rows: Vec<u64> = (0..6).map(|_| c.next_row()).collect();
        assert_eq!(rows, vec![3, 4, 5, 9, 10, 11]);
        assert_eq!(c.current_group(), None);
        let mut c = RowCursor {
            groups: vec![(0, 0, 2), (1, 2, 2)],
            ..RowCursor::default()
        };
        c.next_row();
        c.next_row();
        assert_eq!(
            c.current_group(),
            Some((1, 2, 2)),
            "an error after group 0 names group 1"
        );
    }
}
