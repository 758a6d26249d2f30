//! CSV (RFC 4180, through the `csv` crate): [`CsvReader`] (a dataset) and [`CsvWriter`] (a sink).
//!
//! **Reading.** The first row is the header (field names). Each cell becomes a value: with type
//! inference (the default) an empty cell is null, then an integer (`i64`), a float, `true` /
//! `false`, else text; without it every cell is text and an empty cell is `""`. Note that
//! inference reads `007` as the integer 7: turn it off for identifiers. The key is the key field
//! (default `id`, text or integer) or `{file_name}:{line}`. Several files are sharded by file, one
//! file by row (`rows[rank::world_size]`). A row with the wrong number of cells or invalid UTF-8
//! is one `Parse` record error naming the path and line, then the next row; a file that cannot be
//! opened is one `Io` record error.
//!
//! **Writing.** The header is the given field list, or the first record's fields. Values: null →
//! empty, text as is, numbers and booleans in their usual text form, bytes as base64, lists,
//! structs, maps and tensors as JSON text. A record with a field not in the header is a `Schema`
//! record error (the writer goes on); a missing field is an empty cell. Crash-safe like the
//! other writers.
//!
//! ```
//! use dataprep_core::{IterableDataset, Record, Sink};
//! use dataprep_storage::{CsvReader, CsvWriter};
//! # let dir = tempfile::tempdir()?;
//! let path = dir.path().join("t.csv");
//! let mut w = CsvWriter::new(&path).build()?;
//! w.write(Record::new().with("id", "a").with("text", "x, \"y\"").with("n", 3_i64))?;
//! w.finish()?;
//! assert_eq!(std::fs::read_to_string(&path)?, "id,text,n\na,\"x, \"\"y\"\"\",3\n");
//! let r = CsvReader::new(&path).build()?.iter()?.next().unwrap()?;
//! assert_eq!((r.key(), r.str("text")?, r.i64("n")?), ("a", "x, \"y\"", 3));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use dataprep_core::{
    Error, IterableDataset, Location, Record, RecordError, RecordErrorKind, Records, Result, Shard,
    Sink, Value,
};

use crate::atomic::TempFile;

/// An [`IterableDataset`] over CSV files.
#[derive(Debug, Clone)]
pub struct CsvReader {
    paths: Vec<PathBuf>,
    delimiter: u8,
    infer_types: bool,
    key_field: Option<String>,
}

/// Configures a [`CsvReader`].
#[derive(Debug, Clone)]
#[must_use]
pub struct CsvReaderBuilder {
    reader: CsvReader,
}

impl CsvReader {
    /// Starts configuring a reader of one file.
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(path: impl Into<PathBuf>) -> CsvReaderBuilder {
        Self::from_paths([path.into()])
    }

    /// Starts configuring a reader of several files, read in this order.
    pub fn from_paths<P: Into<PathBuf>>(paths: impl IntoIterator<Item = P>) -> CsvReaderBuilder {
        CsvReaderBuilder {
            reader: CsvReader {
                paths: paths.into_iter().map(Into::into).collect(),
                delimiter: b',',
                infer_types: true,
                key_field: Some("id".into()),
            },
        }
    }
}

impl CsvReaderBuilder {
    /// The field delimiter (default `,`; `b'\t'` for TSV).
    pub fn with_delimiter(mut self, d: u8) -> Self {
        self.reader.delimiter = d;
        self
    }

    /// Infers null / integer / float / boolean cells (default on); off: every cell is text.
    pub fn with_infer_types(mut self, on: bool) -> Self {
        self.reader.infer_types = on;
        self
    }

    /// The field whose value is the record key (default `id`).
    pub fn with_key_field(mut self, field: impl Into<String>) -> Self {
        self.reader.key_field = Some(field.into());
        self
    }

    /// Keys are always the file and line.
    pub fn without_key_field(mut self) -> Self {
        self.reader.key_field = None;
        self
    }

    /// Validates the configuration.
    ///
    /// # Errors
    /// [`Error::Config`] for no files.
    pub fn build(self) -> Result<CsvReader> {
        if self.reader.paths.is_empty() {
            return Err(Error::Config("CsvReader: no files".into()));
        }
        Ok(self.reader)
    }
}

fn cell(s: &str, infer: bool) -> Value {
    if !infer {
        return Value::Str(s.to_owned());
    }
    if s.is_empty() {
        return Value::Null;
    }
    if let Ok(i) = s.parse::<i64>() {
        return Value::Int(i);
    }
    if let Ok(f) = s.parse::<f64>() {
        return Value::Float(f);
    }
    match s {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::Str(s.to_owned()),
    }
}

impl CsvReader {
    fn read_file<'a>(&'a self, path: &'a Path, rows: Shard) -> Records<'a> {
        let err_at = move |kind, msg: String, line: Option<u64>| -> Error {
            let mut loc = Location::file(path);
            if let Some(l) = line {
                loc = loc.with_line(l);
            }
            RecordError::new(kind, msg).with_location(loc).into()
        };
        let file = match crate::location::open_stream(path) {
            Ok((f, _)) => f,
            Err(e) => {
                let e: Error = RecordError::new(RecordErrorKind::Io, "cannot open CSV file")
                    .with_location(Location::file(path))
                    .with_source(e)
                    .into();
                return Box::new(std::iter::once(Err(e)));
            }
        };
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(true)
            .from_reader(BufReader::with_capacity(256 << 10, file));
        let headers: Vec<String> = match rdr.headers() {
            Ok(h) => h.iter().map(str::to_owned).collect(),
            Err(e) => {
                return Box::new(std::iter::once(Err(err_at(
                    RecordErrorKind::Parse,
                    format!("bad header: {e}"),
                    Some(1),
                ))));
            }
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let infer = self.infer_types;
        let key_field = self.key_field.clone();
        let iter = rdr
            .into_records()
            .enumerate()
            .filter(move |(i, _)| rows.contains(*i))
            .map(move |(_, row)| {
                let row = row.map_err(|e| {
                    let line = e.position().map(|p| p.line());
                    err_at(RecordErrorKind::Parse, e.to_string(), line)
                })?;
                let line = row.position().map_or(0, |p| p.line());
                let mut r = Record::new();
                for (h, v) in headers.iter().zip(row.iter()) {
                    r.set(h.as_str(), cell(v, infer));
                }
                let key = key_field.as_deref().and_then(|k| match r.get(k) {
                    Some(Value::Str(s)) => Some(s.clone()),
                    Some(Value::Int(i)) => Some(i.to_string()),
                    _ => None,
                });
                r.set_key(key.unwrap_or_else(|| format!("{name}:{line}")));
                Ok(r)
            });
        Box::new(iter)
    }
}

impl IterableDataset for CsvReader {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        if self.paths.len() == 1 {
            return Ok(self.read_file(&self.paths[0], shard));
        }
        Ok(Box::new(
            shard
                .select(&self.paths)
                .flat_map(|p| self.read_file(p, Shard::ALL)),
        ))
    }
}

/// A [`Sink`] writing one CSV file crash-safely.
pub struct CsvWriter {
    path: PathBuf,
    header: Option<Vec<String>>,
    out: Option<csv::Writer<BufWriter<File>>>,
    tmp: Option<TempFile>,
    records_written: u64,
}

impl std::fmt::Debug for CsvWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvWriter")
            .field("path", &self.path)
            .field("header", &self.header)
            .field("records_written", &self.records_written)
            .finish_non_exhaustive()
    }
}

/// Configures a [`CsvWriter`].
#[derive(Debug, Clone)]
#[must_use]
pub struct CsvWriterBuilder {
    path: PathBuf,
    header: Option<Vec<String>>,
    delimiter: u8,
}

impl CsvWriter {
    /// Starts configuring a writer of `path`.
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(path: impl Into<PathBuf>) -> CsvWriterBuilder {
        CsvWriterBuilder {
            path: path.into(),
            header: None,
            delimiter: b',',
        }
    }

    /// Records written so far.
    pub fn records_written(&self) -> u64 {
        self.records_written
    }

    fn io(&self, e: csv::Error) -> Error {
        Error::io(&self.path, std::io::Error::other(e))
    }
}

fn to_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Str(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        other => match dataprep_core::json::value_to_json(other) {
            serde_json::Value::String(s) => s,
            j => j.to_string(),
        },
    }
}

impl CsvWriterBuilder {
    /// The columns, in order (default: the first record's fields).
    pub fn with_header<S: Into<String>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.header = Some(fields.into_iter().map(Into::into).collect());
        self
    }

    /// The field delimiter (default `,`).
    pub fn with_delimiter(mut self, d: u8) -> Self {
        self.delimiter = d;
        self
    }

    /// Creates the temporary file next to the target.
    ///
    /// # Errors
    /// [`Error::Io`] naming the path.
    pub fn build(self) -> Result<CsvWriter> {
        let (tmp, file) = TempFile::create(&self.path)?;
        let out = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .from_writer(BufWriter::with_capacity(1 << 20, file));
        let mut w = CsvWriter {
            path: self.path,
            header: None,
            out: Some(out),
            tmp: Some(tmp),
            records_written: 0,
        };
        if let Some(h) = self.header {
            w.start(h)?;
        }
        Ok(w)
    }
}

impl CsvWriter {
    fn start(&mut self, header: Vec<String>) -> Result<()> {
        let out = self.out.as_mut().expect("open");
        let res = out.write_record(&header);
        res.map_err(|e| self.io(e))?;
        self.header = Some(header);
        Ok(())
    }
}

impl Sink for CsvWriter {
    fn write(&mut self, record: Record) -> Result<()> {
        if self.out.is_none() {
            return Err(Error::io(
                &self.path,
                std::io::Error::other("write after finish"),
            ));
        }
        if self.header.is_none() {
            self.start(record.iter().map(|(k, _)| k.to_owned()).collect())?;
        }
        let header = self.header.as_ref().expect("started");
        if let Some((k, _)) = record.iter().find(|(k, _)| !header.iter().any(|h| h == k)) {
            return Err(RecordError::new(
                RecordErrorKind::Schema,
                format!("field `{k}` is not a CSV column"),
            )
            .with_key(record.key())
            .into());
        }
        let row: Vec<String> = header
            .iter()
            .map(|h| record.get(h).map(to_cell).unwrap_or_default())
            .collect();
        let res = self.out.as_mut().expect("checked").write_record(&row);
        res.map_err(|e| self.io(e))?;
        self.records_written += 1;
        Ok(())
    }

    /// Flushes, fsyncs and renames the file into place. Calling it again does nothing.
    fn finish(&mut self) -> Result<()> {
        let (Some(out), Some(tmp)) = (self.out.take(), self.tmp.take()) else {
            return Ok(());
        };
        let buf = out
            .into_inner()
            .map_err(|e| Error::io(&self.path, std::io::Error::other(e.to_string())))?;
        let file = buf
            .into_inner()
            .map_err(|e| Error::io(&self.path, e.into_error()))?;
        tmp.commit(file)
    }
}
