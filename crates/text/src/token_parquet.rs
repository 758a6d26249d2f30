//! Token ids as Parquet (feature `parquet`): one row per document, `id` (string) and
//! `input_ids` (list of uint32), zstd-compressed, the layout HF `datasets` and pyarrow read as a
//! table of token lists.
//!
//! ```
//! use dataprep_text::token_parquet::{TokenParquetWriter, read_token_parquet};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("tokens.parquet");
//! let mut w = TokenParquetWriter::create(&path)?;
//! w.push("doc-1", &[5, 6, 7])?;
//! w.push("doc-2", &[])?;
//! assert_eq!(w.finish()?, 2);
//! let rows = read_token_parquet(&path)?;
//! assert_eq!(rows, [("doc-1".to_owned(), vec![5, 6, 7]), ("doc-2".to_owned(), vec![])]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder, UInt32Builder};
use arrow_array::{Array, ListArray, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use dataprep_core::atomic::{TempFile, remove_stale_temps};

use crate::error::{Error, Result};

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new(
            "input_ids",
            DataType::List(Arc::new(Field::new("item", DataType::UInt32, true))),
            false,
        ),
    ]))
}

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

/// Writes documents' token ids to one Parquet file, under a temporary name that
/// [`TokenParquetWriter::finish`] fsyncs and renames: a writer dropped early (or a crash) leaves
/// no file at the final path.
pub struct TokenParquetWriter {
    path: PathBuf,
    /// Removes the temporary file on drop unless committed.
    tmp: Option<TempFile>,
    writer: Option<ArrowWriter<File>>,
    ids: StringBuilder,
    tokens: ListBuilder<UInt32Builder>,
    pending: usize,
    rows: u64,
    batch_rows: usize,
}

impl std::fmt::Debug for TokenParquetWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenParquetWriter")
            .field("path", &self.path)
            .field("rows", &(self.rows + self.pending as u64))
            .finish_non_exhaustive()
    }
}

impl TokenParquetWriter {
    /// Starts writing `path` (its directory must exist), with row groups of up to 8,192
    /// documents.
    ///
    /// Temporary files that a killed run left for `path` are removed first (see
    /// [`dataprep_core::atomic::remove_stale_temps`]).
    ///
    /// # Errors
    /// [`Error::Io`] when the directory cannot be listed or the temporary file cannot be created.
    pub fn create(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        // A rerun first removes the temporary files a killed run left for this file.
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            remove_stale_temps(dir, |n| n == name)?;
        }
        let (tmp, file) = TempFile::create(&path)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(8192))
            .build();
        let writer = ArrowWriter::try_new(file, schema(), Some(props))
            .map_err(|e| parquet_err(tmp.path(), e))?;
        Ok(Self {
            path,
            tmp: Some(tmp),
            writer: Some(writer),
            ids: StringBuilder::new(),
            tokens: ListBuilder::new(UInt32Builder::new()),
            pending: 0,
            rows: 0,
            batch_rows: 8192,
        })
    }

    /// Appends one document.
    ///
    /// # Errors
    /// [`Error::Io`] when writing a full batch fails.
    pub fn push(&mut self, id: &str, tokens: &[u32]) -> Result<()> {
        self.ids.append_value(id);
        self.tokens.values().append_slice(tokens);
        self.tokens.append(true);
        self.pending += 1;
        if self.pending >= self.batch_rows {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let batch = RecordBatch::try_new(
            schema(),
            vec![Arc::new(self.ids.finish()), Arc::new(self.tokens.finish())],
        )
        .map_err(|e| parquet_err(self.tmp_path(), e))?;
        let tmp = self.tmp_path().to_path_buf();
        let writer = self
            .writer
            .as_mut()
            .ok_or_else(|| parquet_err(&tmp, "writer closed"))?;
        writer.write(&batch).map_err(|e| parquet_err(&tmp, e))?;
        self.rows += self.pending as u64;
        self.pending = 0;
        Ok(())
    }

    /// Writes what is buffered, closes the file, fsyncs it and renames it to its final path;
    /// returns the number of documents.
    ///
    /// # Errors
    /// [`Error::Io`] when writing, syncing or renaming fails.
    pub fn finish(mut self) -> Result<u64> {
        self.flush()?;
        let writer = self
            .writer
            .take()
            .ok_or_else(|| parquet_err(self.tmp_path(), "writer closed"))?;
        let file = writer
            .into_inner()
            .map_err(|e| parquet_err(self.tmp_path(), e))?;
        let tmp = self
            .tmp
            .take()
            .ok_or_else(|| parquet_err(&self.path, "writer closed"))?;
        tmp.commit(file)?;
        Ok(self.rows)
    }

    fn tmp_path(&self) -> &Path {
        self.tmp.as_ref().map_or(&self.path, |t| t.path())
    }
}

/// Reads a file written by [`TokenParquetWriter`] (or any Parquet file with a string `id` and a
/// list-of-integer `input_ids` column) as `(id, ids)` rows.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::Config`] when the columns are missing or
/// of another type.
pub fn read_token_parquet(path: impl AsRef<Path>) -> Result<Vec<(String, Vec<u32>)>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| parquet_err(path, e))?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| parquet_err(path, e))?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or_else(|| Error::Config(format!("{}: no `{name}` column", path.display())))
        };
        let ids = column("id")?
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| Error::Config("`id` is not a string column".into()))?;
        let lists = column("input_ids")?
            .as_any()
            .downcast_ref::<ListArray>()
            .ok_or_else(|| Error::Config("`input_ids` is not a list column".into()))?;
        for row in 0..batch.num_rows() {
            let values = lists.value(row);
            let values = values
                .as_any()
                .downcast_ref::<UInt32Array>()
                .ok_or_else(|| Error::Config("`input_ids` items are not uint32".into()))?;
            out.push((ids.value(row).to_owned(), values.values().to_vec()));
        }
    }
    Ok(out)
}
