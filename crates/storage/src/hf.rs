//! The Hugging Face `datasets` layout: `data/{split}-{i:05}-of-{n:05}.parquet` plus a `README.md`
//! dataset card whose YAML front matter has `license`, `language`, `size_categories`, `configs`
//! and `dataset_info` (features, splits with `num_examples` / `num_bytes`), so that
//! `datasets.load_dataset(DIR)` and `load_dataset("parquet", data_files=…)` read it as written.
//!
//! - [`HfDatasetWriter`] writes records to named splits ([`HfDatasetWriter::write_to`]), or as a
//!   [`Sink`] to one split (default `train`) or to the split named by a field of each record.
//! - [`HfDataset`] opens such a directory: its splits, each a [`ParquetReader`].
//!
//! **Crash safety.** The number of shards `n` of a split is known only at the end, so shards are
//! first written (each crash-safely) under hidden names `data/.{split}-{i:05}.parquet.part`,
//! which `datasets` and [`HfDataset`] ignore; `finish()` renames them to their final names and
//! then writes `README.md` atomically. A crash before `finish()` leaves no visible shard. Shards
//! of the written splits left by an earlier run are removed by `finish()`, so a split is never a
//! mix of two runs (a crash *during* `finish()` can leave a split incomplete, which
//! [`HfDataset::open`] detects from the `-of-` counts).
//!
//! **Object storage.** `dir` may be a URL (`s3://bucket/datasets/mine`, feature
//! `object-store`): the hidden part files are then written to a local staging directory (the
//! system's temporary directory), and `finish()` uploads each shard under its final name
//! (multipart, each visible only once complete), then `README.md` last; [`HfDataset::open`]
//! lists `dir/data` on the store and reads the shards with ranged requests.
//!
//! **Features.** Strings, binary, booleans, integers and floats of every width, timestamps,
//! lists (`sequence`) and structs map to `datasets` feature types. If a column has a type with no
//! such mapping (map, tensor), `dataset_info.features` is left out and `datasets` infers the
//! features from the Parquet schema. `num_bytes` of a split is the records' in-memory size
//! estimate (as `datasets` computes its own from Arrow, the two differ slightly; only
//! `num_examples` is verified by `datasets`), `download_size` the Parquet bytes.
//!
//! ```
//! use dataprep_core::{IterableDataset, Record, Sink};
//! use dataprep_storage::{HfDataset, HfDatasetWriter};
//! # let dir = tempfile::tempdir()?;
//! let mut w = HfDatasetWriter::new(dir.path()).with_license("mit").with_language(["en"]).build()?;
//! w.write_to("train", Record::new().with("text", "a"))?;
//! w.write_to("test", Record::new().with("text", "b"))?;
//! w.finish()?;
//! assert!(dir.path().join("data/train-00000-of-00001.parquet").exists());
//! let ds = HfDataset::open(dir.path())?;
//! assert_eq!(ds.splits(), ["test", "train"]);
//! assert_eq!(ds.split("test")?.iter()?.next().unwrap()?.str("text")?, "b");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use dataprep_core::{
    DataType, Error, Field, Record, RecordError, RecordErrorKind, Result, Schema, Sink, TimeUnit,
};

use crate::atomic::{TempFile, remove_stale_temps};
use crate::location::{Dir, url_of};
use crate::parquet::{ParquetReader, ParquetWriter};

/// Writes the HF layout; see the [module documentation](self).
#[derive(Debug)]
pub struct HfDatasetWriter {
    dir: PathBuf,
    /// Where the part files are written: `dir/data`, or a local staging directory for a URL.
    stage: PathBuf,
    /// `dir` in object storage (the staging directory is then removed on drop).
    remote: Option<Dir>,
    cfg: HfDatasetWriterBuilder,
    schema: Option<Schema>,
    /// Per split, in order of first write.
    splits: BTreeMap<String, SplitState>,
    finished: bool,
}

#[derive(Debug, Default)]
struct SplitState {
    /// Completed shards (hidden part files) with their record counts.
    parts: Vec<(PathBuf, u64)>,
    current: Option<(ParquetWriter, PathBuf, u64)>,
    num_examples: u64,
    num_bytes: u64,
}

/// Configures an [`HfDatasetWriter`].
#[derive(Debug, Clone)]
#[must_use]
pub struct HfDatasetWriterBuilder {
    dir: PathBuf,
    max_records: u64,
    schema: Option<Schema>,
    license: Option<String>,
    language: Vec<String>,
    task_categories: Vec<String>,
    pretty_name: Option<String>,
    default_split: String,
    split_field: Option<String>,
}

impl HfDatasetWriter {
    /// Starts configuring a writer of the directory `dir` (created if missing): 100,000 records
    /// per shard, split `train`, no licence or language.
    #[allow(clippy::new_ret_no_self)] // by-value builder
    pub fn new(dir: impl Into<PathBuf>) -> HfDatasetWriterBuilder {
        HfDatasetWriterBuilder {
            dir: dir.into(),
            max_records: 100_000,
            schema: None,
            license: None,
            language: Vec::new(),
            task_categories: Vec::new(),
            pretty_name: None,
            default_split: "train".into(),
            split_field: None,
        }
    }

    /// Writes a record to `split` (a name of letters, digits, `_` or `-`).
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid split name; a record error for a record that does not fit
    /// the schema; fatal I/O errors.
    pub fn write_to(&mut self, split: &str, record: Record) -> Result<()> {
        if self.finished {
            return Err(Error::io(
                &self.dir,
                std::io::Error::other("write after finish"),
            ));
        }
        if split.is_empty()
            || !split
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(Error::Config(format!("invalid split name `{split}`")));
        }
        let size: u64 = record
            .iter()
            .map(|(k, v)| (k.len() + v.approx_size()) as u64)
            .sum();
        let max = self.cfg.max_records;
        let dir = self.stage.clone();
        let schema = self.schema.clone();
        let st = self.splits.entry(split.to_owned()).or_default();
        if st.current.is_none() {
            let part = dir.join(format!(".{split}-{:05}.parquet.part", st.parts.len()));
            let mut b = ParquetWriter::new(&part);
            if let Some(s) = &schema {
                b = b.with_schema(s.clone());
            }
            st.current = Some((b.build()?, part, 0));
        }
        let cur = st.current.as_mut().expect("opened");
        cur.0.write(record)?;
        cur.2 += 1;
        st.num_examples += 1;
        st.num_bytes += size;
        if cur.2 >= max {
            let (mut w, part, n) = st.current.take().expect("open");
            w.finish()?;
            if self.schema.is_none() {
                self.schema = Some(w.schema().clone());
            }
            st.parts.push((part, n));
        }
        Ok(())
    }
}

impl HfDatasetWriterBuilder {
    /// Records per Parquet shard at most (default 100,000).
    pub fn with_max_records_per_shard(mut self, n: u64) -> Self {
        self.max_records = n;
        self
    }

    /// The schema of every split (default: the first shard's, inferred).
    pub fn with_schema(mut self, schema: Schema) -> Self {
        self.schema = Some(schema);
        self
    }

    /// The licence identifier for the card (`mit`, `apache-2.0`, `cc-by-4.0`, …).
    pub fn with_license(mut self, license: impl Into<String>) -> Self {
        self.license = Some(license.into());
        self
    }

    /// Language codes for the card (`en`, `fr`, …).
    pub fn with_language<S: Into<String>>(mut self, langs: impl IntoIterator<Item = S>) -> Self {
        self.language = langs.into_iter().map(Into::into).collect();
        self
    }

    /// Task categories for the card (`text-generation`, …).
    pub fn with_task_categories<S: Into<String>>(
        mut self,
        tasks: impl IntoIterator<Item = S>,
    ) -> Self {
        self.task_categories = tasks.into_iter().map(Into::into).collect();
        self
    }

    /// The card's `pretty_name` and title.
    pub fn with_pretty_name(mut self, name: impl Into<String>) -> Self {
        self.pretty_name = Some(name.into());
        self
    }

    /// The split that [`Sink::write`] writes to when no split field is set (default `train`).
    pub fn with_default_split(mut self, split: impl Into<String>) -> Self {
        self.default_split = split.into();
        self
    }

    /// [`Sink::write`] takes the split from this text field of each record (and removes it).
    pub fn with_split_field(mut self, field: impl Into<String>) -> Self {
        self.split_field = Some(field.into());
        self
    }

    /// Creates `dir/data` (for a URL: the local staging directory).
    ///
    /// # Errors
    /// [`Error::Config`] for a zero shard size or a URL without the `object-store` feature;
    /// [`Error::Io`] naming the directory.
    pub fn build(self) -> Result<HfDatasetWriter> {
        if self.max_records == 0 {
            return Err(Error::Config("HfDatasetWriter: zero shard size".into()));
        }
        let (stage, remote) = if url_of(&self.dir).is_some() {
            static STAGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = STAGES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let stage =
                std::env::temp_dir().join(format!("dataprep-hf-{}-{n}", std::process::id()));
            (stage, Some(Dir::open(&self.dir)?))
        } else {
            (self.dir.join("data"), None)
        };
        std::fs::create_dir_all(&stage).map_err(|e| Error::io(&stage, e))?;
        if remote.is_none() {
            // A rerun after a kill: the temporary files a dead run left for this writer's
            // parts (`.{split}-{i:05}.parquet.part`) and card.
            remove_stale_temps(&stage, |n| {
                n.strip_prefix('.')
                    .and_then(|n| n.strip_suffix(".parquet.part"))
                    .and_then(|n| n.rsplit_once('-'))
                    .is_some_and(|(split, i)| {
                        !split.is_empty() && i.len() == 5 && i.bytes().all(|b| b.is_ascii_digit())
                    })
            })?;
            remove_stale_temps(&self.dir, |n| n == "README.md")?;
        }
        Ok(HfDatasetWriter {
            dir: self.dir.clone(),
            stage,
            remote,
            schema: self.schema.clone(),
            cfg: self,
            splits: BTreeMap::new(),
            finished: false,
        })
    }
}

impl Sink for HfDatasetWriter {
    fn write(&mut self, mut record: Record) -> Result<()> {
        let split = match &self.cfg.split_field {
            None => self.cfg.default_split.clone(),
            Some(f) => {
                let s = record.str(f)?.to_owned();
                record.remove(f);
                s
            }
        };
        self.write_to(&split, record).map_err(|e| match e {
            Error::Config(m) => RecordError::new(RecordErrorKind::Field, m).into(),
            other => other,
        })
    }

    /// Closes the last shards, renames every shard to `{split}-{i:05}-of-{n:05}.parquet` and
    /// writes `README.md`. Calling it again does nothing.
    fn finish(&mut self) -> Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        for st in self.splits.values_mut() {
            if let Some((mut w, part, n)) = st.current.take() {
                w.finish()?;
                if self.schema.is_none() {
                    self.schema = Some(w.schema().clone());
                }
                st.parts.push((part, n));
            }
        }
        let data = match &self.remote {
            Some(_) => Dir::open(&self.dir.join("data"))?,
            None => Dir::Local(self.dir.join("data")),
        };
        // Shards of these splits left by an earlier run (with another shard count) would make
        // the split inconsistent: remove them first.
        for (name, _) in data.list()? {
            if parse_shard_name(&name).is_some_and(|(split, ..)| self.splits.contains_key(&split)) {
                data.delete(&name)?;
            }
        }
        let mut infos = Vec::new();
        for (name, st) in &self.splits {
            let n = st.parts.len();
            let mut download = 0;
            for (i, (part, _)) in st.parts.iter().enumerate() {
                let dest = format!("{name}-{i:05}-of-{n:05}.parquet");
                download += std::fs::metadata(part).map_or(0, |m| m.len());
                // Local: a rename in `data`; a URL: a multipart upload.
                data.put_file(part, &dest)?;
                if self.remote.is_some() {
                    let _ = std::fs::remove_file(part);
                }
            }
            infos.push((name.clone(), st.num_examples, st.num_bytes, download));
        }
        if let Dir::Local(d) = &data
            && let Ok(f) = std::fs::File::open(d)
        {
            let _ = f.sync_all();
        }
        let card = dataset_card(&self.cfg, self.schema.as_ref(), &infos);
        match &self.remote {
            Some(root) => root.write("README.md", card.as_bytes()),
            None => {
                let path = self.dir.join("README.md");
                let (tmp, mut f) = TempFile::create(&path)?;
                std::io::Write::write_all(&mut f, card.as_bytes())
                    .map_err(|e| Error::io(&path, e))?;
                tmp.commit(f)
            }
        }
    }
}

impl Drop for HfDatasetWriter {
    fn drop(&mut self) {
        if self.remote.is_some() {
            let _ = std::fs::remove_dir_all(&self.stage);
        }
    }
}

/// A YAML scalar: a JSON string is a valid YAML double-quoted scalar.
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

fn size_category(n: u64) -> &'static str {
    match n {
        0..1_000 => "n<1K",
        1_000..10_000 => "1K<n<10K",
        10_000..100_000 => "10K<n<100K",
        100_000..1_000_000 => "100K<n<1M",
        1_000_000..10_000_000 => "1M<n<10M",
        10_000_000..100_000_000 => "10M<n<100M",
        100_000_000..1_000_000_000 => "100M<n<1B",
        _ => "n>1B",
    }
}

/// The `datasets` dtype of a scalar type.
fn hf_dtype(t: &DataType) -> Option<String> {
    Some(match t {
        DataType::Null => "null".into(),
        DataType::Bool => "bool".into(),
        DataType::Int8 => "int8".into(),
        DataType::Int16 => "int16".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::UInt8 => "uint8".into(),
        DataType::UInt16 => "uint16".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::UInt64 => "uint64".into(),
        DataType::Float32 => "float32".into(),
        DataType::Float64 => "float64".into(),
        DataType::Utf8 => "string".into(),
        DataType::Binary => "binary".into(),
        DataType::Timestamp(unit, tz) => {
            let u = match unit {
                TimeUnit::Second => "s",
                TimeUnit::Millisecond => "ms",
                TimeUnit::Microsecond => "us",
                TimeUnit::Nanosecond => "ns",
            };
            match tz {
                Some(tz) => format!("timestamp[{u}, tz={tz}]"),
                None => format!("timestamp[{u}]"),
            }
        }
        _ => return None,
    })
}

/// Writes the feature of `t` (after `name:` or a list item) at `indent`; false if unmappable.
fn write_feature(out: &mut String, t: &DataType, indent: usize) -> bool {
    let pad = " ".repeat(indent);
    if let Some(d) = hf_dtype(t) {
        let _ = writeln!(out, "{pad}dtype: {}", q(&d));
        return true;
    }
    match t {
        DataType::List(inner) => {
            if let Some(d) = hf_dtype(inner) {
                let _ = writeln!(out, "{pad}sequence: {}", q(&d));
                true
            } else {
                let _ = writeln!(out, "{pad}sequence:");
                write_feature(out, inner, indent + 2)
            }
        }
        DataType::Struct(fields) => {
            let _ = writeln!(out, "{pad}struct:");
            write_fields(out, fields, indent)
        }
        _ => false,
    }
}

fn write_fields(out: &mut String, fields: &[Field], indent: usize) -> bool {
    let pad = " ".repeat(indent);
    for f in fields {
        let _ = writeln!(out, "{pad}- name: {}", q(&f.name));
        if !write_feature(out, &f.data_type, indent + 2) {
            return false;
        }
    }
    true
}

fn dataset_card(
    cfg: &HfDatasetWriterBuilder,
    schema: Option<&Schema>,
    splits: &[(String, u64, u64, u64)],
) -> String {
    let total: u64 = splits.iter().map(|s| s.1).sum();
    let mut y = String::from("---\n");
    if let Some(l) = &cfg.license {
        let _ = writeln!(y, "license: {}", q(l));
    }
    if !cfg.language.is_empty() {
        y.push_str("language:\n");
        for l in &cfg.language {
            let _ = writeln!(y, "- {}", q(l));
        }
    }
    if !cfg.task_categories.is_empty() {
        y.push_str("task_categories:\n");
        for t in &cfg.task_categories {
            let _ = writeln!(y, "- {}", q(t));
        }
    }
    if let Some(p) = &cfg.pretty_name {
        let _ = writeln!(y, "pretty_name: {}", q(p));
    }
    let _ = writeln!(y, "size_categories:\n- {}", q(size_category(total)));
    y.push_str("configs:\n- config_name: default\n  data_files:\n");
    for (name, ..) in splits {
        let _ = writeln!(
            y,
            "  - split: {}\n    path: {}",
            q(name),
            q(&format!("data/{name}-*"))
        );
    }
    y.push_str("dataset_info:\n");
    if let Some(s) = schema {
        let mut f = String::from("  features:\n");
        if write_fields(&mut f, &s.fields, 2) {
            y.push_str(&f);
        }
    }
    y.push_str("  splits:\n");
    for (name, n, bytes, _) in splits {
        let _ = writeln!(
            y,
            "  - name: {}\n    num_bytes: {bytes}\n    num_examples: {n}",
            q(name)
        );
    }
    let _ = writeln!(
        y,
        "  download_size: {}\n  dataset_size: {}",
        splits.iter().map(|s| s.3).sum::<u64>(),
        splits.iter().map(|s| s.2).sum::<u64>()
    );
    y.push_str("---\n\n");
    let title = cfg.pretty_name.as_deref().unwrap_or("Dataset");
    let _ = writeln!(y, "# {title}\n");
    let _ = writeln!(
        y,
        "Written by dataprep-storage {}. {total} examples in {} split(s): {}.",
        env!("CARGO_PKG_VERSION"),
        splits.len(),
        splits
            .iter()
            .map(|s| format!("`{}` ({})", s.0, s.1))
            .collect::<Vec<_>>()
            .join(", ")
    );
    y
}

/// A directory in the HF layout, opened for reading: its splits by file name.
#[derive(Debug, Clone)]
pub struct HfDataset {
    dir: PathBuf,
    /// Split → its shard files in order.
    splits: BTreeMap<String, Vec<PathBuf>>,
}

impl HfDataset {
    /// Lists `dir/data/{split}-{i:05}-of-{n:05}.parquet` and checks that every split has all of
    /// its `n` shards.
    ///
    /// # Errors
    /// [`Error::Io`] when `dir/data` cannot be listed; [`Error::Schema`] naming the split when a
    /// shard is missing or the shard counts disagree.
    pub fn open(dir: impl AsRef<Path>) -> Result<HfDataset> {
        let dir = dir.as_ref().to_path_buf();
        let data = dir.join("data");
        let listing = Dir::open(&data)?;
        if url_of(&data).is_none() {
            // A missing local `data` directory is an error, not an empty dataset.
            std::fs::read_dir(&data).map_err(|e| Error::io(&data, e))?;
        }
        let mut found: BTreeMap<String, Vec<(usize, usize, PathBuf)>> = BTreeMap::new();
        for (name, _) in listing.list()? {
            if let Some((split, i, n)) = parse_shard_name(&name) {
                found
                    .entry(split)
                    .or_default()
                    .push((i, n, listing.location(&name)));
            }
        }
        let mut splits = BTreeMap::new();
        for (split, mut files) in found {
            files.sort();
            let n = files[0].1;
            let ok = files.len() == n
                && files
                    .iter()
                    .enumerate()
                    .all(|(k, (i, m, _))| *i == k && *m == n);
            if !ok {
                return Err(Error::Schema(format!(
                    "split `{split}` in {}: expected shards 0..{n} of {n}, found {:?}",
                    data.display(),
                    files.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>()
                )));
            }
            splits.insert(split, files.into_iter().map(|f| f.2).collect());
        }
        Ok(HfDataset { dir, splits })
    }

    /// The split names, sorted.
    pub fn splits(&self) -> Vec<&str> {
        self.splits.keys().map(String::as_str).collect()
    }

    /// The shard files of a split.
    pub fn files(&self, split: &str) -> Option<&[PathBuf]> {
        self.splits.get(split).map(Vec::as_slice)
    }

    /// A reader of one split.
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown split.
    pub fn split(&self, split: &str) -> Result<ParquetReader> {
        let files = self.splits.get(split).ok_or_else(|| {
            Error::Config(format!("no split `{split}` in {}", self.dir.display()))
        })?;
        ParquetReader::from_paths(files.clone()).build()
    }
}

/// `{split}-{i:05}-of-{n:05}.parquet` → (split, i, n).
fn parse_shard_name(name: &str) -> Option<(String, usize, usize)> {
    let stem = name.strip_suffix(".parquet")?;
    let (head, n) = stem.rsplit_once("-of-")?;
    let (split, i) = head.rsplit_once('-')?;
    if split.is_empty() || split.starts_with('.') {
        return None;
    }
    Some((split.to_owned(), i.parse().ok()?, n.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_names_parse() {
        assert_eq!(
            parse_shard_name("train-00001-of-00003.parquet"),
            Some(("train".into(), 1, 3))
        );
        assert_eq!(
            parse_shard_name("my-split-00000-of-00001.parquet"),
            Some(("my-split".into(), 0, 1))
        );
        assert_eq!(parse_shard_name(".train-00000.parquet.part"), None);
        assert_eq!(size_category(999), "n<1K");
        assert_eq!(size_category(1000), "1K<n<10K");
    }
}
