//! Dataset traits: [`IterableDataset`] (streaming, shardable) and [`Dataset`] (random access), with
//! in-memory implementations and lazy adapters.
//!
//! The names follow PyTorch: an *iterable* dataset is read front to back, any number of times, as a
//! whole or one [`Shard`] of it; a (map-style) dataset has a length and gives record `i` on demand.
//!
//! ```
//! use dataprep_core::{IterableDataset, IterableDatasetExt, Record, Shard, VecDataset};
//! let ds = VecDataset::new((0..10).map(|i| Record::new().with("i", i as i64)).collect());
//! let evens = (&ds).filter(|r| r.i64("i").unwrap_or(1) % 2 == 0).take(3);
//! let got: Vec<i64> = evens.iter()?.map(|r| r.unwrap().i64("i").unwrap()).collect();
//! assert_eq!(got, vec![0, 2, 4]);
//! // Shards partition the records.
//! let n: usize = (0..3).map(|k| ds.open(Shard::new(k, 3).unwrap()).unwrap().count()).sum();
//! assert_eq!(n, 10);
//! # Ok::<(), dataprep_core::Error>(())
//! ```

use std::sync::Arc;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::record::Record;
use crate::schema::Schema;

/// A stream of records, as returned by [`IterableDataset::open`].
pub type Records<'a> = Box<dyn Iterator<Item = Result<Record>> + Send + 'a>;

/// One part of a dataset split `world_size` ways; part `rank` holds the items whose index `i`
/// (file or record, as the dataset decides) has `i % world_size == rank`, as datatrove does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// This part, `0..world_size`.
    pub rank: usize,
    /// Number of parts.
    pub world_size: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Shard::ALL
    }
}

impl Shard {
    /// The whole dataset.
    pub const ALL: Shard = Shard {
        rank: 0,
        world_size: 1,
    };

    /// Part `rank` of `world_size`.
    ///
    /// # Errors
    /// [`Error::Config`] when `world_size == 0` or `rank >= world_size`.
    pub fn new(rank: usize, world_size: usize) -> Result<Self> {
        if world_size == 0 || rank >= world_size {
            return Err(Error::Config(format!(
                "invalid shard {rank} of {world_size}"
            )));
        }
        Ok(Shard { rank, world_size })
    }

    /// True for the whole dataset.
    pub fn is_all(&self) -> bool {
        self.world_size == 1
    }

    /// True when item `index` belongs to this shard.
    pub fn contains(&self, index: usize) -> bool {
        index % self.world_size == self.rank
    }

    /// The items of `items` that belong to this shard (for example a dataset's files).
    pub fn select<'a, T>(&self, items: &'a [T]) -> impl Iterator<Item = &'a T> + 'a {
        items.iter().skip(self.rank).step_by(self.world_size)
    }

    /// Shard `inner` of this shard: the composition is again a shard of the whole.
    pub fn then(&self, inner: Shard) -> Shard {
        Shard {
            rank: self.rank + self.world_size * inner.rank,
            world_size: self.world_size * inner.world_size,
        }
    }

    /// Keeps the stream's items that belong to this shard, by position.
    pub fn stride<'a>(&self, records: Records<'a>) -> Records<'a> {
        if self.is_all() {
            records
        } else {
            Box::new(records.skip(self.rank).step_by(self.world_size))
        }
    }
}

/// A streaming dataset: read front to back, whole or by [`Shard`], any number of times.
///
/// Implementors decide what a shard is (files for multi-file readers, records otherwise) but the
/// shards of one `world_size` must partition the dataset.
pub trait IterableDataset: Send + Sync {
    /// Opens one shard for reading.
    ///
    /// # Errors
    /// A fatal error when the data cannot be opened at all; per-record problems come as
    /// [`Error::Record`] items of the stream.
    fn open(&self, shard: Shard) -> Result<Records<'_>>;

    /// The exact number of records, when known without reading.
    fn len_hint(&self) -> Option<u64> {
        None
    }

    /// The schema, when known without reading.
    fn schema(&self) -> Option<Schema> {
        None
    }

    /// Opens the whole dataset.
    fn iter(&self) -> Result<Records<'_>> {
        self.open(Shard::ALL)
    }
}

/// A random-access dataset: a length and record `i` on demand.
pub trait Dataset: Send + Sync {
    /// Number of records.
    fn len(&self) -> usize;

    /// Record `index`.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] past the end; a record error when the record cannot be decoded.
    fn get(&self, index: usize) -> Result<Record>;

    /// True when there are no records.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The schema, when known.
    fn schema(&self) -> Option<Schema> {
        None
    }
}

macro_rules! forward_impls {
    ($($ptr:ty),*) => {$(
        impl<T: IterableDataset + ?Sized> IterableDataset for $ptr {
            fn open(&self, shard: Shard) -> Result<Records<'_>> { (**self).open(shard) }
            fn len_hint(&self) -> Option<u64> { (**self).len_hint() }
            fn schema(&self) -> Option<Schema> { (**self).schema() }
        }
        impl<T: Dataset + ?Sized> Dataset for $ptr {
            fn len(&self) -> usize { (**self).len() }
            fn get(&self, index: usize) -> Result<Record> { (**self).get(index) }
            fn schema(&self) -> Option<Schema> { (**self).schema() }
        }
    )*};
}
forward_impls!(&T, Box<T>, Arc<T>);

/// Records held in memory; both an [`IterableDataset`] (sharded by record index) and a [`Dataset`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VecDataset {
    records: Vec<Record>,
}

impl VecDataset {
    /// A dataset of these records.
    pub fn new(records: Vec<Record>) -> Self {
        VecDataset { records }
    }

    /// The records.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Takes the records out.
    pub fn into_records(self) -> Vec<Record> {
        self.records
    }
}

impl From<Vec<Record>> for VecDataset {
    fn from(records: Vec<Record>) -> Self {
        VecDataset::new(records)
    }
}

impl FromIterator<Record> for VecDataset {
    fn from_iter<I: IntoIterator<Item = Record>>(iter: I) -> Self {
        VecDataset::new(iter.into_iter().collect())
    }
}

impl IterableDataset for VecDataset {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        Ok(Box::new(shard.select(&self.records).cloned().map(Ok)))
    }
    fn len_hint(&self) -> Option<u64> {
        Some(self.records.len() as u64)
    }
}

impl Dataset for VecDataset {
    fn len(&self) -> usize {
        self.records.len()
    }
    fn get(&self, index: usize) -> Result<Record> {
        self.records.get(index).cloned().ok_or(Error::OutOfRange {
            index,
            len: self.records.len(),
        })
    }
}

/// An iterable dataset from a function that opens a shard.
pub struct FnDataset<F> {
    open: F,
}

impl<F> std::fmt::Debug for FnDataset<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnDataset")
    }
}

impl<F> FnDataset<F>
where
    F: Fn(Shard) -> Result<Records<'static>> + Send + Sync,
{
    /// A dataset whose shards are opened by `open`.
    pub fn new(open: F) -> Self {
        FnDataset { open }
    }
}

impl<F> IterableDataset for FnDataset<F>
where
    F: Fn(Shard) -> Result<Records<'static>> + Send + Sync,
{
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        (self.open)(shard)
    }
}

// ----------------------------------------------------------------------------------------------
// Iterable adapters

/// Lazy adapters over any [`IterableDataset`].
pub trait IterableDatasetExt: IterableDataset + Sized {
    /// Applies `f` to every record (errors pass through).
    fn map<F>(self, f: F) -> MapDataset<Self, F>
    where
        F: Fn(Record) -> Result<Record> + Send + Sync,
    {
        MapDataset { inner: self, f }
    }

    /// Keeps the records for which `f` is true.
    fn filter<F>(self, f: F) -> FilterDataset<Self, F>
    where
        F: Fn(&Record) -> bool + Send + Sync,
    {
        FilterDataset { inner: self, f }
    }

    /// The first `n` records of the whole dataset (then sharded by position).
    fn take(self, n: usize) -> TakeDataset<Self> {
        TakeDataset {
            inner: self,
            skip: 0,
            take: Some(n),
        }
    }

    /// All but the first `n` records of the whole dataset (then sharded by position).
    fn skip(self, n: usize) -> TakeDataset<Self> {
        TakeDataset {
            inner: self,
            skip: n,
            take: None,
        }
    }

    /// This dataset followed by `other` (each sharded on its own).
    fn chain<B: IterableDataset>(self, other: B) -> ChainDataset<Self, B> {
        ChainDataset { a: self, b: other }
    }

    /// Shuffles through a buffer of `buffer` records, seeded (and mixed with the shard rank), as
    /// streaming loaders do: the same seed gives the same order.
    fn shuffle(self, seed: u64, buffer: usize) -> ShuffleDataset<Self> {
        ShuffleDataset {
            inner: self,
            seed,
            buffer: buffer.max(1),
        }
    }

    /// Fixes a shard: the result is this part only, and can be sharded further.
    fn sharded(self, shard: Shard) -> ShardedDataset<Self> {
        ShardedDataset { inner: self, shard }
    }
}

impl<T: IterableDataset> IterableDatasetExt for T {}

/// See [`IterableDatasetExt::map`] and [`DatasetExt::mapped`].
#[derive(Debug, Clone)]
pub struct MapDataset<D, F> {
    inner: D,
    f: F,
}

impl<D: IterableDataset, F: Fn(Record) -> Result<Record> + Send + Sync> IterableDataset
    for MapDataset<D, F>
{
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        let f = &self.f;
        Ok(Box::new(
            self.inner.open(shard)?.map(move |r| r.and_then(f)),
        ))
    }
    fn len_hint(&self) -> Option<u64> {
        self.inner.len_hint()
    }
}

/// See [`IterableDatasetExt::filter`].
#[derive(Debug, Clone)]
pub struct FilterDataset<D, F> {
    inner: D,
    f: F,
}

impl<D: IterableDataset, F: Fn(&Record) -> bool + Send + Sync> IterableDataset
    for FilterDataset<D, F>
{
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        let f = &self.f;
        Ok(Box::new(
            self.inner
                .open(shard)?
                .filter(move |r| r.as_ref().map_or(true, f)),
        ))
    }
    fn schema(&self) -> Option<Schema> {
        self.inner.schema()
    }
}

/// See [`IterableDatasetExt::take`] and [`IterableDatasetExt::skip`].
#[derive(Debug, Clone)]
pub struct TakeDataset<D> {
    inner: D,
    skip: usize,
    take: Option<usize>,
}

impl<D: IterableDataset> IterableDataset for TakeDataset<D> {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        let it = self.inner.open(Shard::ALL)?.skip(self.skip);
        let it: Records<'_> = match self.take {
            Some(n) => Box::new(it.take(n)),
            None => Box::new(it),
        };
        Ok(shard.stride(it))
    }
    fn len_hint(&self) -> Option<u64> {
        let n = self.inner.len_hint()?.saturating_sub(self.skip as u64);
        Some(self.take.map_or(n, |t| n.min(t as u64)))
    }
    fn schema(&self) -> Option<Schema> {
        self.inner.schema()
    }
}

/// See [`IterableDatasetExt::chain`].
#[derive(Debug, Clone)]
pub struct ChainDataset<A, B> {
    a: A,
    b: B,
}

impl<A: IterableDataset, B: IterableDataset> IterableDataset for ChainDataset<A, B> {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        Ok(Box::new(self.a.open(shard)?.chain(self.b.open(shard)?)))
    }
    fn len_hint(&self) -> Option<u64> {
        Some(self.a.len_hint()? + self.b.len_hint()?)
    }
}

/// See [`IterableDatasetExt::shuffle`].
#[derive(Debug, Clone)]
pub struct ShuffleDataset<D> {
    inner: D,
    seed: u64,
    buffer: usize,
}

impl<D: IterableDataset> IterableDataset for ShuffleDataset<D> {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        let seed = crate::rng::derive_seed(self.seed, "shuffle", &shard.rank.to_string());
        Ok(Box::new(BufferShuffle {
            inner: self.inner.open(shard)?,
            buf: Vec::with_capacity(self.buffer.min(1 << 16)),
            cap: self.buffer,
            rng: ChaCha8Rng::from_seed(seed),
            drained: false,
        }))
    }
    fn len_hint(&self) -> Option<u64> {
        self.inner.len_hint()
    }
    fn schema(&self) -> Option<Schema> {
        self.inner.schema()
    }
}

struct BufferShuffle<'a> {
    inner: Records<'a>,
    buf: Vec<Result<Record>>,
    cap: usize,
    rng: ChaCha8Rng,
    drained: bool,
}

impl Iterator for BufferShuffle<'_> {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        use rand::RngExt as _;
        while !self.drained && self.buf.len() < self.cap {
            match self.inner.next() {
                Some(r) => self.buf.push(r),
                None => self.drained = true,
            }
        }
        if self.buf.is_empty() {
            return None;
        }
        let i = self.rng.random_range(0..self.buf.len());
        Some(self.buf.swap_remove(i))
    }
}

/// See [`IterableDatasetExt::sharded`].
#[derive(Debug, Clone)]
pub struct ShardedDataset<D> {
    inner: D,
    shard: Shard,
}

impl<D: IterableDataset> IterableDataset for ShardedDataset<D> {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        self.inner.open(self.shard.then(shard))
    }
    fn schema(&self) -> Option<Schema> {
        self.inner.schema()
    }
}

// ----------------------------------------------------------------------------------------------
// Random-access adapters

/// Lazy adapters over any [`Dataset`].
pub trait DatasetExt: Dataset + Sized {
    /// A seeded permutation of the records (Fisher–Yates with ChaCha8: the same seed gives the same
    /// order on every platform and thread count).
    fn shuffled(self, seed: u64) -> ShuffledDataset<Self> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut ChaCha8Rng::from_seed(crate::rng::derive_seed(
            seed, "shuffled", "",
        )));
        ShuffledDataset { inner: self, order }
    }

    /// Records `range` only.
    fn slice(self, range: std::ops::Range<usize>) -> SliceDataset<Self> {
        let end = range.end.min(self.len());
        SliceDataset {
            inner: self,
            start: range.start.min(end),
            end,
        }
    }

    /// Applies `f` to every record read.
    fn mapped<F>(self, f: F) -> MapDataset<Self, F>
    where
        F: Fn(Record) -> Result<Record> + Send + Sync,
    {
        MapDataset { inner: self, f }
    }

    /// Reads the records in index order as an [`IterableDataset`] (sharded by index).
    fn into_iterable(self) -> AsIterable<Self> {
        AsIterable { inner: self }
    }
}

impl<T: Dataset> DatasetExt for T {}

impl<D: Dataset, F: Fn(Record) -> Result<Record> + Send + Sync> Dataset for MapDataset<D, F> {
    fn len(&self) -> usize {
        self.inner.len()
    }
    fn get(&self, index: usize) -> Result<Record> {
        (self.f)(self.inner.get(index)?)
    }
}

/// See [`DatasetExt::shuffled`].
#[derive(Debug, Clone)]
pub struct ShuffledDataset<D> {
    inner: D,
    order: Vec<usize>,
}

impl<D: Dataset> Dataset for ShuffledDataset<D> {
    fn len(&self) -> usize {
        self.order.len()
    }
    fn get(&self, index: usize) -> Result<Record> {
        let i = *self.order.get(index).ok_or(Error::OutOfRange {
            index,
            len: self.order.len(),
        })?;
        self.inner.get(i)
    }
    fn schema(&self) -> Option<Schema> {
        self.inner.schema()
    }
}

/// See [`DatasetExt::slice`].
#[derive(Debug, Clone)]
pub struct SliceDataset<D> {
    inner: D,
    start: usize,
    end: usize,
}

impl<D: Dataset> Dataset for SliceDataset<D> {
    fn len(&self) -> usize {
        self.end - self.start
    }
    fn get(&self, index: usize) -> Result<Record> {
        if index >= self.len() {
            return Err(Error::OutOfRange {
                index,
                len: self.len(),
            });
        }
        self.inner.get(self.start + index)
    }
    fn schema(&self) -> Option<Schema> {
        self.inner.schema()
    }
}

/// See [`DatasetExt::into_iterable`].
#[derive(Debug, Clone)]
pub struct AsIterable<D> {
    inner: D,
}

impl<D: Dataset> IterableDataset for AsIterable<D> {
    fn open(&self, shard: Shard) -> Result<Records<'_>> {
        let n = self.inner.len();
        Ok(Box::new(
            (shard.rank..n)
                .step_by(shard.world_size)
                .map(move |i| self.inner.get(i)),
        ))
    }
    fn len_hint(&self) -> Option<u64> {
        Some(self.inner.len() as u64)
    }
    fn schema(&self) -> Option<Schema> {
        self.inner.schema()
    }
}
