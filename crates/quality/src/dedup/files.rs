//! File helpers shared by the file-based dedup stages (MinHash and span dedup): crash-safe
//! writers, fixed-size binary records, and an external sort (sorted runs spilled to disk, then a
//! k-way merge).

use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use dataprep_core::atomic::{TempFile, remove_stale_temps};

use crate::{Error, Result};

/// A buffered writer to `path` over the workspace's crash-safe [`TempFile`] (a uniquely named
/// temporary sibling, fsynced and renamed over `path` on [`AtomicWriter::finish`], removed when
/// dropped unfinished), so a crash never leaves a truncated file under the final name and two
/// writers of one path never share a temporary file.
pub(crate) struct AtomicWriter {
    w: BufWriter<File>,
    tmp: TempFile,
}

impl AtomicWriter {
    /// Creates the parent directories and the temporary file.
    pub(crate) fn create(path: &Path) -> Result<Self> {
        if let Some(p) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        let (tmp, f) = TempFile::create(path)?;
        Ok(AtomicWriter {
            w: BufWriter::with_capacity(1 << 16, f),
            tmp,
        })
    }

    /// Writes all of `buf`.
    pub(crate) fn write_all(&mut self, buf: &[u8]) -> Result<()> {
        self.w
            .write_all(buf)
            .map_err(|e| Error::io(self.tmp.path(), e))
    }

    /// Flushes, fsyncs and renames the file to its final name.
    pub(crate) fn finish(self) -> Result<()> {
        let f = self
            .w
            .into_inner()
            .map_err(|e| Error::io(self.tmp.path(), e.into_error()))?;
        Ok(self.tmp.commit(f)?)
    }
}

/// Removes what a killed run left for the outputs `owns` accepts (by file name) in `dir`: the
/// temporary files of dead processes, and — when `runs` is set — complete spill runs
/// (`<output>.runK`) of those outputs, which only an interrupted [`ExternalSort`] leaves.
pub(crate) fn remove_litter(dir: &Path, owns: impl Fn(&str) -> bool, runs: bool) -> Result<()> {
    let is_run = |name: &str| {
        name.rsplit_once(".run").is_some_and(|(out, k)| {
            owns(out) && !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit())
        })
    };
    remove_stale_temps(dir, |name| owns(name) || (runs && is_run(name)))?;
    if !runs {
        return Ok(());
    }
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for e in rd {
        let e = e.map_err(|e| Error::io(dir, e))?;
        if e.file_name().to_str().is_some_and(is_run) {
            let p = e.path();
            fs::remove_file(&p).map_err(|err| Error::io(&p, err))?;
        }
    }
    Ok(())
}

/// Opens `path` for buffered reading.
pub(crate) fn open(path: &Path) -> Result<BufReader<File>> {
    File::open(path)
        .map(|f| BufReader::with_capacity(1 << 16, f))
        .map_err(|e| Error::io(path, e))
}

/// Reads exactly `buf.len()` bytes; `Ok(false)` at a clean end of file.
pub(crate) fn read_record(r: &mut impl Read, buf: &mut [u8], path: &Path) -> Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => {
                return Err(Error::Format {
                    path: path.to_owned(),
                    message: "truncated record".into(),
                });
            }
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    Ok(true)
}

/// The fixed-size binary layout of one kind of record.
pub(crate) trait Codec: Copy + Send + Sync {
    /// The record; files are sorted by its `Ord`.
    type Rec: Ord + Send;
    /// Bytes per record.
    fn size(&self) -> usize;
    /// Appends the record's bytes to `out`.
    fn encode(&self, r: &Self::Rec, out: &mut Vec<u8>);
    /// Decodes one record from exactly [`Codec::size`] bytes.
    fn decode(&self, b: &[u8]) -> Self::Rec;
}

/// Reads the records of a file one by one.
pub(crate) struct RecReader<C: Codec> {
    r: BufReader<File>,
    path: PathBuf,
    buf: Vec<u8>,
    codec: C,
}

impl<C: Codec> RecReader<C> {
    pub(crate) fn open(path: &Path, codec: C) -> Result<Self> {
        Ok(RecReader {
            r: open(path)?,
            path: path.to_owned(),
            buf: vec![0; codec.size()],
            codec,
        })
    }

    pub(crate) fn next_rec(&mut self) -> Result<Option<C::Rec>> {
        if !read_record(&mut self.r, &mut self.buf, &self.path)? {
            return Ok(None);
        }
        Ok(Some(self.codec.decode(&self.buf)))
    }
}

/// Writes `recs` (in the given order) to `path`, crash-safely.
pub(crate) fn write_records<'a, C: Codec>(
    path: &Path,
    recs: impl IntoIterator<Item = &'a C::Rec>,
    codec: C,
) -> Result<()>
where
    C::Rec: 'a,
{
    let mut w = AtomicWriter::create(path)?;
    let mut buf = Vec::with_capacity(codec.size());
    for r in recs {
        buf.clear();
        codec.encode(r, &mut buf);
        w.write_all(&buf)?;
    }
    w.finish()
}

/// Merges sorted run files into `out` (k-way, by the record order).
pub(crate) fn merge_runs<C: Codec>(runs: &[PathBuf], out: &Path, codec: C) -> Result<()> {
    let mut readers = runs
        .iter()
        .map(|p| RecReader::open(p, codec))
        .collect::<Result<Vec<_>>>()?;
    let mut heap = BinaryHeap::new();
    for (i, r) in readers.iter_mut().enumerate() {
        if let Some(rec) = r.next_rec()? {
            heap.push(std::cmp::Reverse((rec, i)));
        }
    }
    let mut w = AtomicWriter::create(out)?;
    let mut buf = Vec::with_capacity(codec.size());
    while let Some(std::cmp::Reverse((rec, i))) = heap.pop() {
        buf.clear();
        codec.encode(&rec, &mut buf);
        w.write_all(&buf)?;
        if let Some(next) = readers[i].next_rec()? {
            heap.push(std::cmp::Reverse((next, i)));
        }
    }
    w.finish()
}

/// An external sort into one file: records are buffered, full buffers are sorted and spilled as
/// runs (`<out>.runK`), and [`ExternalSort::finish`] writes the sorted file — directly when
/// nothing was spilled, else by merging the runs (which are then removed). The output bytes do
/// not depend on when or how often it spilled.
pub(crate) struct ExternalSort<C: Codec> {
    codec: C,
    out: PathBuf,
    buf: Vec<C::Rec>,
    runs: Vec<PathBuf>,
}

impl<C: Codec> ExternalSort<C> {
    pub(crate) fn new(out: PathBuf, codec: C) -> Self {
        ExternalSort {
            codec,
            out,
            buf: Vec::new(),
            runs: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, rec: C::Rec) {
        self.buf.push(rec);
    }

    /// Records buffered in memory.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Sorts the buffer and writes it as a run.
    pub(crate) fn spill(&mut self) -> Result<()> {
        self.buf.sort_unstable();
        let mut name = self.out.as_os_str().to_owned();
        name.push(format!(".run{}", self.runs.len()));
        let path = PathBuf::from(name);
        write_records(&path, &self.buf, self.codec)?;
        self.buf.clear();
        self.runs.push(path);
        Ok(())
    }

    /// Writes the sorted output file.
    pub(crate) fn finish(mut self) -> Result<()> {
        if self.runs.is_empty() {
            self.buf.sort_unstable();
            return write_records(&self.out, &self.buf, self.codec);
        }
        if !self.buf.is_empty() {
            self.spill()?;
        }
        merge_runs(&self.runs, &self.out, self.codec)?;
        for p in &self.runs {
            fs::remove_file(p).map_err(|e| Error::io(p, e))?;
        }
        Ok(())
    }
}

/// Whether `name` is a shard file name `SSSSS<ext>` (decimal digits, then `ext`).
pub(crate) fn is_shard_file(name: &str, ext: &str) -> bool {
    name.strip_suffix(ext)
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The shard files (`SSSSS<ext>`) of a directory, by shard number.
pub(crate) fn shard_files(dir: &Path, ext: &str) -> Result<Vec<(u32, PathBuf)>> {
    let mut out = Vec::new();
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for e in rd {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        let Some(stem) = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(ext))
        else {
            continue;
        };
        let shard: u32 = stem.parse().map_err(|_| Error::Format {
            path: p.clone(),
            message: "file name is not a shard number".into(),
        })?;
        out.push((shard, p));
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn concurrent_writers_of_one_path_do_not_collide() {
        // Before the shared implementation both wrote `path.tmp`: one writer truncated the
        // other's file and the second rename failed (or a mix of both was renamed into place).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("band_000.pairs");
        let payloads: Vec<Vec<u8>> = (0..6u8).map(|i| vec![i; 300_000]).collect();
        std::thread::scope(|s| {
            for p in &payloads {
                let path = &path;
                s.spawn(move || {
                    let mut w = AtomicWriter::create(path).unwrap();
                    for c in p.chunks(1000) {
                        w.write_all(c).unwrap();
                    }
                    w.finish().unwrap();
                });
            }
        });
        let got = fs::read(&path).unwrap();
        assert!(payloads.contains(&got), "one writer's whole output");
        assert_eq!(names(dir.path()), ["band_000.pairs"]);
    }

    #[test]
    fn litter_of_own_outputs_is_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let dead = 4_194_305; // past Linux's pid_max: not running
        let own = [
            format!(".00003.sig.{dead}.0.0000abcd.tmp"),
            format!(".00003.sig.run1.{dead}.1.0000abce.tmp"),
            "00003.sig.run0".to_owned(),
            "00003.sig.run12".to_owned(),
        ];
        let foreign = [
            format!(".00004.sig.{dead}.2.0000abcf.tmp"),
            "00004.sig.run0".to_owned(),
            "00003.sig".to_owned(),
            "00003.sig.runx".to_owned(),
            ".00003.sig.tmp".to_owned(),
        ];
        for n in own.iter().chain(&foreign) {
            fs::write(d.join(n), b"x").unwrap();
        }
        remove_litter(d, |n| n == "00003.sig", true).unwrap();
        let mut want = foreign.to_vec();
        want.sort();
        assert_eq!(names(d), want);
        assert!(is_shard_file("00012.dups", ".dups") && !is_shard_file(".dups", ".dups"));
    }
}
