//! Arrow IPC files (Feather v2, `.arrow`): [`ArrowIpcReader`] (a dataset) and [`ArrowIpcWriter`]
//! (a sink), through the core Arrow conversion, so every [`dataprep_core::DataType`] round-trips.
//!
//! Keys: the key column if configured, else `{file_name}:{row}` (0-based row in the file).
//! Sharding: several files by file; one file by record batch (`batches[rank::world_size]`).
//! Bad input: a file that cannot be opened or has no valid footer is one `Parse`/`Io` record
//! error naming the path; a corrupt batch is one `Parse` record error naming the path and the
//! batch's first row, then the next batch. Decoder panics on hostile input are caught and
//! reported the same way. Files are written uncompressed (the workspace's `arrow` has no IPC
//! compression feature).
//!
//! ```
//! use dataprep_core::{IterableDataset, Record, Sink};
//! use dataprep_storage::{ArrowIpcReader, ArrowIpcWriter};
//! # let dir = tempfile::tempdir()?;
//! let path = dir.path().join("data.arrow");
//! let mut w = ArrowIpcWriter::new(&path).build()?;
//! w.write(Record::new().with("text", "hi").with("n", 1_i64))?;
//! w.finish()?;
//! let r = ArrowIpcReader::new(&path).build()?.iter()?.next().unwrap()?;
//! assert_eq!((r.key(), r.str("text")?), ("data.arrow:0", "hi"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;
use dataprep_core::arrow::{ArrowOptions, from_arrow_schema, from_record_batch, to_record_batch};
use dataprep_core::{
    Error, IterableDataset, Location, Record, RecordError, RecordErrorKind, Records, Result,
    Schema, Shard, Sink,
};

use crate::atomic::TempFile;

/// An [`IterableDataset`] over Arrow IPC files.
#[derive(Debug, Clone)]
pub struct ArrowIpcReader {
    paths: Vec<PathBuf>,
    opts: ArrowOptions,
}

/// Configures an [`ArrowIpcReader`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ArrowIpcReaderBuilder {
    reader: ArrowIpcReader,
}

impl ArrowIpcReader {
    /// Starts configuring a reader of one file.
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(path: impl Into<PathBuf>) -> ArrowIpcReaderBuilder {
        Self::from_paths([path.into()])
    }

    /// Starts configuring a reader of several files, read in this order.
    pub fn from_paths<P: Into<PathBuf>>(
        paths: impl IntoIterator<Item = P>,
    ) -> ArrowIpcReaderBuilder {
        ArrowIpcReaderBuilder {
            reader: ArrowIpcReader {
                paths: paths.into_iter().map(Into::into).collect(),
                opts: ArrowOptions::default(),
            },
        }
    }
}

impl ArrowIpcReaderBuilder {
    /// Takes record keys from this `Utf8` column (which is then not a field).
    pub fn with_key_column(mut self, column: impl Into<String>) -> Self {
        self.reader.opts.key_column = Some(column.into());
        self
    }

    /// No key column (the default).
    pub fn without_key_column(mut self) -> Self {
        self.reader.opts.key_column = None;
        self
    }

    /// Validates the configuration.
    ///
    /// # Errors
    /// [`Error::Config`] for no files.
    pub fn build(self) -> Result<ArrowIpcReader> {
        if self.reader.paths.is_empty() {
            return Err(Error::Config("ArrowIpcReader: no files".into()));
        }
        Ok(self.reader)
    }
}

/// A local file or an object (random access through ranged requests).
trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

fn open_input(path: &Path) -> std::io::Result<Box<dyn ReadSeek>> {
    match crate::location::url_of(path) {
        None => Ok(Box::new(File::open(path)?)),
        Some(url) => Ok(Box::new(crate::location::open_random(url)?)),
    }
}

fn open_file(
    path: &Path,
) -> std::result::Result<FileReader<BufReader<Box<dyn ReadSeek>>>, RecordError> {
    let f = open_input(path).map_err(|e| {
        RecordError::new(RecordErrorKind::Io, "cannot open Arrow IPC file")
            .with_location(Location::file(path))
            .with_source(e)
    })?;
    let mut f = f;
    check_footer_blocks(&mut f).map_err(|e| e.with_location(Location::file(path)))?;
    let parsed = catch_unwind(AssertUnwindSafe(|| FileReader::try_new_buffered(f, None)));
    match parsed {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(RecordError::parse(format!("not an Arrow IPC file: {e}"))
            .with_location(Location::file(path))),
        Err(_) => Err(
            RecordError::parse("Arrow IPC decoder panicked on the footer")
                .with_location(Location::file(path)),
        ),
    }
}

/// Refuses a footer whose record-batch or dictionary blocks reach past the end of the file,
/// before arrow reads them: arrow allocates a block's claimed length up front, so a 2.5 KB file
/// claiming a 2 GB body would otherwise exhaust memory (found by the `ipc` fuzz target). A footer
/// that does not parse is left to arrow, which reports it. Leaves the reader at the start.
fn check_footer_blocks(f: &mut Box<dyn ReadSeek>) -> std::result::Result<(), RecordError> {
    use std::io::SeekFrom;
    let io = |e: std::io::Error| {
        RecordError::new(RecordErrorKind::Io, "cannot read Arrow IPC footer").with_source(e)
    };
    let len = f.seek(SeekFrom::End(0)).map_err(io)?;
    // A file ends with the footer, its length (i32 LE) and the magic `ARROW1`.
    if len >= 10 {
        let mut tail = [0u8; 10];
        f.seek(SeekFrom::Start(len - 10)).map_err(io)?;
        f.read_exact(&mut tail).map_err(io)?;
        let footer_len = i32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        if &tail[4..] == b"ARROW1" && footer_len > 0 && (footer_len as u64) <= len - 10 {
            let footer_start = len - 10 - footer_len as u64;
            let mut buf = vec![0u8; footer_len as usize];
            f.seek(SeekFrom::Start(footer_start)).map_err(io)?;
            f.read_exact(&mut buf).map_err(io)?;
            if let Ok(footer) = arrow::ipc::root_as_footer(&buf) {
                let kinds = [
                    ("record batch", footer.recordBatches()),
                    ("dictionary", footer.dictionaries()),
                ];
                for (kind, blocks) in kinds {
                    for (i, b) in blocks.into_iter().flatten().enumerate() {
                        let (off, meta, body) = (b.offset(), b.metaDataLength(), b.bodyLength());
                        let end = (off >= 0 && meta >= 0 && body >= 0)
                            .then(|| {
                                (off as u64)
                                    .checked_add(meta as u64)?
                                    .checked_add(body as u64)
                            })
                            .flatten();
                        if end.is_none_or(|end| end > footer_start) {
                            return Err(RecordError::parse(format!(
                                "Arrow IPC footer: {kind} block {i} (offset {off}, metadata {meta} \
                                 bytes, body {body} bytes) reaches past the data's {footer_start} bytes"
                            )));
                        }
                    }
                }
            }
        }
    }
    f.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(())
}

/// The records of the selected batches of one file.
fn read_file(path: &Path, opts: &ArrowOptions, batches: Shard) -> Vec<Result<Record>> {
    let mut out = Vec::new();
    let mut reader = match open_file(path) {
        Ok(r) => r,
        Err(e) => return vec![Err(e.into())],
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut row = 0u64;
    for i in 0..reader.num_batches() {
        let res = catch_unwind(AssertUnwindSafe(|| {
            reader.set_index(i)?;
            reader.next().transpose()
        }));
        let batch = match res {
            Ok(Ok(Some(b))) => b,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                out.push(Err(RecordError::parse(format!("record batch {i}: {e}"))
                    .with_location(Location::file(path).with_row(row))
                    .into()));
                // Rows of a bad batch are unknown: the positions of later rows cannot be trusted.
                break;
            }
            Err(_) => {
                out.push(Err(RecordError::parse(format!(
                    "record batch {i}: decoder panicked"
                ))
                .with_location(Location::file(path).with_row(row))
                .into()));
                break;
            }
        };
        let n = batch.num_rows() as u64;
        if batches.contains(i) {
            match from_record_batch(&batch, opts) {
                Ok(recs) => out.extend(recs.into_iter().enumerate().map(|(j, mut r)| {
                    if opts.key_column.is_none() {
                        r.set_key(format!("{name}:{}", row + j as u64));
                    }
                    Ok(r)
                })),
                Err(e) => out.push(Err(RecordError::new(
                    RecordErrorKind::Schema,
                    e.to_string(),
                )
                .with_location(Location::file(path).with_row(row))
                .into())),
            }
        }
        row += n;
    }
    out
}

impl IterableDataset for ArrowIpcReader {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        if self.paths.len() == 1 {
            return Ok(Box::new(
                read_file(&self.paths[0], &self.opts, shard).into_iter(),
            ));
        }
        Ok(Box::new(shard.select(&self.paths).flat_map(|p| {
            read_file(p, &self.opts, Shard::ALL).into_iter()
        })))
    }

    fn schema(&self) -> Option<Schema> {
        let r = open_file(&self.paths[0]).ok()?;
        from_arrow_schema(&r.schema(), &self.opts).ok()
    }
}

/// A [`Sink`] writing one Arrow IPC file crash-safely; the schema is given or inferred from the
/// first batch of records.
pub struct ArrowIpcWriter {
    path: PathBuf,
    opts: ArrowOptions,
    schema: Option<Schema>,
    /// The schema being inferred from `buffer` while `schema` is `None`.
    inferred: Schema,
    buffer: Vec<Record>,
    batch_size: usize,
    file: Option<File>,
    writer: Option<FileWriter<BufWriter<File>>>,
    tmp: Option<TempFile>,
    records_written: u64,
}

impl std::fmt::Debug for ArrowIpcWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArrowIpcWriter")
            .field("path", &self.path)
            .field("schema", &self.schema)
            .field("records_written", &self.records_written)
            .finish_non_exhaustive()
    }
}

/// Configures an [`ArrowIpcWriter`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ArrowIpcWriterBuilder {
    path: PathBuf,
    schema: Option<Schema>,
    key_column: Option<String>,
    batch_size: usize,
}

impl ArrowIpcWriter {
    /// Starts configuring a writer of `path` (1024 records per batch, schema inferred).
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(path: impl Into<PathBuf>) -> ArrowIpcWriterBuilder {
        ArrowIpcWriterBuilder {
            path: path.into(),
            schema: None,
            key_column: None,
            batch_size: 1024,
        }
    }

    /// Records accepted so far.
    pub fn records_written(&self) -> u64 {
        self.records_written
    }

    fn flush(&mut self) -> Result<()> {
        if self.schema.is_none() {
            self.schema = Some(std::mem::take(&mut self.inferred));
        }
        let schema = self.schema.as_ref().expect("fixed above");
        if self.writer.is_none() {
            let file = self.file.take().ok_or_else(|| self.finished())?;
            let batch = to_record_batch(&[], schema, &self.opts)?;
            let w = FileWriter::try_new_buffered(file, &batch.schema())
                .map_err(|e| Error::other(format!("writing {}", self.path.display()), e))?;
            self.writer = Some(w);
        }
        if self.buffer.is_empty() {
            return Ok(());
        }
        let batch = to_record_batch(&self.buffer, schema, &self.opts)?;
        self.buffer.clear();
        let path = &self.path;
        self.writer
            .as_mut()
            .expect("opened above")
            .write(&batch)
            .map_err(|e| Error::other(format!("writing {}", path.display()), e))
    }

    fn finished(&self) -> Error {
        Error::io(&self.path, std::io::Error::other("write after finish"))
    }
}

impl ArrowIpcWriterBuilder {
    /// Writes this schema instead of inferring one from the first batch.
    pub fn with_schema(mut self, schema: Schema) -> Self {
        self.schema = Some(schema);
        self
    }

    /// Stores record keys in this `Utf8` column, placed first.
    pub fn with_key_column(mut self, column: impl Into<String>) -> Self {
        self.key_column = Some(column.into());
        self
    }

    /// Records per Arrow batch (default 1024); the first batch fixes an inferred schema.
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }

    /// Creates the temporary file next to the target.
    ///
    /// # Errors
    /// [`Error::Config`] for a zero batch size; [`Error::Io`] naming the path.
    pub fn build(self) -> Result<ArrowIpcWriter> {
        if self.batch_size == 0 {
            return Err(Error::Config("ArrowIpcWriter: zero batch size".into()));
        }
        let (tmp, file) = TempFile::create(&self.path)?;
        let opts = match self.key_column {
            Some(k) => ArrowOptions::default().with_key_column(k),
            None => ArrowOptions::default(),
        };
        Ok(ArrowIpcWriter {
            path: self.path,
            opts,
            schema: self.schema,
            inferred: Schema::default(),
            buffer: Vec::new(),
            batch_size: self.batch_size,
            file: Some(file),
            writer: None,
            tmp: Some(tmp),
            records_written: 0,
        })
    }
}

impl Sink for ArrowIpcWriter {
    /// Checks the record against the schema (or widens the schema being inferred) and buffers it.
    ///
    /// # Errors
    /// [`Error::Record`] of kind `Schema` with the key for a misfit; fatal errors when writing.
    fn write(&mut self, record: Record) -> Result<()> {
        if self.tmp.is_none() {
            return Err(self.finished());
        }
        match &self.schema {
            Some(s) => s.check(&record)?,
            None => {
                let mut widened = self.inferred.clone();
                widened.extend_with(&record).map_err(|e| {
                    RecordError::new(RecordErrorKind::Schema, e.to_string()).with_key(record.key())
                })?;
                self.inferred = widened;
            }
        }
        self.buffer.push(record);
        self.records_written += 1;
        if self.buffer.len() >= self.batch_size {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered records and the footer, fsyncs and renames the file into place.
    fn finish(&mut self) -> Result<()> {
        if self.tmp.is_none() {
            return Ok(());
        }
        self.flush()?;
        let tmp = self.tmp.take().expect("checked");
        let w = self.writer.take().ok_or_else(|| self.finished())?;
        let io = |e: arrow::error::ArrowError| {
            Error::other(format!("writing {}", self.path.display()), e)
        };
        let buf = w.into_inner().map_err(io)?;
        let file = buf
            .into_inner()
            .map_err(|e| Error::io(&self.path, e.into_error()))?;
        tmp.commit(file)
    }
}
