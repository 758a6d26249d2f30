//! [`open()`]: the right reader for a path or URL, chosen by extension and content.
//!
//! | What `location` is | [`Format`] | Reader |
//! |---|---|---|
//! | a directory (or URL prefix) with `manifest.json` | `Sharded` | [`ShardedReader`] (checksums verified) |
//! | a directory with `data/{split}-NNNNN-of-NNNNN.parquet` | `HfDataset` | every split, in name order ([`HfDataset`]) |
//! | a directory whose files all have one data extension | that format | one reader over the files, sorted by name |
//! | any other directory | `MediaFolder` | [`MediaFolder`] |
//! | `*.jsonl`, `*.json`, `*.ndjson` (also `.gz`, `.zst`) | `Jsonl` | [`JsonlReader`] |
//! | `*.parquet` | `Parquet` | [`ParquetReader`] |
//! | `*.csv` | `Csv` | [`CsvReader`] |
//! | `*.arrow`, `*.ipc`, `*.feather` | `ArrowIpc` | [`ArrowIpcReader`] |
//! | `*.tar` | `WebDataset` | [`WebDatasetReader`] |
//! | a local file with another extension | by its first bytes: `PAR1` Parquet, `ARROW1` Arrow IPC, a tar header WebDataset, `{` JSONL | |
//!
//! Every reader is built with its defaults; build the reader yourself for other settings.

use std::io::Read;
use std::path::{Path, PathBuf};

use dataprep_core::{Error, IterableDataset, Result};

use crate::location::{Dir, MANIFEST_FILE, url_of};
use crate::{
    ArrowIpcReader, CsvReader, HfDataset, JsonlReader, MediaFolder, ParquetReader, ShardedReader,
    WebDatasetReader,
};

/// The layouts [`open()`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON Lines, plain or compressed.
    Jsonl,
    /// Parquet.
    Parquet,
    /// CSV.
    Csv,
    /// Arrow IPC file.
    ArrowIpc,
    /// WebDataset tar shards.
    WebDataset,
    /// A [`ShardedWriter`](crate::ShardedWriter) output (`manifest.json` and shards).
    Sharded,
    /// The Hugging Face `datasets` layout.
    HfDataset,
    /// A folder of files read as they are (path, bytes, size).
    MediaFolder,
}

/// The format of a file name, by its extension (compression extensions skipped).
fn format_of_name(name: &str) -> Option<Format> {
    let name = name.to_ascii_lowercase();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .or_else(|| name.strip_suffix(".zstd"))
        .unwrap_or(&name);
    let ext = name.rsplit_once('.')?.1;
    Some(match ext {
        "jsonl" | "json" | "ndjson" => Format::Jsonl,
        "parquet" => Format::Parquet,
        "csv" => Format::Csv,
        "arrow" | "ipc" | "feather" => Format::ArrowIpc,
        "tar" => Format::WebDataset,
        _ => return None,
    })
}

/// The format of a file by its first bytes.
fn format_of_head(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"PAR1") {
        Some(Format::Parquet)
    } else if head.starts_with(b"ARROW1") {
        Some(Format::ArrowIpc)
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Some(Format::WebDataset)
    } else if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        Some(Format::Jsonl)
    } else {
        None
    }
}

/// What a directory (or URL prefix) holds, from its listing, and the files to read (empty for
/// a sharded output and a media folder, whose readers list them themselves).
fn format_of_dir(dir: &Dir, location: &Path) -> Result<(Format, Vec<PathBuf>)> {
    let names: Vec<String> = dir
        .list()?
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| !n.starts_with('.'))
        .collect();
    if names.iter().any(|n| n == MANIFEST_FILE) {
        return Ok((Format::Sharded, Vec::new()));
    }
    if url_of(location).is_none() && location.join("data").is_dir() {
        let files: Vec<PathBuf> = HfDataset::open(location).map_or_else(
            |_| Vec::new(),
            |hf| {
                hf.splits()
                    .iter()
                    .flat_map(|s| hf.files(s).unwrap_or_default().to_vec())
                    .collect()
            },
        );
        if !files.is_empty() {
            return Ok((Format::HfDataset, files));
        }
    }
    let mut formats = names.iter().map(|n| format_of_name(n));
    if let Some(Some(first)) = formats.next()
        && formats.all(|f| f == Some(first))
    {
        let mut files: Vec<PathBuf> = names.iter().map(|n| dir.location(n)).collect();
        files.sort();
        return Ok((first, files));
    }
    Ok((Format::MediaFolder, Vec::new()))
}

/// The format [`open()`] would read `location` as.
///
/// # Errors
/// [`Error::Io`] when a local location does not exist or a file cannot be read;
/// [`Error::Config`] when a file's format cannot be told from its name or first bytes.
pub fn detect_format(location: impl AsRef<Path>) -> Result<Format> {
    detect(location.as_ref()).map(|(f, _)| f)
}

fn detect(location: &Path) -> Result<(Format, Vec<PathBuf>)> {
    let url = url_of(location);
    let is_dir = match url {
        None => std::fs::metadata(location)
            .map_err(|e| Error::io(location, e))?
            .is_dir(),
        Some(u) => u.ends_with('/') || format_of_name(u).is_none(),
    };
    if is_dir {
        return format_of_dir(&Dir::open(location)?, location);
    }
    let name = location.to_string_lossy();
    if let Some(f) = format_of_name(&name) {
        return Ok((f, vec![location.to_path_buf()]));
    }
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(location)
        .and_then(|f| f.take(512).read_to_end(&mut head))
        .map_err(|e| Error::io(location, e))?;
    match format_of_head(&head) {
        Some(f) => Ok((f, vec![location.to_path_buf()])),
        None => Err(Error::Config(format!(
            "cannot tell the format of {}: no known extension (.jsonl, .parquet, .csv, .arrow, \
             .tar) and no known magic bytes; build the reader for it directly",
            location.display()
        ))),
    }
}

/// Opens `location` — a file, a directory or an object-store URL (feature `object-store`) — with
/// the reader its layout calls for (see the [module documentation](self) for the rules).
///
/// ```
/// use dataprep_core::{IterableDataset, Record};
/// use dataprep_storage::{Format, detect_format, open, write_jsonl};
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join("docs.jsonl.gz");
/// write_jsonl(&path, &[Record::new().with("id", "a").with("text", "hello")])?;
/// assert_eq!(detect_format(&path)?, Format::Jsonl);
/// let records: Vec<Record> = open(&path)?.iter()?.collect::<Result<_, _>>()?;
/// assert_eq!(records[0].str("text")?, "hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`detect_format`], and the chosen reader's `build()` errors.
pub fn open(location: impl AsRef<Path>) -> Result<Box<dyn IterableDataset>> {
    let location = location.as_ref();
    let (format, files) = detect(location)?;
    Ok(match format {
        Format::Jsonl => Box::new(JsonlReader::from_paths(files).build()?),
        Format::Parquet | Format::HfDataset => Box::new(ParquetReader::from_paths(files).build()?),
        Format::Csv => Box::new(CsvReader::from_paths(files).build()?),
        Format::ArrowIpc => Box::new(ArrowIpcReader::from_paths(files).build()?),
        Format::WebDataset => Box::new(WebDatasetReader::from_paths(files).build()?),
        Format::Sharded => Box::new(ShardedReader::open(location).build()?),

        Format::MediaFolder => Box::new(MediaFolder::new(location).build()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_heads_give_formats() {
        assert_eq!(format_of_name("a/b.jsonl.zst"), Some(Format::Jsonl));
        assert_eq!(format_of_name("x.PARQUET"), Some(Format::Parquet));
        assert_eq!(format_of_name("train-000001.tar"), Some(Format::WebDataset));
        assert_eq!(format_of_name("x.feather"), Some(Format::ArrowIpc));
        assert_eq!(format_of_name("x.csv.gz"), Some(Format::Csv));
        assert_eq!(format_of_name("x.png"), None);
        assert_eq!(format_of_name("gz"), None);
        assert_eq!(format_of_head(b"PAR1\x15\x04"), Some(Format::Parquet));
        assert_eq!(format_of_head(b"ARROW1\0\0"), Some(Format::ArrowIpc));
        assert_eq!(format_of_head(b"  \n{\"a\":1}"), Some(Format::Jsonl));
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(format_of_head(&tar), Some(Format::WebDataset));
        assert_eq!(format_of_head(b"a,b\n1,2\n"), None);
        assert_eq!(format_of_head(b""), None);
    }
}
