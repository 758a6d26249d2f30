//! Readers and writers for dataprep records: JSON Lines (plain, gzip, zstd), Parquet, Arrow IPC,
//! CSV, WebDataset tar shards, folders of media files and the Hugging Face `datasets` layout; a
//! sharded, resumable writer with a manifest; and object storage behind URLs.
//!
//! - [`JsonlReader`] and [`ParquetReader`] are [`IterableDataset`]s over one or more files,
//!   shardable by rank and world size.
//! - [`JsonlWriter`] and [`ParquetWriter`] are [`Sink`](dataprep_core::Sink)s that write crash-safely.
//! - [`ShardedWriter`] splits output into numbered crash-safe shards of any [`ShardFormat`]
//!   (JSONL, Parquet, WebDataset) with a `manifest.json` (counts, bytes, BLAKE3, schema), and
//!   resumes after a crash without gaps or truncated shards (see [`sharded`]).
//! - [`WebDatasetWriter`], [`WebDatasetReader`] and [`WebDatasetIndex`] write, stream and
//!   randomly access WebDataset tar shards (see [`webdataset`]).
//! - [`ArrowIpcReader`] and [`ArrowIpcWriter`] read and write Arrow IPC files.
//! - [`CsvReader`] and [`CsvWriter`] read and write CSV.
//! - [`HfDatasetWriter`] and [`HfDataset`] write and read the Hugging Face `datasets` layout
//!   (Parquet shards per split and a `README.md` dataset card).
//! - `object::ObjectStorage` (feature `object-store`) reads, writes, lists and uploads objects
//!   on S3, GCS, Azure, HTTP and local storage behind one URL-based, blocking API.
//!   Every reader and the [`ShardedWriter`] also take URLs (`s3://bucket/prefix`, …; see
//!   [`is_url`]) in place of paths.
//! - [`ShardedReader`] reads a sharded output (directory or URL) back, verifying every shard's
//!   BLAKE3 and SHA-256 against the manifest first (see [`sharded_reader`]).
//! - [`versioning`]: content-addressed snapshots (record key → content hash), `diff`, `verify`
//!   (by shard and record), and verified `copy` / `backup` between stores.
//! - [`cache`]: stage-chain outputs cached per prefix under a fingerprint of (stage configs,
//!   crate version, input), with crash-safe, checksummed entries and size-bounded LRU eviction.
//! - [`MediaFolder`] reads a folder of media files (path, bytes, size), sorted, sharded by file;
//!   with a kind it takes only the files whose content ([`sniff`], or a modality probe) is that
//!   kind, and lists every other file with the reason.
//! - [`Loader`] feeds training code: batches (collated to `ndarray` or Arrow) from shards of any
//!   format, local or in object storage, with parallel prefetch, a deterministic shuffle from
//!   (seed, epoch), equal batch counts per rank, exact mid-epoch resume and a memory budget (see
//!   [`loader`]).
//! - [`open()`] reads any of these from a path or URL, choosing the reader by the layout, the
//!   extension and the first bytes ([`detect_format`] says which).
//! - [`read_jsonl`], [`write_jsonl`], [`read_parquet`] and [`write_parquet`] do a whole file in one
//!   call, for tests and small data.
//!
//! ## Design decisions
//! - **Builders by value.** `JsonlReader::new(path).with_key_field("doc_id").build()?`:
//!   `build()` validates the configuration (and writers create their temporary file); readers do
//!   not open files until read.
//! - **Bad input is data, not a crash.** A reader reports a bad line, an overlong line, a corrupt
//!   stream, a corrupt Parquet file or a file it cannot open as one `Err(Error::Record(..))` item
//!   with the path and line (or row group), and goes on with the next line or file; a
//!   [`Pipeline`](dataprep_core::Pipeline) counts these as failed `source` records within its error
//!   budget. Nothing in the readers panics on hostile input, and memory is bounded by limits
//!   (line length, block size, batch size), not by the input.
//! - **Crash-safe writers.** Output goes to a temporary file next to the target
//!   (`.{name}.{pid}.{n}.{rand}.tmp`, [`dataprep_core::atomic::TempFile`]);
//!   `finish()` flushes, fsyncs and renames it into place, so the target holds either nothing (or
//!   its previous content) or the complete file. A writer dropped without `finish()` deletes its
//!   temporary file. A process killed mid-write can leave the temporary file behind; it is never
//!   mistaken for output, and resuming writers ([`ShardedWriter`], [`HfDatasetWriter`]) remove
//!   the temporary files of their own targets left by dead processes.
//! - **Parallel parsing, ordered output.** The JSONL reader reads a block of lines and parses it with
//!   rayon; the Parquet reader converts large batches in parallel slices. Records always come out
//!   in file order, whatever the thread count.
//! - **One [`Compression`] enum** for every format; each format accepts the codecs it supports.
//!
//! ```
//! use dataprep_core::{NullSink, Pipeline, Record};
//! use dataprep_storage::{JsonlReader, ParquetWriter, read_parquet, write_jsonl};
//! # let dir = tempfile::tempdir()?;
//! let input = dir.path().join("docs.jsonl.gz");
//! write_jsonl(&input, &[
//!     Record::new().with("id", "a").with("text", "hello"),
//!     Record::new().with("id", "b").with("text", "world"),
//! ])?;
//! let output = dir.path().join("docs.parquet");
//! let summary = Pipeline::new(JsonlReader::new(&input).build()?)
//!     .sink(ParquetWriter::new(&output).build()?)
//!     .run()?;
//! assert_eq!(summary.written, 2);
//! assert_eq!(read_parquet(&output)?[1].str("text")?, "world");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::Path;

use dataprep_core::{IterableDataset, Record, Result, Schema};

// Layers, bottom up; a module uses only modules of its own layer or below (checked by the
// facade's `module_graph` test):
// 1. helpers: atomic, checksum, compression, sniff;
// 2. location (paths and URLs; object storage under it);
// 3. manifest;
// 4. formats: jsonl, parquet, csv, ipc, webdataset, folder, hf (over parquet);
// 5. sharded output: sharded (writer), sharded_reader;
// 6. versioning, cache, loader, open.
mod atomic;
pub mod cache;
mod checksum;
pub mod compression;
pub mod csv;
pub mod folder;
pub mod hf;
pub mod ipc;
pub mod jsonl;
pub mod loader;
mod location;
pub mod manifest;
pub mod open;
pub mod parquet;
pub mod sharded;
pub mod sharded_reader;
pub mod sniff;
pub mod versioning;
pub mod webdataset;

#[cfg(feature = "object-store")]
pub use location::object;

pub use compression::Compression;
pub use csv::{CsvReader, CsvReaderBuilder, CsvWriter, CsvWriterBuilder};
pub use folder::{Detected, MediaFolder, MediaFolderBuilder, ProbeFn, SkipReason, Skipped};
pub use hf::{HfDataset, HfDatasetWriter, HfDatasetWriterBuilder};
pub use ipc::{ArrowIpcReader, ArrowIpcReaderBuilder, ArrowIpcWriter, ArrowIpcWriterBuilder};
pub use jsonl::{JsonlReader, JsonlReaderBuilder, JsonlWriter, JsonlWriterBuilder};
pub use loader::{Batch, Loader, LoaderBuilder, LoaderConfig, LoaderState, LoaderStats};
pub use location::{MANIFEST_FILE, is_url};
pub use manifest::{Manifest, ShardInfo, ShardingConfig};
pub use open::{Format, detect_format, open};
pub use parquet::{ParquetReader, ParquetReaderBuilder, ParquetWriter, ParquetWriterBuilder};
pub use sharded::{
    JsonlShards, ParquetShards, ShardFormat, ShardedWriter, ShardedWriterBuilder, WebDatasetShards,
};
pub use sharded_reader::{ShardedReader, ShardedReaderBuilder};
pub use webdataset::{WdsMapping, WebDatasetIndex, WebDatasetReader, WebDatasetWriter};

/// Reads every record of a JSONL file (codec by extension), stopping at the first bad line.
///
/// For tests and small data; use [`JsonlReader`] to stream, to shard, or to go on past bad lines.
///
/// # Errors
/// The first error: [`dataprep_core::Error::Record`] for a bad line (with the path and line) or
/// a file that cannot be opened.
pub fn read_jsonl(path: impl AsRef<Path>) -> Result<Vec<Record>> {
    JsonlReader::new(path.as_ref()).build()?.iter()?.collect()
}

/// Writes records to a JSONL file (codec by extension), crash-safely.
///
/// # Errors
/// [`dataprep_core::Error::Io`] naming the path.
pub fn write_jsonl<'a>(
    path: impl AsRef<Path>,
    records: impl IntoIterator<Item = &'a Record>,
) -> Result<()> {
    let mut w = JsonlWriter::new(path.as_ref()).build()?;
    for r in records {
        w.write_record(r)?;
    }
    dataprep_core::Sink::finish(&mut w)
}

/// Reads every record of a Parquet file, stopping at the first error.
///
/// # Errors
/// The first error: a record error naming the path for a file that cannot be opened or decoded.
pub fn read_parquet(path: impl AsRef<Path>) -> Result<Vec<Record>> {
    ParquetReader::new(path.as_ref()).build()?.iter()?.collect()
}

/// Writes records to a Parquet file (zstd), with the schema inferred from all of them.
///
/// # Errors
/// [`dataprep_core::Error::Schema`] when the records' field types conflict; a record error (kind
/// `Schema`) for a value Arrow cannot hold even so, such as a map with a null key; an I/O error
/// naming the path.
pub fn write_parquet(path: impl AsRef<Path>, records: &[Record]) -> Result<()> {
    let schema = Schema::infer(records)?;
    let mut w = ParquetWriter::new(path.as_ref())
        .with_schema(schema)
        .build()?;
    for chunk in records.chunks(parquet::DEFAULT_WRITE_BATCH_SIZE) {
        w.write_batch(chunk)?;
    }
    dataprep_core::Sink::finish(&mut w)
}
