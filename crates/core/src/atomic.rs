//! Crash-safe output files, the one implementation every dataprep writer uses.
//!
//! A file is written to a temporary sibling of its target, `.{name}.{pid}.{n}.{rand}.tmp` (the
//! writing process id, a per-process counter and 32 random bits), which is fsynced, renamed over
//! the target, and the directory is fsynced. So after a crash the target holds either its old
//! content or the complete new one, never a prefix. A [`TempFile`] dropped without
//! [`TempFile::commit`] (an error, a panic) removes its temporary file.
//!
//! Two writers of the same target (threads or processes) get different temporary names and
//! never write into each other's file; the last rename wins and the target is always one
//! writer's complete output.
//!
//! A process killed with SIGKILL cannot clean up, so its temporary files stay. A writer that
//! resumes (or restarts) in a directory calls [`remove_stale_temps`] with a predicate naming the
//! targets it writes: it removes the temporary files of those targets only, and only those of
//! processes that are no longer running (on Linux, checked through `/proc`; elsewhere, every
//! process but the current one is taken as gone). Files that do not follow the naming scheme —
//! a user's `.notes.tmp`, another writer's targets — are never touched. The temporary names of
//! earlier dataprep versions (`.{name}.{pid}-{n}.tmp`, `.{name}.tmp-{pid}`) are recognised too.
//!
//! ```
//! use dataprep_core::atomic::{TempFile, remove_stale_temps, write_atomic};
//! use std::io::Write as _;
//! # let dir = std::env::temp_dir().join(format!("dataprep-atomic-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! let target = dir.join("out.bin");
//! let (tmp, mut file) = TempFile::create(&target)?;
//! file.write_all(b"payload").map_err(|e| dataprep_core::Error::io(tmp.path(), e))?;
//! tmp.commit(file)?;
//! write_atomic(&dir.join("index.json"), b"{}")?;
//! // On resume: clean up what a killed run of this writer left.
//! let removed = remove_stale_temps(&dir, |name| name == "out.bin" || name == "index.json")?;
//! assert_eq!(removed, 0);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file in the target's directory, removed on drop unless [`TempFile::commit`]
/// renamed it into place. See the [module documentation](self) for the naming scheme.
///
/// The file is created with the default mode (0666 minus the umask), as `File::create` would give
/// the final file, so the committed file has ordinary permissions.
#[derive(Debug)]
pub struct TempFile {
    tmp: PathBuf,
    target: PathBuf,
    armed: bool,
}

impl TempFile {
    /// Creates a new, uniquely named temporary file for `target` (the directory must exist) and
    /// returns its guard and the open file.
    ///
    /// # Errors
    /// [`Error::Config`] when `target` has no file name; [`Error::Io`] naming the target when the
    /// file cannot be created.
    pub fn create(target: &Path) -> Result<(TempFile, File)> {
        let name = target
            .file_name()
            .ok_or_else(|| Error::Config(format!("not a file path: {}", target.display())))?
            .to_string_lossy()
            .into_owned();
        let dir = parent_dir(target);
        let pid = std::process::id();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp = dir.join(temp_name(&name, pid, n, random32(n)));
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(file) => {
                    let guard = TempFile {
                        tmp,
                        target: target.to_path_buf(),
                        armed: true,
                    };
                    return Ok((guard, file));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(target, e)),
            }
        }
    }

    /// The temporary path.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Fsyncs `file` (the temporary file, fully written and flushed), renames it to the target
    /// and fsyncs the directory, so that after a crash the target holds either the old or the
    /// complete new file.
    ///
    /// # Errors
    /// [`Error::Io`] naming the target; the temporary file is then removed.
    pub fn commit(mut self, file: File) -> Result<()> {
        let io = |e| Error::io(&self.target, e);
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target).map_err(io)?;
        self.armed = false;
        // Makes the rename durable; not every platform can open a directory, so best effort.
        if let Ok(d) = File::open(parent_dir(&self.target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` crash-safely through a [`TempFile`].
///
/// # Errors
/// [`Error::Io`] naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let (tmp, mut file) = TempFile::create(path)?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.commit(file)
}

/// A temporary file name parsed by [`parse_temp_name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TempName<'a> {
    /// The file name of the target the temporary file was written for.
    pub target: &'a str,
    /// The id of the process that created it.
    pub pid: u32,
}

/// Parses a file name written by [`TempFile`] (or by an earlier dataprep version); `None` for
/// any other name.
pub fn parse_temp_name(file_name: &str) -> Option<TempName<'_>> {
    let body = file_name.strip_prefix('.')?;
    if let Some(body) = body.strip_suffix(".tmp") {
        // Current: {target}.{pid}.{n}.{rand:08x}
        let mut it = body.rsplitn(4, '.');
        let (rand, n, pid, target) = (it.next()?, it.next(), it.next(), it.next());
        if let (Some(n), Some(pid), Some(target)) = (n, pid, target)
            && rand.len() == 8
            && rand.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && is_digits(n)
            && !target.is_empty()
            && let Some(pid) = parse_pid(pid)
        {
            return Some(TempName { target, pid });
        }
        // dataprep-storage before 0.x: {target}.{pid}-{n}
        let (target, tail) = body.rsplit_once('.')?;
        let (pid, n) = tail.split_once('-')?;
        if !target.is_empty() && is_digits(n) {
            return Some(TempName {
                target,
                pid: parse_pid(pid)?,
            });
        }
        return None;
    }
    // dataprep-core's write_atomic before 0.x: {target}.tmp-{pid}
    let (target, pid) = body.rsplit_once(".tmp-")?;
    if target.is_empty() {
        return None;
    }
    Some(TempName {
        target,
        pid: parse_pid(pid)?,
    })
}

/// Removes, in `dir`, the temporary files left by dead processes for targets whose file name
/// satisfies `owns`; returns how many were removed. A writer calls it when it resumes or
/// restarts, with a predicate that matches exactly the file names it writes. Temporary files of
/// running processes (another writer at work, this process's own) and every other file are left
/// alone. A missing directory removes nothing.
///
/// # Errors
/// [`Error::Io`] naming the directory or the file when listing or removing fails.
pub fn remove_stale_temps(dir: &Path, owns: impl Fn(&str) -> bool) -> Result<usize> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut removed = 0;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(t) = parse_temp_name(name) else {
            continue;
        };
        if !owns(t.target) || process_running(t.pid) {
            continue;
        }
        if !entry.file_type().is_ok_and(|ft| ft.is_file()) {
            continue;
        }
        let path = entry.path();
        match std::fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    if removed > 0 {
        tracing::info!(dir = %dir.display(), removed, "removed stale temporary files of a killed run");
    }
    Ok(removed)
}

fn temp_name(target: &str, pid: u32, n: u64, rand: u32) -> String {
    format!(".{target}.{pid}.{n}.{rand:08x}.tmp")
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_pid(s: &str) -> Option<u32> {
    if is_digits(s) { s.parse().ok() } else { None }
}

/// 32 bits that differ between processes and calls (std's per-process random hash keys, the
/// clock and the counter): they keep names unique across hosts sharing a file system, where
/// process ids may repeat.
fn random32(n: u64) -> u32 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    let v = h.finish();
    (v ^ (v >> 32)) as u32
}

/// Whether process `pid` may still be running, so that files it names as its own may be in use:
/// true for the current process; on Linux, true when `/proc/{pid}` shows a process that has not
/// exited (a zombie has); on other platforms, false for every other process.
pub fn process_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // The state follows the parenthesised command name; a zombie has exited.
            Ok(stat) => !stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with(['Z', 'X'])),
            Err(_) => false,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dataprep-atomic-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// A process id that is not running: past Linux's `pid_max` limit (2²²).
    const DEAD: u32 = 4_194_305;

    #[test]
    fn commit_renames_and_drop_removes() {
        let d = tmp_dir("unit");
        let target = d.join("out.txt");
        let (guard, mut f) = TempFile::create(&target).unwrap();
        let tmp = guard.path().to_path_buf();
        assert_eq!(guard.target(), target);
        f.write_all(b"hello").unwrap();
        assert!(tmp.exists() && !target.exists());
        guard.commit(f).unwrap();
        assert!(!tmp.exists());
        assert_eq!(std::fs::read(&target).unwrap(), b"hello");

        let (guard, f) = TempFile::create(&target).unwrap();
        let tmp = guard.path().to_path_buf();
        drop(f);
        drop(guard);
        assert!(!tmp.exists());
        assert_eq!(std::fs::read(&target).unwrap(), b"hello");
        assert_eq!(names(&d), ["out.txt"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn missing_directory_is_an_io_error_naming_the_target() {
        let e = TempFile::create(Path::new("/nonexistent-dir-dataprep/x.jsonl")).unwrap_err();
        assert!(
            e.to_string().contains("/nonexistent-dir-dataprep/x.jsonl"),
            "{e}"
        );
    }

    #[test]
    fn temp_names_are_unique_and_parse_back() {
        let d = tmp_dir("names");
        let target = d.join("shard-000001.jsonl.zst");
        let (a, _fa) = TempFile::create(&target).unwrap();
        let (b, _fb) = TempFile::create(&target).unwrap();
        assert_ne!(a.path(), b.path());
        for g in [&a, &b] {
            let n = g.path().file_name().unwrap().to_str().unwrap();
            assert_eq!(
                parse_temp_name(n),
                Some(TempName {
                    target: "shard-000001.jsonl.zst",
                    pid: std::process::id()
                }),
                "{n}"
            );
        }
        // Legacy names.
        assert_eq!(
            parse_temp_name(".a.jsonl.77-3.tmp"),
            Some(TempName {
                target: "a.jsonl",
                pid: 77
            })
        );
        assert_eq!(
            parse_temp_name(".summary.json.tmp-12"),
            Some(TempName {
                target: "summary.json",
                pid: 12
            })
        );
        // Not ours.
        for n in [
            ".notes.tmp",
            "a.tmp",
            ".a.1.2.XYZ12345.tmp",
            ".a.1.2.abc.tmp",
            "..1.2.0000abcd.tmp",
            ".a.x-1.tmp",
            ".a.tmp-",
            ".a.tmp-1x",
            "a.jsonl",
        ] {
            assert_eq!(parse_temp_name(n), None, "{n}");
        }
        drop((a, b));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn stale_temps_of_own_targets_are_removed_and_nothing_else() {
        let d = tmp_dir("stale");
        let own = [
            temp_name("out.bin", DEAD, 0, 0xdead_beef),
            temp_name("out.bin", DEAD, 7, 0x0000_0001),
            format!(".out.bin.{DEAD}-3.tmp"),
            format!(".index.json.tmp-{DEAD}"),
        ];
        let foreign = [
            // Another target, a user's file, a live process's temp, a look-alike directory.
            temp_name("other.bin", DEAD, 0, 0xdead_beef),
            ".out.bin.tmp".to_owned(),
            ".foo.tmp".to_owned(),
            "out.bin".to_owned(),
            "out.bin.tmp".to_owned(),
            temp_name("out.bin", std::process::id(), 99, 0x1234_5678),
        ];
        for n in own.iter().chain(&foreign) {
            std::fs::write(d.join(n), b"x").unwrap();
        }
        std::fs::create_dir(d.join(temp_name("out.bin", DEAD, 1, 0xabcd_ef01))).unwrap();
        let removed = remove_stale_temps(&d, |t| t == "out.bin" || t == "index.json").unwrap();
        assert_eq!(removed, own.len());
        let mut expected: Vec<String> = foreign.to_vec();
        expected.push(temp_name("out.bin", DEAD, 1, 0xabcd_ef01));
        expected.sort();
        assert_eq!(names(&d), expected);
        assert_eq!(remove_stale_temps(&d.join("missing"), |_| true).unwrap(), 0);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn temps_of_a_running_process_are_kept() {
        let d = tmp_dir("alive");
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let name = temp_name("out.bin", child.id(), 0, 0x0bad_cafe);
        std::fs::write(d.join(&name), b"x").unwrap();
        assert_eq!(remove_stale_temps(&d, |_| true).unwrap(), 0);
        child.kill().unwrap();
        // Killed but not yet reaped (a zombie): gone for our purpose. The signal is delivered
        // asynchronously, so poll (bounded).
        let mut removed = 0;
        for _ in 0..200 {
            removed = remove_stale_temps(&d, |_| true).unwrap();
            if removed > 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(removed, 1);
        child.wait().unwrap();
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn concurrent_writers_of_one_target_never_collide() {
        let d = tmp_dir("concurrent");
        let target = d.join("same.bin");
        let payloads: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 256 * 1024]).collect();
        std::thread::scope(|s| {
            for p in &payloads {
                let target = &target;
                s.spawn(move || {
                    for _ in 0..4 {
                        let (tmp, mut f) = TempFile::create(target).unwrap();
                        for chunk in p.chunks(4096) {
                            f.write_all(chunk).unwrap();
                        }
                        tmp.commit(f).unwrap();
                    }
                });
            }
        });
        let got = std::fs::read(&target).unwrap();
        assert!(
            payloads.contains(&got),
            "the target is one writer's whole output"
        );
        assert_eq!(names(&d), ["same.bin"]);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
