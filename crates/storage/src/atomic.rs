//! Crash-safe output files: write to a temporary file next to the target, then fsync and rename.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use dataprep_core::{Error, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file in the target's directory (`.{name}.{pid}-{n}.tmp`), removed on drop unless
/// [`TempFile::commit`] renamed it into place.
///
/// The file is created with the default mode (0666 minus the umask), as `File::create` would give
/// the final file, so the committed file has ordinary permissions.
#[derive(Debug)]
pub(crate) struct TempFile {
    tmp: PathBuf,
    target: PathBuf,
    armed: bool,
}

impl TempFile {
    /// Creates the temporary file for `target` and returns it with its guard.
    pub(crate) fn create(target: &Path) -> Result<(TempFile, File)> {
        let name = target
            .file_name()
            .ok_or_else(|| Error::Config(format!("not a file path: {}", target.display())))?
            .to_string_lossy()
            .into_owned();
        let dir = parent_dir(target);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
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
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.tmp
    }

    /// Fsyncs `file` (the temporary file, fully written), renames it to the target and fsyncs the
    /// directory, so that after a crash the target holds either the old or the complete new file.
    pub(crate) fn commit(mut self, file: File) -> Result<()> {
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

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn tmp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dataprep-atomic-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn commit_renames_and_drop_removes() {
        let d = tmp_dir("unit");
        let target = d.join("out.txt");
        let (guard, mut f) = TempFile::create(&target).unwrap();
        let tmp = guard.path().to_path_buf();
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
}
