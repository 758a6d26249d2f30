//! [`ReadOnce`]: a source read once, even by a run that first looks at its head.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::dataset::{IterableDataset, Records, Shard};
use crate::error::{Error, RecordError, Result};
use crate::record::Record;

/// A dataset over one opened stream of another dataset, whose head can be read first.
///
/// [`ReadOnce::new`] opens the source once. [`head`](ReadOnce::head) is a dataset over the same
/// stream that keeps in memory every item it yields, up to
/// [`with_max_head_bytes`](ReadOnce::with_max_head_bytes) of records, and ends there (or where
/// its reader stops). Opening the `ReadOnce` itself then yields the kept items first and the rest
/// of the stream after: a short run over the head (to train a tokenizer on a sample, say) and a
/// full run over the `ReadOnce` together read the input exactly once, and the full run sees
/// every item, in order, as if the head had never been read.
///
/// The head yields copies: records are cloned, and a record error is copied without its
/// `source` (the original, with its source, is the one the full run sees). A `ReadOnce` can be
/// opened once; it reads its source by position, so a [`Shard`] other than [`Shard::ALL`] keeps
/// every `world_size`-th item.
///
/// ```
/// use dataprep_core::{IterableDataset, ReadOnce, Record, VecDataset};
/// let src = VecDataset::new((0..5).map(|i| Record::new().with("i", i as i64)).collect());
/// let once = ReadOnce::new(&src)?;
/// let first_two: Vec<_> = once.head().iter()?.take(2).collect();
/// assert_eq!(first_two.len(), 2);
/// let all: Vec<i64> = once.iter()?.map(|r| r.unwrap().i64("i").unwrap()).collect();
/// assert_eq!(all, [0, 1, 2, 3, 4]);
/// assert!(once.iter().is_err(), "opened once");
/// # Ok::<(), dataprep_core::Error>(())
/// ```
pub struct ReadOnce<'a> {
    state: Mutex<State<'a>>,
    max_head_bytes: u64,
}

struct State<'a> {
    stream: Records<'a>,
    kept: VecDeque<Result<Record>>,
    kept_bytes: u64,
    opened: bool,
}

impl std::fmt::Debug for ReadOnce<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f.debug_struct("ReadOnce")
            .field("kept", &st.kept.len())
            .field("kept_bytes", &st.kept_bytes)
            .field("max_head_bytes", &self.max_head_bytes)
            .field("opened", &st.opened)
            .finish()
    }
}

impl<'a> ReadOnce<'a> {
    /// Opens `source` (whole) once; the head may keep up to 256 MiB of records.
    ///
    /// # Errors
    /// The source's error when it cannot be opened.
    pub fn new<D: IterableDataset + ?Sized>(source: &'a D) -> Result<Self> {
        Ok(ReadOnce {
            state: Mutex::new(State {
                stream: source.open(Shard::ALL)?,
                kept: VecDeque::new(),
                kept_bytes: 0,
                opened: false,
            }),
            max_head_bytes: 256 << 20,
        })
    }

    /// The head ends once the records it kept reach this many bytes (estimated with
    /// [`Record::approx_size`]): the memory a head run may hold.
    #[must_use]
    pub fn with_max_head_bytes(mut self, bytes: u64) -> Self {
        self.max_head_bytes = bytes;
        self
    }

    /// The head: a dataset over the stream that keeps what it yields for the full run.
    pub fn head(&self) -> Head<'_, 'a> {
        Head { once: self }
    }

    /// Items the head read and kept (the full run yields them first).
    pub fn kept(&self) -> usize {
        self.lock().kept.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<'a>> {
        // A panic while holding the lock leaves a consistent queue: keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A copy of a stream item for the head (the original goes to the full run).
fn copy_item(item: &Result<Record>) -> Result<Record> {
    match item {
        Ok(r) => Ok(r.clone()),
        Err(Error::Record(e)) => {
            let mut c = RecordError::new(e.kind, e.message.clone());
            c.stage = e.stage.clone();
            c.key = e.key.clone();
            c.location = e.location.clone();
            Err(c.into())
        }
        Err(e) => Err(Error::Config(format!("reading the source: {e}"))),
    }
}

/// The head of a [`ReadOnce`] (see there).
#[derive(Debug)]
pub struct Head<'o, 'a> {
    once: &'o ReadOnce<'a>,
}

impl IterableDataset for Head<'_, '_> {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        if self.once.lock().opened {
            return Err(Error::Config(
                "the head of a ReadOnce cannot be read after the ReadOnce itself".into(),
            ));
        }
        let once = self.once;
        // Items kept by an earlier head run come first, then new ones from the stream.
        let mut next = 0usize;
        let it = std::iter::from_fn(move || {
            let mut st = once.lock();
            if let Some(item) = st.kept.get(next) {
                next += 1;
                return Some(copy_item(item));
            }
            if st.kept_bytes >= once.max_head_bytes {
                return None;
            }
            let item = st.stream.next()?;
            if let Ok(r) = &item {
                st.kept_bytes += r.approx_size() as u64;
            }
            let copy = copy_item(&item);
            st.kept.push_back(item);
            next += 1;
            Some(copy)
        });
        Ok(shard.stride(Box::new(it)))
    }
}

impl IterableDataset for ReadOnce<'_> {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        {
            let mut st = self.lock();
            if st.opened {
                return Err(Error::Config("a ReadOnce can be opened once".into()));
            }
            st.opened = true;
        }
        let it = std::iter::from_fn(move || {
            let mut st = self.lock();
            match st.kept.pop_front() {
                Some(item) => Some(item),
                None => st.stream.next(),
            }
        });
        Ok(shard.stride(Box::new(it)))
    }
}
