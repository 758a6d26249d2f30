//! Object storage behind one URL-based, blocking API (feature `object-store`): [`ObjectStorage`].
//!
//! `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix` (and the other Azure URL
//! forms), `http(s)://host/prefix` (read-only WebDAV/HTTP), `file:///abs/dir`, `memory:///` and
//! plain local paths all open the same [`ObjectStorage`]; keys are relative to the URL's prefix.
//! Cloud credentials and endpoints come from the usual environment variables (for S3:
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`,
//! `AWS_ALLOW_HTTP`, …) plus any `(key, value)` options given to [`ObjectStorage::open_with`].
//!
//! - **Retries**: every request is retried with exponential backoff on throttling and server
//!   errors (HTTP 429, 5xx such as S3's `503 SlowDown`) and on timeouts, by `object_store`'s
//!   retry layer; [`StorageOptions::with_max_retries`] and
//!   [`StorageOptions::with_retry_timeout`] bound it.
//! - **Streaming**: [`ObjectStorage::reader`] is a [`std::io::Read`] over the object's byte
//!   stream; [`ObjectStorage::upload`] sends a local file in 8 MiB multipart chunks, at most
//!   four in flight, so memory stays bounded whatever the file size.
//! - **Crash safety**: [`ObjectStorage::download`] writes through a temporary file and renames it;
//!   an upload becomes visible only when its multipart upload completes (object stores are
//!   atomic per object), and a failed one is aborted.
//!
//! The calls block on a private single-threaded Tokio runtime, so the API fits the synchronous
//! readers, writers and pipeline of this crate. Do not call it from inside an async runtime.
//!
//! **One client per store.** Opening the same bucket (container, host, or `memory://`) again, with
//! the same options, reuses its client, connection pool and runtime, whatever the prefix; so
//! opening one URL per file is cheap, and `memory:///` is one in-process store shared by every
//! open (as a bucket is).
//!
//! ```
//! use dataprep_storage::object::ObjectStorage;
//! # let dir = tempfile::tempdir()?;
//! let store = ObjectStorage::open(dir.path().to_str().unwrap())?;
//! store.write("a/b.txt", b"hello")?;
//! assert_eq!(store.read("a/b.txt")?, b"hello");
//! assert_eq!(store.read_range("a/b.txt", 1..3)?, b"el");
//! assert_eq!(store.list("a/")?[0].key, "a/b.txt");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use dataprep_core::{Error, Result};
use futures::StreamExt;
use object_store::path::Path;
use object_store::{
    GetOptions, GetRange, ObjectStore, ObjectStoreExt, ObjectStoreScheme, PutPayload, RetryConfig,
    WriteMultipart,
};
use url::Url;

use crate::atomic::TempFile;

/// Multipart chunk size of uploads.
const CHUNK: usize = 8 << 20;
/// Objects up to this size are written with one request.
const SINGLE_PUT: usize = 8 << 20;

/// Options for [`ObjectStorage::open_with`].
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct StorageOptions {
    options: Vec<(String, String)>,
    max_retries: Option<usize>,
    retry_timeout: Option<Duration>,
}

impl StorageOptions {
    /// A store option, as `object_store` names them (`aws_endpoint`, `aws_region`,
    /// `google_service_account`, `azure_storage_account_name`, `allow_http`, …).
    pub fn with_option(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.push((key.into(), value.into()));
        self
    }

    /// Retries per request at most (default 10).
    pub fn with_max_retries(mut self, n: usize) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// Gives up retrying a request after this long (default 3 minutes).
    pub fn with_retry_timeout(mut self, t: Duration) -> Self {
        self.retry_timeout = Some(t);
        self
    }

    fn retry(&self) -> RetryConfig {
        let mut r = RetryConfig::default();
        if let Some(n) = self.max_retries {
            r.max_retries = n;
        }
        if let Some(t) = self.retry_timeout {
            r.retry_timeout = t;
        }
        r
    }
}

/// One object in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectInfo {
    /// The key, relative to the storage's prefix.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
}

/// Clients (store and runtime) by store URL and options.
type Clients = HashMap<String, (Arc<dyn ObjectStore>, Arc<tokio::runtime::Runtime>)>;
static CLIENTS: OnceLock<Mutex<Clients>> = OnceLock::new();

/// A bucket (or directory) and prefix, opened from a URL; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct ObjectStorage {
    url: String,
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    rt: Arc<tokio::runtime::Runtime>,
}

fn err(url: &str, what: &str, e: impl Into<dataprep_core::BoxError>) -> Error {
    Error::other(format!("{what} {url}"), e)
}

macro_rules! cloud {
    ($builder:ty, $url:expr, $opts:expr) => {{
        let b = $opts.options.iter().fold(
            <$builder>::from_env()
                .with_url($url.as_str())
                .with_retry($opts.retry()),
            |b, (k, v)| match k.to_ascii_lowercase().parse() {
                Ok(key) => b.with_config(key, v),
                Err(_) => b,
            },
        );
        Arc::new(b.build().map_err(|e| err($url.as_str(), "opening", e))?) as Arc<dyn ObjectStore>
    }};
}

impl ObjectStorage {
    /// Opens a URL or local path with the default options.
    ///
    /// # Errors
    /// [`Error::Config`] for an unsupported URL; [`Error::Other`] when the store cannot be
    /// configured (for example missing credentials).
    pub fn open(url: &str) -> Result<ObjectStorage> {
        Self::open_with(url, &StorageOptions::default())
    }

    /// Opens a URL or local path with options.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_with(url: &str, opts: &StorageOptions) -> Result<ObjectStorage> {
        let parsed = match Url::parse(url) {
            Ok(u) if u.scheme().len() > 1 => u,
            // A plain (or Windows drive) path.
            _ => {
                let abs = std::path::absolute(url).map_err(|e| Error::io(url, e))?;
                std::fs::create_dir_all(&abs).map_err(|e| Error::io(&abs, e))?;
                Url::from_directory_path(&abs)
                    .map_err(|()| Error::Config(format!("not a usable path: {url}")))?
            }
        };
        let (scheme, prefix) = ObjectStoreScheme::parse(&parsed)
            .map_err(|e| Error::Config(format!("unsupported storage URL {url}: {e}")))?;
        // The store is the URL without the prefix's segments: one client per store and options.
        let segments: Vec<&str> = parsed
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        let keep = segments.len().saturating_sub(prefix.parts().count());
        let root = format!(
            "{}/{}|{opts:?}",
            &parsed[..url::Position::BeforePath],
            segments[..keep].join("/")
        );
        let clients = CLIENTS.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some((store, rt)) = clients.lock().expect("client cache").get(&root) {
            return Ok(ObjectStorage {
                url: url.to_owned(),
                store: Arc::clone(store),
                prefix,
                rt: Arc::clone(rt),
            });
        }
        let store: Arc<dyn ObjectStore> = match scheme {
            ObjectStoreScheme::Local => {
                let fs = object_store::local::LocalFileSystem::new().with_automatic_cleanup(true);
                Arc::new(fs)
            }
            ObjectStoreScheme::Memory => Arc::new(object_store::memory::InMemory::new()),
            ObjectStoreScheme::AmazonS3 => cloud!(object_store::aws::AmazonS3Builder, parsed, opts),
            ObjectStoreScheme::GoogleCloudStorage => {
                cloud!(object_store::gcp::GoogleCloudStorageBuilder, parsed, opts)
            }
            ObjectStoreScheme::MicrosoftAzure => {
                cloud!(object_store::azure::MicrosoftAzureBuilder, parsed, opts)
            }
            ObjectStoreScheme::Http => {
                let base = &parsed[..url::Position::BeforePath];
                let b = object_store::http::HttpBuilder::new()
                    .with_url(base)
                    .with_retry(opts.retry());
                Arc::new(b.build().map_err(|e| err(url, "opening", e))?)
            }
            other => {
                return Err(Error::Config(format!(
                    "unsupported storage URL {url} ({other:?})"
                )));
            }
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| err(url, "starting the I/O runtime for", e))?;
        let rt = Arc::new(rt);
        clients
            .lock()
            .expect("client cache")
            .entry(root)
            .or_insert_with(|| (Arc::clone(&store), Arc::clone(&rt)));
        Ok(ObjectStorage {
            url: url.to_owned(),
            store,
            prefix,
            rt,
        })
    }

    /// The URL this storage was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn path(&self, key: &str) -> Result<Path> {
        let rel =
            Path::parse(key).map_err(|e| Error::Config(format!("invalid key `{key}`: {e}")))?;
        Ok(self.prefix.parts().chain(rel.parts()).collect())
    }

    fn at(&self, key: &str) -> String {
        format!("{}/{key}", self.url.trim_end_matches('/'))
    }

    /// Reads a whole object.
    ///
    /// # Errors
    /// [`Error::Other`] naming the object (not found, permission, network after retries).
    pub fn read(&self, key: &str) -> Result<Vec<u8>> {
        let p = self.path(key)?;
        self.rt
            .block_on(async { self.store.get(&p).await?.bytes().await })
            .map(|b| b.to_vec())
            .map_err(|e| err(&self.at(key), "reading", e))
    }

    /// Reads a whole object, or `None` when there is none at `key`.
    ///
    /// # Errors
    /// As [`read`](Self::read), except for a missing object.
    pub fn try_read(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let p = self.path(key)?;
        match self
            .rt
            .block_on(async { self.store.get(&p).await?.bytes().await })
        {
            Ok(b) => Ok(Some(b.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(err(&self.at(key), "reading", e)),
        }
    }

    /// The size of an object, or `None` when there is none at `key`.
    ///
    /// # Errors
    /// [`Error::Other`] naming the object (permission, network after retries).
    pub fn size(&self, key: &str) -> Result<Option<u64>> {
        let p = self.path(key)?;
        match self.rt.block_on(self.store.head(&p)) {
            Ok(m) => Ok(Some(m.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(err(&self.at(key), "reading", e)),
        }
    }

    /// Reads the byte range `range` of an object.
    ///
    /// # Errors
    /// As [`read`](Self::read); a range past the end is an error.
    pub fn read_range(&self, key: &str, range: Range<u64>) -> Result<Vec<u8>> {
        let p = self.path(key)?;
        self.rt
            .block_on(self.store.get_range(&p, range))
            .map(|b| b.to_vec())
            .map_err(|e| err(&self.at(key), "reading", e))
    }

    /// A streaming reader of an object (chunks as the network delivers them).
    ///
    /// # Errors
    /// As [`read`](Self::read), for the request; later failures are I/O errors of `read`.
    pub fn reader(&self, key: &str) -> Result<ObjectReader> {
        self.reader_from(key, 0)
    }

    /// A streaming reader of an object from byte `offset` to its end.
    ///
    /// # Errors
    /// As [`reader`](Self::reader).
    pub fn reader_from(&self, key: &str, offset: u64) -> Result<ObjectReader> {
        let p = self.path(key)?;
        let opts = GetOptions {
            range: (offset > 0).then_some(GetRange::Offset(offset)),
            ..GetOptions::default()
        };
        let res = self
            .rt
            .block_on(self.store.get_opts(&p, opts))
            .map_err(|e| err(&self.at(key), "reading", e))?;
        let size = res.meta.size;
        Ok(ObjectReader {
            rt: Arc::clone(&self.rt),
            stream: res.into_stream(),
            chunk: bytes_empty(),
            pos: 0,
            size,
        })
    }

    /// A random-access view of an object: [`Read`] + [`Seek`] (and Parquet's `ChunkReader`)
    /// through ranged requests of [`RANGE_BLOCK`] bytes, the last few cached.
    ///
    /// # Errors
    /// As [`size`](Self::size); a missing object is an error.
    pub fn random_access(&self, key: &str) -> Result<RandomAccess> {
        let size = self.size(key)?.ok_or_else(|| {
            err(
                &self.at(key),
                "reading",
                io::Error::new(io::ErrorKind::NotFound, "no such object"),
            )
        })?;
        Ok(RandomAccess {
            blocks: Arc::new(Blocks {
                store: self.clone(),
                key: key.to_owned(),
                size,
                cached: Mutex::new(VecDeque::new()),
            }),
            pos: 0,
        })
    }

    /// Writes an object from memory (one request up to 8 MiB, multipart above).
    ///
    /// # Errors
    /// [`Error::Other`] naming the object.
    pub fn write(&self, key: &str, data: &[u8]) -> Result<()> {
        if data.len() <= SINGLE_PUT {
            let p = self.path(key)?;
            return self
                .rt
                .block_on(self.store.put(&p, PutPayload::from(data.to_vec())))
                .map(|_| ())
                .map_err(|e| err(&self.at(key), "writing", e));
        }
        self.upload_from(key, data)
    }

    /// Uploads a local file with a streaming multipart upload; returns its size.
    ///
    /// # Errors
    /// [`Error::Io`] for the local file; [`Error::Other`] naming the object (the multipart
    /// upload is aborted, so nothing partial becomes visible).
    pub fn upload(&self, local: impl AsRef<FsPath>, key: &str) -> Result<u64> {
        let local = local.as_ref();
        let f = std::fs::File::open(local).map_err(|e| Error::io(local, e))?;
        let n = f.metadata().map_err(|e| Error::io(local, e))?.len();
        self.upload_from(key, f)?;
        Ok(n)
    }

    /// Uploads a stream with a multipart upload (8 MiB parts, at most four in flight).
    ///
    /// # Errors
    /// As [`upload`](Self::upload).
    pub fn upload_reader(&self, src: &mut dyn Read, key: &str) -> Result<()> {
        self.upload_from(key, src)
    }

    fn upload_from(&self, key: &str, mut src: impl Read) -> Result<()> {
        let p = self.path(key)?;
        let at = self.at(key);
        self.rt.block_on(async {
            let upload = self
                .store
                .put_multipart(&p)
                .await
                .map_err(|e| err(&at, "writing", e))?;
            let mut w = WriteMultipart::new_with_chunk_size(upload, CHUNK);
            let mut buf = vec![0u8; CHUNK];
            loop {
                let k = match src.read(&mut buf) {
                    Ok(0) => break,
                    Ok(k) => k,
                    Err(e) => {
                        let _ = w.abort().await;
                        return Err(Error::io(&at, e));
                    }
                };
                if let Err(e) = w.wait_for_capacity(4).await {
                    return Err(err(&at, "writing", e));
                }
                w.write(&buf[..k]);
            }
            w.finish().await.map_err(|e| err(&at, "writing", e))?;
            Ok(())
        })
    }

    /// Downloads an object to a local file crash-safely (temporary file, fsync, rename);
    /// returns its size.
    ///
    /// # Errors
    /// [`Error::Other`] naming the object; [`Error::Io`] naming the local file.
    pub fn download(&self, key: &str, local: impl AsRef<FsPath>) -> Result<u64> {
        let local = local.as_ref();
        let (tmp, mut f) = TempFile::create(local)?;
        let mut r = self.reader(key)?;
        let n = std::io::copy(&mut r, &mut f).map_err(|e| Error::io(local, e))?;
        tmp.commit(f)?;
        Ok(n)
    }

    /// Lists the objects whose key starts with the directory `prefix` (`""` for all), sorted by
    /// key.
    ///
    /// # Errors
    /// [`Error::Other`] naming the prefix.
    pub fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>> {
        let p = self.path(prefix.trim_end_matches('/'))?;
        let base: Vec<_> = self.prefix.parts().collect();
        let mut out: Vec<ObjectInfo> = self.rt.block_on(async {
            let mut s = self.store.list(Some(&p));
            let mut v = Vec::new();
            while let Some(m) = s.next().await {
                let m = m.map_err(|e| err(&self.at(prefix), "listing", e))?;
                let key: Vec<String> = m
                    .location
                    .parts()
                    .skip(base.len())
                    .map(|p| p.as_ref().to_owned())
                    .collect();
                v.push(ObjectInfo {
                    key: key.join("/"),
                    size: m.size,
                });
            }
            Ok::<_, Error>(v)
        })?;
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// Deletes an object.
    ///
    /// # Errors
    /// [`Error::Other`] naming the object.
    pub fn delete(&self, key: &str) -> Result<()> {
        let p = self.path(key)?;
        self.rt
            .block_on(self.store.delete(&p))
            .map_err(|e| err(&self.at(key), "deleting", e))
    }

    /// Uploads every file of a local directory (not recursive) under `prefix/`, sorted by name,
    /// with `manifest.json` last so that a reader that sees the manifest sees every shard.
    /// Returns the uploaded keys.
    ///
    /// # Errors
    /// As [`upload`](Self::upload); hidden files (temporary files) are skipped.
    pub fn upload_dir(&self, dir: impl AsRef<FsPath>, prefix: &str) -> Result<Vec<String>> {
        let dir = dir.as_ref();
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort_by_key(|n| (n == crate::location::MANIFEST_FILE, n.clone()));
        let prefix = prefix.trim_end_matches('/');
        let mut keys = Vec::new();
        for n in names {
            let key = if prefix.is_empty() {
                n.clone()
            } else {
                format!("{prefix}/{n}")
            };
            self.upload(dir.join(&n), &key)?;
            keys.push(key);
        }
        Ok(keys)
    }
}

fn bytes_empty() -> bytes::Bytes {
    bytes::Bytes::new()
}

/// A blocking [`Read`] over an object's byte stream, from [`ObjectStorage::reader`].
pub struct ObjectReader {
    rt: Arc<tokio::runtime::Runtime>,
    stream: futures::stream::BoxStream<'static, object_store::Result<bytes::Bytes>>,
    chunk: bytes::Bytes,
    pos: usize,
    size: u64,
}

impl ObjectReader {
    /// The size of the whole object (not of the range read).
    pub fn object_size(&self) -> u64 {
        self.size
    }
}

impl std::fmt::Debug for ObjectReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectReader").finish_non_exhaustive()
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.rt.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(c)) => {
                    self.chunk = c;
                    self.pos = 0;
                }
                Some(Err(e)) => return Err(std::io::Error::other(e)),
            }
        }
        let k = buf.len().min(self.chunk.len() - self.pos);
        buf[..k].copy_from_slice(&self.chunk[self.pos..self.pos + k]);
        self.pos += k;
        Ok(k)
    }
}

/// Bytes per ranged request of a [`RandomAccess`] view (4 MiB).
pub const RANGE_BLOCK: u64 = 4 << 20;
/// Blocks a [`RandomAccess`] view keeps (so at most 64 MiB per open object).
const RANGE_BLOCKS_CACHED: usize = 16;

/// The blocks of one object, fetched on demand, the most recently used kept.
struct Blocks {
    store: ObjectStorage,
    key: String,
    size: u64,
    cached: Mutex<VecDeque<(u64, bytes::Bytes)>>,
}

impl Blocks {
    fn block(&self, i: u64) -> io::Result<bytes::Bytes> {
        {
            let mut c = self.cached.lock().expect("block cache");
            if let Some(pos) = c.iter().position(|(j, _)| *j == i) {
                let b = c.remove(pos).expect("present");
                c.push_front(b.clone());
                return Ok(b.1);
            }
        }
        let start = i * RANGE_BLOCK;
        let end = (start + RANGE_BLOCK).min(self.size);
        let data = self.fetch(start..end)?;
        let mut c = self.cached.lock().expect("block cache");
        c.push_front((i, data.clone()));
        c.truncate(RANGE_BLOCKS_CACHED);
        Ok(data)
    }

    fn fetch(&self, range: Range<u64>) -> io::Result<bytes::Bytes> {
        let p = self.store.path(&self.key).map_err(io::Error::other)?;
        self.store
            .rt
            .block_on(self.store.store.get_range(&p, range))
            .map_err(io::Error::other)
    }

    /// Copies bytes at `pos` into `buf`; 0 at the end.
    fn read_at(&self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
        if pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let b = self.block(pos / RANGE_BLOCK)?;
        let off = (pos % RANGE_BLOCK) as usize;
        let k = buf.len().min(b.len().saturating_sub(off));
        buf[..k].copy_from_slice(&b[off..off + k]);
        Ok(k)
    }
}

/// A random-access view of an object (from [`ObjectStorage::random_access`]): [`Read`] +
/// [`Seek`], and Parquet's `ChunkReader`. Clones share the block cache but not the position.
#[derive(Clone)]
pub struct RandomAccess {
    blocks: Arc<Blocks>,
    pos: u64,
}

impl std::fmt::Debug for RandomAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RandomAccess")
            .field("key", &self.blocks.key)
            .field("size", &self.blocks.size)
            .field("pos", &self.pos)
            .finish()
    }
}

impl RandomAccess {
    /// The object's size.
    pub fn size(&self) -> u64 {
        self.blocks.size
    }
}

impl Read for RandomAccess {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.blocks.read_at(self.pos, buf)?;
        self.pos += k as u64;
        Ok(k)
    }
}

impl Seek for RandomAccess {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let size = self.blocks.size as i128;
        let target = match to {
            SeekFrom::Start(n) => i128::from(n),
            SeekFrom::End(d) => size + i128::from(d),
            SeekFrom::Current(d) => i128::from(self.pos) + i128::from(d),
        };
        if target < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the object",
            ));
        }
        self.pos = u64::try_from(target).unwrap_or(u64::MAX);
        Ok(self.pos)
    }
}

impl parquet::file::reader::Length for RandomAccess {
    fn len(&self) -> u64 {
        self.blocks.size
    }
}

impl parquet::file::reader::ChunkReader for RandomAccess {
    type T = RandomAccess;

    fn get_read(&self, start: u64) -> parquet::errors::Result<RandomAccess> {
        Ok(RandomAccess {
            blocks: Arc::clone(&self.blocks),
            pos: start,
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        let end = start + length as u64;
        if end > self.blocks.size {
            return Err(parquet::errors::ParquetError::EOF(format!(
                "range {start}..{end} is past the end of {} ({} bytes)",
                self.blocks.key, self.blocks.size
            )));
        }
        // A range inside one block comes from the cache; a larger one is one request.
        if start / RANGE_BLOCK == (end.max(1) - 1) / RANGE_BLOCK {
            let b = self
                .blocks
                .block(start / RANGE_BLOCK)
                .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?;
            let off = (start % RANGE_BLOCK) as usize;
            return Ok(b.slice(off..off + length));
        }
        self.blocks
            .fetch(start..end)
            .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))
    }
}
