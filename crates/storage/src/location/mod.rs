//! Where data lives — a local path or an object-store URL — behind the few operations the
//! readers, the sharded writer, versioning and the cache need. Local paths go straight to
//! `std::fs` (the fast path); URLs go through [`object`] (feature `object-store`).
//!
//! This is the bottom layer of the crate: every format, the manifest, the sharded writer and
//! reader, versioning, the cache and the loader reach files and objects through it, and it
//! depends on nothing above it.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use dataprep_core::{Error, Result};

use crate::atomic::TempFile;
use crate::checksum::{self, Checksums};

#[cfg(feature = "object-store")]
pub mod object;

/// The manifest's file name inside a sharded output's directory (see [`crate::manifest`]).
pub const MANIFEST_FILE: &str = "manifest.json";

/// The last component of `path` (the whole path when it has none), for keys and messages.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// URL schemes opened through object storage; anything else is a local path.
const URL_SCHEMES: &[&str] = &[
    "s3", "s3a", "gs", "az", "adl", "azure", "abfs", "abfss", "http", "https", "file", "memory",
];

/// True when `location` is a URL of a store that the `object-store` feature opens (`s3://`,
/// `s3a://`, `gs://`, `az://`, `adl://`, `azure://`, `abfs(s)://`, `http(s)://`, `file://`,
/// `memory://`) rather than a local path.
///
/// ```
/// use dataprep_storage::is_url;
/// assert!(is_url("s3://bucket/data/train-000000.tar"));
/// assert!(is_url("file:///tmp/x.jsonl"));
/// assert!(!is_url("/tmp/x.jsonl"));
/// assert!(!is_url("C:\\data\\x.jsonl"));
/// ```
pub fn is_url(location: impl AsRef<Path>) -> bool {
    url_of(location.as_ref()).is_some()
}

/// The location as a URL string, if it is one.
pub(crate) fn url_of(location: &Path) -> Option<&str> {
    let s = location.to_str()?;
    let (scheme, rest) = s.split_once("://")?;
    (URL_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) && !rest.is_empty()).then_some(s)
}

/// The I/O error for a URL when the crate is built without object storage.
#[cfg(not(feature = "object-store"))]
fn no_feature(url: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("{url}: URLs need dataprep-storage's `object-store` feature"),
    )
}

/// Splits `scheme://bucket/a/b/name` into (`scheme://bucket/a/b`, `name`).
#[cfg(feature = "object-store")]
fn split_url(url: &str) -> (&str, &str) {
    let url = url.trim_end_matches('/');
    match url.rfind('/') {
        Some(i) if i >= url.find("://").map_or(0, |j| j + 3) => (&url[..i], &url[i + 1..]),
        _ => (url, ""),
    }
}

#[cfg(feature = "object-store")]
fn to_io(e: Error) -> io::Error {
    io::Error::other(e)
}

/// Opens a file or an object for streaming reads: the reader and the total size.
pub(crate) fn open_stream(path: &Path) -> io::Result<(Box<dyn Read + Send>, u64)> {
    match url_of(path) {
        None => {
            let f = File::open(path)?;
            let n = f.metadata()?.len();
            Ok((Box::new(f), n))
        }
        #[cfg(feature = "object-store")]
        Some(url) => {
            let (parent, name) = split_url(url);
            let store = object::ObjectStorage::open(parent).map_err(to_io)?;
            let r = store.reader(name).map_err(to_io)?;
            let n = r.object_size();
            Ok((Box::new(r), n))
        }
        #[cfg(not(feature = "object-store"))]
        Some(url) => Err(no_feature(url)),
    }
}

/// A random-access view of an object at a URL.
#[cfg(feature = "object-store")]
pub(crate) fn open_random(url: &str) -> io::Result<object::RandomAccess> {
    let (parent, name) = split_url(url);
    let store = object::ObjectStorage::open(parent).map_err(to_io)?;
    store.random_access(name).map_err(to_io)
}

/// Without object storage a URL cannot be opened (the type only matches the feature's).
#[cfg(not(feature = "object-store"))]
pub(crate) fn open_random(url: &str) -> io::Result<File> {
    Err(no_feature(url))
}

/// A directory: local, or a prefix of an object store.
#[derive(Debug, Clone)]
pub(crate) enum Dir {
    Local(PathBuf),
    #[cfg(feature = "object-store")]
    Remote(object::ObjectStorage),
}

impl Dir {
    /// The directory at a local path or URL (nothing is created).
    pub(crate) fn open(location: &Path) -> Result<Dir> {
        match url_of(location) {
            None => Ok(Dir::Local(location.to_path_buf())),
            #[cfg(feature = "object-store")]
            Some(url) => Ok(Dir::Remote(object::ObjectStorage::open(url)?)),
            #[cfg(not(feature = "object-store"))]
            Some(url) => Err(Error::Config(no_feature(url).to_string())),
        }
    }

    /// The directory holding the file (or object) at `location`, and the file's name.
    pub(crate) fn of_file(location: &Path) -> Result<(Dir, String)> {
        match url_of(location) {
            None => {
                let name = location
                    .file_name()
                    .ok_or_else(|| Error::Config(format!("not a file: {}", location.display())))?
                    .to_string_lossy()
                    .into_owned();
                let parent = match location.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                Ok((Dir::Local(parent), name))
            }
            #[cfg(feature = "object-store")]
            Some(url) => {
                let (parent, name) = split_url(url);
                if name.is_empty() {
                    return Err(Error::Config(format!("not an object URL: {url}")));
                }
                Ok((
                    Dir::Remote(object::ObjectStorage::open(parent)?),
                    name.to_owned(),
                ))
            }
            #[cfg(not(feature = "object-store"))]
            Some(url) => Err(Error::Config(no_feature(url).to_string())),
        }
    }

    /// True for an object-store prefix.
    pub(crate) fn is_remote(&self) -> bool {
        !matches!(self, Dir::Local(_))
    }

    /// Where `name` is, as a path (a URL for a remote directory): for messages, and for the
    /// readers, which accept both.
    pub(crate) fn location(&self, name: &str) -> PathBuf {
        match self {
            Dir::Local(d) => d.join(name),
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => PathBuf::from(format!("{}/{name}", s.url().trim_end_matches('/'))),
        }
    }

    /// Creates a local directory (object stores have none to create).
    pub(crate) fn create(&self) -> Result<()> {
        match self {
            Dir::Local(d) => std::fs::create_dir_all(d).map_err(|e| Error::io(d, e)),
            #[cfg(feature = "object-store")]
            Dir::Remote(_) => Ok(()),
        }
    }

    /// The bytes of `name`, or `None` when it does not exist.
    pub(crate) fn read(&self, name: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Dir::Local(d) => {
                let p = d.join(name);
                match std::fs::read(&p) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(Error::io(p, e)),
                }
            }
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => s.try_read(name),
        }
    }

    /// A streaming reader of `name`.
    pub(crate) fn reader(&self, name: &str) -> Result<Box<dyn Read + Send>> {
        match self {
            Dir::Local(d) => {
                let p = d.join(name);
                Ok(Box::new(File::open(&p).map_err(|e| Error::io(p, e))?))
            }
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => Ok(Box::new(s.reader(name)?)),
        }
    }

    /// Writes `name` atomically (local: temporary file, fsync, rename; object stores: one put).
    pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        match self {
            Dir::Local(d) => {
                let p = d.join(name);
                create_parent(&p)?;
                let (tmp, mut f) = TempFile::create(&p)?;
                io::Write::write_all(&mut f, bytes).map_err(|e| Error::io(&p, e))?;
                tmp.commit(f)
            }
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => s.write(name, bytes),
        }
    }

    /// Puts the complete local file `local` at `name`: a rename when it is already in this
    /// directory, a crash-safe copy to another local directory, a multipart upload to an object
    /// store (visible only once complete).
    pub(crate) fn put_file(&self, local: &Path, name: &str) -> Result<()> {
        match self {
            Dir::Local(d) => {
                let target = d.join(name);
                if local == target {
                    return Ok(());
                }
                if local.parent() == Some(d.as_path()) {
                    return std::fs::rename(local, &target).map_err(|e| Error::io(&target, e));
                }
                let mut src = File::open(local).map_err(|e| Error::io(local, e))?;
                create_parent(&target)?;
                let (tmp, mut f) = TempFile::create(&target)?;
                io::copy(&mut src, &mut f).map_err(|e| Error::io(&target, e))?;
                tmp.commit(f)
            }
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => s.upload(local, name).map(|_| ()),
        }
    }

    /// Copies a stream to `name` (local: crash-safely; object stores: multipart upload).
    pub(crate) fn put_stream(&self, src: &mut dyn Read, name: &str) -> Result<()> {
        match self {
            Dir::Local(d) => {
                let target = d.join(name);
                create_parent(&target)?;
                let (tmp, mut f) = TempFile::create(&target)?;
                io::copy(src, &mut f).map_err(|e| Error::io(&target, e))?;
                tmp.commit(f)
            }
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => s.upload_reader(src, name),
        }
    }

    /// The files directly in the directory (not hidden ones), with their sizes, sorted by name.
    pub(crate) fn list(&self) -> Result<Vec<(String, u64)>> {
        let mut out = match self {
            Dir::Local(d) => {
                let entries = match std::fs::read_dir(d) {
                    Ok(e) => e,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
                    Err(e) => return Err(Error::io(d, e)),
                };
                let mut v = Vec::new();
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.starts_with('.') {
                        continue;
                    }
                    if let Ok(m) = e.metadata()
                        && m.is_file()
                    {
                        v.push((name, m.len()));
                    }
                }
                v
            }
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => s
                .list("")?
                .into_iter()
                .filter(|o| !o.key.contains('/') && !o.key.starts_with('.'))
                .map(|o| (o.key, o.size))
                .collect(),
        };
        out.sort();
        Ok(out)
    }

    /// Every file under the directory, recursively, as (`/`-separated relative path, size),
    /// sorted by path. Hidden files and directories (a name starting with `.`, such as our
    /// writers' temporary files) are skipped at every level; symbolic links are not followed.
    pub(crate) fn list_all(&self) -> Result<Vec<(String, u64)>> {
        let mut out = match self {
            Dir::Local(root) => {
                let mut v = Vec::new();
                let mut stack = vec![root.clone()];
                while let Some(d) = stack.pop() {
                    let entries = match std::fs::read_dir(&d) {
                        Ok(e) => e,
                        Err(e) if e.kind() == io::ErrorKind::NotFound && d == *root => {
                            return Ok(Vec::new());
                        }
                        Err(e) => return Err(Error::io(&d, e)),
                    };
                    for e in entries {
                        let e = e.map_err(|err| Error::io(&d, err))?;
                        if e.file_name().to_string_lossy().starts_with('.') {
                            continue;
                        }
                        let ft = e.file_type().map_err(|err| Error::io(e.path(), err))?;
                        if ft.is_dir() {
                            stack.push(e.path());
                        } else if ft.is_file() {
                            let len = e.metadata().map_err(|err| Error::io(e.path(), err))?.len();
                            v.push((relative(root, &e.path()), len));
                        }
                    }
                }
                v
            }
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => s
                .list("")?
                .into_iter()
                .filter(|o| !o.key.split('/').any(|c| c.starts_with('.')))
                .map(|o| (o.key, o.size))
                .collect(),
        };
        out.sort();
        Ok(out)
    }

    /// The bytes `offset..offset + len` of `name` (fewer at its end).
    pub(crate) fn read_range(&self, name: &str, offset: u64, len: u64) -> io::Result<Vec<u8>> {
        match self {
            Dir::Local(d) => {
                use std::io::{Seek, SeekFrom};
                let mut f = File::open(d.join(name))?;
                f.seek(SeekFrom::Start(offset))?;
                let mut buf = Vec::with_capacity(len.min(1 << 30) as usize);
                f.take(len).read_to_end(&mut buf)?;
                Ok(buf)
            }
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => {
                let size = s.size(name).map_err(to_io)?.ok_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, format!("no object {name}"))
                })?;
                let end = offset.saturating_add(len).min(size);
                if offset >= end {
                    return Ok(Vec::new());
                }
                s.read_range(name, offset..end).map_err(to_io)
            }
        }
    }

    /// Deletes `name` (no error when it does not exist).
    pub(crate) fn delete(&self, name: &str) -> Result<()> {
        match self {
            Dir::Local(d) => {
                let p = d.join(name);
                match std::fs::remove_file(&p) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io(p, e)),
                    _ => Ok(()),
                }
            }
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => match s.size(name)? {
                Some(_) => s.delete(name),
                None => Ok(()),
            },
        }
    }

    /// The size of `name`, or `None` when it does not exist.
    pub(crate) fn size(&self, name: &str) -> Result<Option<u64>> {
        match self {
            Dir::Local(d) => {
                let p = d.join(name);
                match std::fs::metadata(&p) {
                    Ok(m) => Ok(Some(m.len())),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(Error::io(p, e)),
                }
            }
            #[cfg(feature = "object-store")]
            Dir::Remote(s) => s.size(name),
        }
    }

    /// Size, BLAKE3 and SHA-256 of `name` (streamed), or `None` when it does not exist.
    pub(crate) fn checksums(&self, name: &str) -> Result<Option<Checksums>> {
        if self.size(name)?.is_none() {
            return Ok(None);
        }
        let r = self.reader(name)?;
        checksum::of_reader(r)
            .map(Some)
            .map_err(|e| Error::io(self.location(name), e))
    }
}

/// Creates the parent directory of a local file.
fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => {
            std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))
        }
        _ => Ok(()),
    }
}

/// `p` relative to `root`, with `/` separators.
pub(crate) fn relative(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        for u in [
            "s3://b/k",
            "S3://b/k",
            "gs://b",
            "az://c/p",
            "abfss://c@a.dfs.core.windows.net/p",
            "https://h/p",
            "file:///tmp/x",
            "memory:///x",
        ] {
            assert!(is_url(u), "{u}");
        }
        for p in [
            "/tmp/x",
            "rel/x.jsonl",
            "C:\\x",
            "c:/x",
            "ftp://h/x",
            "s3://",
            "weird:name",
        ] {
            assert!(!is_url(p), "{p}");
        }
    }

    #[cfg(feature = "object-store")]
    #[test]
    fn split_urls() {
        assert_eq!(split_url("s3://b/a/x.tar"), ("s3://b/a", "x.tar"));
        assert_eq!(split_url("s3://b/x.tar"), ("s3://b", "x.tar"));
        assert_eq!(split_url("memory:///x.tar"), ("memory://", "x.tar"));
        assert_eq!(split_url("file:///tmp/d/x"), ("file:///tmp/d", "x"));
    }
}
