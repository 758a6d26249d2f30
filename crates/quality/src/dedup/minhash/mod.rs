//! MinHash LSH near-deduplication, compatible with datatrove 0.10.1's `MinhashDedup*` blocks.
//!
//! A document's text is normalised ([`simplify_text`]), cut into shingles (word n-grams from
//! spaCy-compatible word splitting, or character n-grams), each shingle hashed with XXH64 and
//! permuted by `b` × `r` universal hash functions `(a·x + b) mod (2⁶¹ − 1)` whose parameters come
//! from NumPy's `RandomState(seed)` exactly as datatrove draws them — so signatures are
//! datatrove's, value for value (golden-tested). Two documents are candidates when all `r` values
//! of any one of the `b` bands agree; the probability is `1 − (1 − s^r)^b` for Jaccard `s`.
//!
//! Presets: [`MinHashConfig::datatrove`] (word 5-grams, 14 bands × 8 rows, threshold ≈ 0.72) and
//! [`MinHashConfig::nemo`] (character 24-grams, 20 × 13, ≈ 0.79).
//!
//! # Hash families
//! [`HashFamily::Datatrove`] (the default) is the family above, with datatrove's exact values.
//! [`HashFamily::Fast32`] (`config.with_family(HashFamily::Fast32)`) hashes each shingle once with
//! XXH3-64 and permutes 32 bits of it per hash function with `(a·x + b) mod 2³²` in u32 lanes:
//! several times faster, not datatrove-identical, and two different minima agree by chance with
//! probability ≈ 2⁻³² (a slightly higher Jaccard estimate for huge sets). Both families run in
//! loops that are vectorised for the CPU at run time (AVX2 or AVX-512 where present, through
//! `pulp`); banding, LSH, clusters and the file stages work the same for both, and signature
//! files record their [`MinHashConfig`] so that files of different families are never mixed
//! ([`Error::IncompatibleSignatures`]).
//!
//! # In memory
//! [`near_clusters`] computes everything for a slice of texts and returns, per text, the index of
//! the text kept for its cluster (the lowest index).
//!
//! # At scale: four file stages
//! Each stage reads and writes files, so each can run as its own job per shard or per band:
//! 1. [`write_signatures`] (per input shard): one file per band, `sigs/band_BBB/SSSSS.sig`, with
//!    datatrove's record layout (`r` little-endian u64 hashes then the u32 document index), sorted.
//!    Memory is bounded by [`SignatureOptions::max_buffered`]: full buffers are sorted and spilled
//!    as runs, then k-way merged.
//! 2. [`find_matches`] (per band): a streaming k-way merge of every shard's file for the band (and
//!    of an existing index, see [`IndexRef`]) writes the matching pairs to `matches/band_BBB.pairs`.
//! 3. [`build_clusters`] (once): union-find over the pairs; per cluster one document is kept by a
//!    deterministic [`KeepRule`] (lowest key = first in global order, or highest score); writes
//!    `clusters/SSSSS.dups` per shard.
//! 4. [`ShardDuplicates`] / [`NearDedupFilterStage`] (per shard): drops the documents not kept.
//!
//! The document key is (shard, index in shard); with shards numbered in input order, "lowest key"
//! keeps the first document in input order, so 1 shard and N shards give the same result (tested).
//!
//! ```
//! use dataprep_quality::dedup::minhash::{MinHashConfig, MinHasher, near_clusters};
//! let h = MinHasher::new(MinHashConfig::datatrove())?;
//! let a = "the quick brown fox jumps over the lazy dog and then runs far away into the green forest";
//! let b = "The quick brown fox jumps over the lazy dog, and then runs far away into the green forest!";
//! let c = "an entirely different sentence about cooking pasta with tomatoes garlic and fresh basil";
//! assert_eq!(near_clusters(&[a, b, c], &h), [0, 0, 2]);
//! # Ok::<(), dataprep_quality::Error>(())
//! ```

use std::collections::HashMap;

use dataprep_core::{Action, Context, Record, RecordError, StatefulStage};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{TextNorm, simplify_text};
use crate::words::split_into_words;
use crate::{Error, Result};

/// The Mersenne prime 2⁶¹ − 1, the modulus of the permutations.
pub const MERSENNE_PRIME: u64 = (1 << 61) - 1;

/// The shard id given to documents of an existing index in matches and clusters.
pub const INDEX_SHARD: u32 = u32::MAX;

/// How a text is cut into shingles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shingles {
    /// Word n-grams (spaCy-compatible English word splitting, as datatrove), joined by a space.
    Words(usize),
    /// Character n-grams (Unicode scalar values) of the normalised text.
    Chars(usize),
}

/// The hash functions of a MinHash signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HashFamily {
    /// datatrove's: XXH64 (seed 0) per shingle, then `(a·x + b) mod (2⁶¹ − 1)` with NumPy's
    /// wrapping u64 arithmetic and `a`, `b` from NumPy's `RandomState(seed)`; 64-bit values equal
    /// to datatrove's.
    #[default]
    Datatrove,
    /// XXH3-64 (seed 0) per shingle; its upper 32 bits `x` are permuted per hash function by
    /// `(a·x + b) mod 2³²` (a bijection of the 32-bit values), with odd `a` and any `b` drawn by
    /// splitmix64 from the seed. Values are u32. Several times faster, not datatrove-identical;
    /// two different shingles, or two different minima, agree by chance with probability
    /// ≈ 2⁻³², which slightly raises the Jaccard estimate of very large sets.
    Fast32,
}

impl HashFamily {
    /// The family's name as in configs: `datatrove` or `fast32`.
    pub fn name(self) -> &'static str {
        match self {
            HashFamily::Datatrove => "datatrove",
            HashFamily::Fast32 => "fast32",
        }
    }

    /// Bytes per signature value in signature files: 8 for `Datatrove`, 4 for `Fast32`.
    pub fn value_bytes(self) -> usize {
        match self {
            HashFamily::Datatrove => 8,
            HashFamily::Fast32 => 4,
        }
    }
}

/// MinHash LSH parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MinHashConfig {
    /// The shingles.
    pub shingles: Shingles,
    /// Number of bands `b`.
    pub bands: usize,
    /// Rows (hashes) per band `r`.
    pub rows: usize,
    /// Seed of NumPy's `RandomState` that draws the permutation parameters (datatrove: 1).
    pub seed: u32,
    /// Normalisation before shingling.
    pub norm: TextNorm,
    /// The hash functions (default: datatrove's).
    #[serde(default)]
    pub family: HashFamily,
}

impl Default for MinHashConfig {
    fn default() -> Self {
        MinHashConfig::datatrove()
    }
}

impl MinHashConfig {
    /// datatrove's defaults: word 5-grams, 14 bands × 8 rows, seed 1.
    pub fn datatrove() -> Self {
        MinHashConfig {
            shingles: Shingles::Words(5),
            bands: 14,
            rows: 8,
            seed: 1,
            norm: TextNorm::default(),
            family: HashFamily::Datatrove,
        }
    }

    /// NeMo Curator's fuzzy-dedup shape: character 24-grams, 20 bands × 13 rows.
    pub fn nemo() -> Self {
        MinHashConfig {
            shingles: Shingles::Chars(24),
            bands: 20,
            rows: 13,
            ..MinHashConfig::datatrove()
        }
    }

    /// A preset by name: `datatrove` or `nemo`.
    ///
    /// # Errors
    /// [`Error::Config`] for another name.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "datatrove" => Ok(Self::datatrove()),
            "nemo" => Ok(Self::nemo()),
            other => Err(Error::Config(format!("unknown MinHash preset `{other}`"))),
        }
    }

    /// Sets the shingles.
    #[must_use]
    pub fn with_shingles(mut self, shingles: Shingles) -> Self {
        self.shingles = shingles;
        self
    }

    /// Sets bands × rows.
    #[must_use]
    pub fn with_bands(mut self, bands: usize, rows: usize) -> Self {
        self.bands = bands;
        self.rows = rows;
        self
    }

    /// Sets the seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u32) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the normalisation.
    #[must_use]
    pub fn with_norm(mut self, norm: TextNorm) -> Self {
        self.norm = norm;
        self
    }

    /// Sets the hash family ([`HashFamily::Fast32`] for speed; the default is datatrove's).
    #[must_use]
    pub fn with_family(mut self, family: HashFamily) -> Self {
        self.family = family;
        self
    }

    /// `bands × rows`.
    pub fn num_hashes(&self) -> usize {
        self.bands * self.rows
    }

    /// The Jaccard similarity at which a pair is a candidate with probability ≈ ½:
    /// `(1/b)^(1/r)`.
    pub fn threshold(&self) -> f64 {
        (1.0 / self.bands as f64).powf(1.0 / self.rows as f64)
    }

    /// The probability that two documents with Jaccard `s` share a band: `1 − (1 − s^r)^b`.
    pub fn candidate_probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    fn validate(&self) -> Result<()> {
        let n = match self.shingles {
            Shingles::Words(n) | Shingles::Chars(n) => n,
        };
        if n == 0 || self.bands == 0 || self.rows == 0 {
            return Err(Error::Config(
                "MinHash n-gram size, bands and rows must be positive".into(),
            ));
        }
        if self.num_hashes() > 4096 {
            return Err(Error::Config("at most 4096 MinHash hashes".into()));
        }
        Ok(())
    }
}

/// MT19937 as in NumPy's legacy `RandomState` (seeded with `init_genrand`).
struct Mt19937 {
    mt: [u32; 624],
    idx: usize,
}

impl Mt19937 {
    fn new(seed: u32) -> Self {
        let mut mt = [0u32; 624];
        mt[0] = seed;
        for i in 1..624 {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 { mt, idx: 624 }
    }

    fn next_u32(&mut self) -> u32 {
        if self.idx >= 624 {
            for i in 0..624 {
                let y = (self.mt[i] & 0x8000_0000) | (self.mt[(i + 1) % 624] & 0x7fff_ffff);
                let mut v = self.mt[(i + 397) % 624] ^ (y >> 1);
                if y & 1 == 1 {
                    v ^= 0x9908_b0df;
                }
                self.mt[i] = v;
            }
            self.idx = 0;
        }
        let mut y = self.mt[self.idx];
        self.idx += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        (hi << 32) | u64::from(self.next_u32())
    }

    /// `RandomState.randint(low, high, dtype=np.uint64)` for a range wider than 32 bits (masked
    /// rejection sampling).
    fn randint_u64(&mut self, low: u64, high: u64) -> u64 {
        let rng = high - 1 - low;
        let mask = u64::MAX >> rng.leading_zeros();
        loop {
            let v = self.next_u64() & mask;
            if v <= rng {
                return low + v;
            }
        }
    }
}

/// `x mod (2⁶¹ − 1)` for any u64.
#[inline]
fn mod_mersenne(x: u64) -> u64 {
    let r = (x & MERSENNE_PRIME) + (x >> 61);
    if r >= MERSENNE_PRIME {
        r - MERSENNE_PRIME
    } else {
        r
    }
}

/// XXH64 (seed 0) of each window of `n` words joined by one space, in order with repeats; empty
/// below `n` words (datatrove's n-gram hashing, shared by MinHash and decontamination).
pub(crate) fn word_ngram_hashes<S: AsRef<str>>(words: &[S], n: usize) -> Vec<u64> {
    word_ngrams_hashed(words, n, |b| xxhash_rust::xxh64::xxh64(b, 0))
}

/// `hash` of each window of `n` words joined by one space, in order with repeats.
fn word_ngrams_hashed<S: AsRef<str>>(
    words: &[S],
    n: usize,
    hash: impl Fn(&[u8]) -> u64,
) -> Vec<u64> {
    if n == 0 || words.len() < n {
        return Vec::new();
    }
    let mut buf = String::new();
    words
        .windows(n)
        .map(|w| {
            buf.clear();
            for (i, x) in w.iter().enumerate() {
                if i > 0 {
                    buf.push(' ');
                }
                buf.push_str(x.as_ref());
            }
            hash(buf.as_bytes())
        })
        .collect()
}

/// splitmix64, the generator of [`HashFamily::Fast32`]'s parameters.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

// The signature loops. Each runs inside `pulp::Arch::dispatch`, which compiles it for the CPU's
// vector extensions (AVX-512, AVX2) and picks one at run time; the loop over hash functions is
// written over arrays so that LLVM vectorises it, and for the presets' sizes (112 and 260 hashes)
// over fixed-size arrays, which it unrolls with the minima held in registers.

/// Per hash function `i`, `mins[i] = min(mins[i], min over s of (a[i]·s + b[i]) mod (2⁶¹ − 1))`
/// with wrapping u64 arithmetic before the modulo (datatrove's values).
#[inline(always)]
fn mins_datatrove(shingles: &[u64], a: &[u64], b: &[u64], mins: &mut [u64]) {
    let n = mins.len().min(a.len()).min(b.len());
    let (a, b, mins) = (&a[..n], &b[..n], &mut mins[..n]);
    for &s in shingles {
        for ((m, &a), &b) in mins.iter_mut().zip(a).zip(b) {
            // NumPy's uint64 arithmetic wraps before the modulo, as in datatrove.
            *m = (*m).min(mod_mersenne(s.wrapping_mul(a).wrapping_add(b)));
        }
    }
}

/// [`mins_datatrove`] for `M` hash functions.
#[inline(always)]
fn mins_datatrove_n<const M: usize>(
    shingles: &[u64],
    a: &[u64; M],
    b: &[u64; M],
    mins: &mut [u64; M],
) {
    for &s in shingles {
        for i in 0..M {
            mins[i] = mins[i].min(mod_mersenne(s.wrapping_mul(a[i]).wrapping_add(b[i])));
        }
    }
}

/// The 32 bits of a shingle hash that [`HashFamily::Fast32`] permutes (the upper half).
#[inline(always)]
fn fast32_input(h: u64) -> u32 {
    (h >> 32) as u32
}

/// Per hash function `i`, `mins[i] = min(mins[i], min over h of (a[i]·x + b[i]) mod 2³²)` where
/// `x` is [`fast32_input`]`(h)`.
#[inline(always)]
fn mins_fast32(shingles: &[u64], a: &[u32], b: &[u32], mins: &mut [u32]) {
    let n = mins.len().min(a.len()).min(b.len());
    let (a, b, mins) = (&a[..n], &b[..n], &mut mins[..n]);
    for &h in shingles {
        let x = fast32_input(h);
        for ((m, &a), &b) in mins.iter_mut().zip(a).zip(b) {
            *m = (*m).min(a.wrapping_mul(x).wrapping_add(b));
        }
    }
}

/// [`mins_fast32`] for `M` hash functions.
#[inline(always)]
fn mins_fast32_n<const M: usize>(
    shingles: &[u64],
    a: &[u32; M],
    b: &[u32; M],
    mins: &mut [u32; M],
) {
    for &h in shingles {
        let x = fast32_input(h);
        for i in 0..M {
            mins[i] = mins[i].min(a[i].wrapping_mul(x).wrapping_add(b[i]));
        }
    }
}

/// Runs the datatrove loop, specialised for 112 and 260 hash functions.
fn run_datatrove(arch: pulp::Arch, shingles: &[u64], a: &[u64], b: &[u64], mins: &mut [u64]) {
    macro_rules! fixed {
        ($m:literal) => {
            if let (Ok(a), Ok(b), Ok(mins)) = (
                <&[u64; $m]>::try_from(a),
                <&[u64; $m]>::try_from(b),
                <&mut [u64; $m]>::try_from(&mut *mins),
            ) {
                arch.dispatch(
                    #[inline(always)]
                    || mins_datatrove_n::<$m>(shingles, a, b, mins),
                );
                return;
            }
        };
    }
    fixed!(112);
    fixed!(260);
    arch.dispatch(
        #[inline(always)]
        || mins_datatrove(shingles, a, b, mins),
    );
}

/// Runs the Fast32 loop, specialised for 112 and 260 hash functions.
fn run_fast32(arch: pulp::Arch, shingles: &[u64], a: &[u32], b: &[u32], mins: &mut [u32]) {
    macro_rules! fixed {
        ($m:literal) => {
            if let (Ok(a), Ok(b), Ok(mins)) = (
                <&[u32; $m]>::try_from(a),
                <&[u32; $m]>::try_from(b),
                <&mut [u32; $m]>::try_from(&mut *mins),
            ) {
                arch.dispatch(
                    #[inline(always)]
                    || mins_fast32_n::<$m>(shingles, a, b, mins),
                );
                return;
            }
        };
    }
    fixed!(112);
    fixed!(260);
    arch.dispatch(
        #[inline(always)]
        || mins_fast32(shingles, a, b, mins),
    );
}

/// The LSH key of one band's values: XXH3-64 of their little-endian u64 bytes (the same for
/// both families; `Fast32` values are widened). Used by the in-memory paths ([`LshIndex`]).
pub fn band_key(values: &[u64]) -> u64 {
    let mut buf = [0u8; 256];
    if values.len() * 8 <= buf.len() {
        for (c, v) in buf.chunks_exact_mut(8).zip(values) {
            c.copy_from_slice(&v.to_le_bytes());
        }
        xxhash_rust::xxh3::xxh3_64(&buf[..values.len() * 8])
    } else {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        xxhash_rust::xxh3::xxh3_64(&bytes)
    }
}

/// Computes shingles and signatures for one [`MinHashConfig`].
#[derive(Debug, Clone)]
pub struct MinHasher {
    config: MinHashConfig,
    a: Vec<u64>,
    b: Vec<u64>,
    /// `a` and `b` as u32, for [`HashFamily::Fast32`] (empty otherwise).
    a32: Vec<u32>,
    b32: Vec<u32>,
    arch: pulp::Arch,
}

impl MinHasher {
    /// The hasher for `config`: datatrove's permutation parameters for
    /// [`HashFamily::Datatrove`], splitmix64's (seeded by `config.seed`) for
    /// [`HashFamily::Fast32`].
    ///
    /// # Errors
    /// [`Error::Config`] for zero sizes or more than 4096 hashes.
    pub fn new(config: MinHashConfig) -> Result<Self> {
        config.validate()?;
        let n = config.num_hashes();
        let (a, b): (Vec<u64>, Vec<u64>) = match config.family {
            HashFamily::Datatrove => {
                let mut rng = Mt19937::new(config.seed);
                let a = (0..n).map(|_| rng.randint_u64(1, MERSENNE_PRIME)).collect();
                let b = (0..n).map(|_| rng.randint_u64(0, MERSENNE_PRIME)).collect();
                (a, b)
            }
            HashFamily::Fast32 => {
                let mut rng = SplitMix64(u64::from(config.seed) ^ 0x4d69_6e48_6173_6833);
                let a = (0..n).map(|_| (rng.next_u64() >> 32) | 1).collect();
                let b = (0..n).map(|_| rng.next_u64() >> 32).collect();
                (a, b)
            }
        };
        let (a32, b32) = match config.family {
            HashFamily::Datatrove => (Vec::new(), Vec::new()),
            HashFamily::Fast32 => (
                a.iter().map(|&x| x as u32).collect(),
                b.iter().map(|&x| x as u32).collect(),
            ),
        };
        Ok(MinHasher {
            config,
            a,
            b,
            a32,
            b32,
            arch: pulp::Arch::new(),
        })
    }

    /// The hash of one shingle's bytes: XXH64 (seed 0) for [`HashFamily::Datatrove`], XXH3-64
    /// (seed 0) for [`HashFamily::Fast32`]. [`MinHasher::shingles`] uses it on each n-gram; use
    /// it to sign shingles of your own with [`MinHasher::signature_of`].
    #[inline]
    pub fn shingle_hash(&self, bytes: &[u8]) -> u64 {
        match self.config.family {
            HashFamily::Datatrove => xxhash_rust::xxh64::xxh64(bytes, 0),
            HashFamily::Fast32 => xxhash_rust::xxh3::xxh3_64(bytes),
        }
    }

    /// The config.
    pub fn config(&self) -> &MinHashConfig {
        &self.config
    }

    /// The permutation parameters `(a, b)`, one pair per hash.
    pub fn parameters(&self) -> (&[u64], &[u64]) {
        (&self.a, &self.b)
    }

    /// The hashed shingles of `text` ([`MinHasher::shingle_hash`] of each n-gram's UTF-8), in
    /// text order with repeats; empty when the text has fewer than `n` words or characters.
    pub fn shingles(&self, text: &str) -> Vec<u64> {
        let norm = simplify_text(text, &self.config.norm);
        match self.config.shingles {
            Shingles::Words(n) => {
                word_ngrams_hashed(&split_into_words(&norm), n, |b| self.shingle_hash(b))
            }
            Shingles::Chars(n) => {
                let starts: Vec<usize> = norm
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain(std::iter::once(norm.len()))
                    .collect();
                if starts.len() <= n {
                    return Vec::new();
                }
                starts
                    .windows(n + 1)
                    .map(|w| self.shingle_hash(&norm.as_bytes()[w[0]..w[n]]))
                    .collect()
            }
        }
    }

    /// The signature of a set of hashed shingles (repeats do not matter): per hash function the
    /// minimum permuted value (`bands × rows` values, band-major; below 2³² for
    /// [`HashFamily::Fast32`]); `None` for no shingles.
    pub fn signature_of(&self, shingles: &[u64]) -> Option<Vec<u64>> {
        let mut out = vec![0; self.a.len()];
        self.signature_into(shingles, &mut out).then_some(out)
    }

    /// [`MinHasher::signature_of`] into a caller-owned buffer of `bands × rows` values (no
    /// allocation); `false`, with `out` unchanged, for no shingles.
    ///
    /// # Panics
    /// When `out.len()` is not [`MinHashConfig::num_hashes`].
    pub fn signature_into(&self, shingles: &[u64], out: &mut [u64]) -> bool {
        assert_eq!(out.len(), self.a.len(), "signature buffer length");
        if shingles.is_empty() {
            return false;
        }
        match self.config.family {
            HashFamily::Datatrove => {
                out.fill(u64::MAX);
                run_datatrove(self.arch, shingles, &self.a, &self.b, out);
            }
            HashFamily::Fast32 => {
                let (a, b) = (&self.a32[..], &self.b32[..]);
                let mut buf = [u32::MAX; 512];
                let mut heap = Vec::new();
                let mins = if out.len() <= buf.len() {
                    &mut buf[..out.len()]
                } else {
                    heap.resize(out.len(), u32::MAX);
                    &mut heap[..]
                };
                run_fast32(self.arch, shingles, a, b, mins);
                for (o, &m) in out.iter_mut().zip(mins.iter()) {
                    *o = u64::from(m);
                }
            }
        }
        true
    }

    /// The signature of `text` ([`MinHasher::shingles`] then [`MinHasher::signature_of`]).
    pub fn signature(&self, text: &str) -> Option<Vec<u64>> {
        self.signature_of(&self.shingles(text))
    }
}

/// Union-find with the smallest id as root (path halving).
#[derive(Debug, Default)]
struct UnionFind {
    parent: HashMap<u64, u64>,
}

impl UnionFind {
    fn find(&mut self, x: u64) -> u64 {
        let mut x = x;
        loop {
            let p = *self.parent.get(&x).unwrap_or(&x);
            if p == x {
                return x;
            }
            let gp = *self.parent.get(&p).unwrap_or(&p);
            self.parent.insert(x, gp);
            x = gp;
        }
    }

    fn union(&mut self, a: u64, b: u64) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(hi, lo);
            self.parent.entry(lo).or_insert(lo);
        }
    }
}

/// In-memory LSH buckets: per band, the [`band_key`] of the band's values → the first document
/// inserted with it. Two documents are candidates when any band key agrees (equal band values, or
/// a 64-bit key collision, probability 2⁻⁶⁴ per pair and band). Memory: one key and one id per
/// band and distinct bucket; no allocation per document beyond the buckets' growth.
#[derive(Debug, Clone)]
pub struct LshIndex {
    rows: usize,
    bands: Vec<rustc_hash::FxHashMap<u64, u64>>,
}

impl LshIndex {
    /// Empty buckets for `config`'s bands × rows.
    pub fn new(config: &MinHashConfig) -> Self {
        LshIndex {
            rows: config.rows,
            bands: vec![rustc_hash::FxHashMap::default(); config.bands],
        }
    }

    /// Inserts document `id` with signature `sig` (`bands × rows` values) and calls `matched`
    /// with the first document of every bucket it joins (once per band that matches an earlier
    /// document; `id` itself is never reported).
    ///
    /// # Panics
    /// When `sig.len()` is not `bands × rows`.
    pub fn insert(&mut self, id: u64, sig: &[u64], mut matched: impl FnMut(u64)) {
        assert_eq!(sig.len(), self.rows * self.bands.len(), "signature length");
        for (band, bucket) in sig.chunks_exact(self.rows).zip(&mut self.bands) {
            let first = *bucket.entry(band_key(band)).or_insert(id);
            if first != id {
                matched(first);
            }
        }
    }

    /// Reserves room for `docs` more documents in every band.
    pub fn reserve(&mut self, docs: usize) {
        for b in &mut self.bands {
            b.reserve(docs);
        }
    }

    /// The number of (band, bucket) entries.
    pub fn buckets(&self) -> usize {
        self.bands.iter().map(|b| b.len()).sum()
    }
}

/// Near-duplicate clusters of `texts` in memory: for each text the index of the text kept for
/// its cluster (the lowest index; itself when it has no near duplicate). Candidates come from an
/// [`LshIndex`]; the clusters are the connected components of the candidate pairs.
pub fn near_clusters<S: AsRef<str> + Sync>(texts: &[S], hasher: &MinHasher) -> Vec<usize> {
    let n = hasher.config.num_hashes();
    let sigs: Vec<Option<Vec<u64>>> = texts
        .par_iter()
        .map(|t| hasher.signature(t.as_ref()))
        .collect();
    debug_assert!(sigs.iter().flatten().all(|s| s.len() == n));
    let mut index = LshIndex::new(&hasher.config);
    index.reserve(sigs.len());
    let mut uf = UnionFind::default();
    for (i, s) in sigs.iter().enumerate() {
        if let Some(s) = s {
            index.insert(i as u64, s, |f| uf.union(f, i as u64));
        }
    }
    (0..texts.len())
        .map(|i| uf.find(i as u64) as usize)
        .collect()
}

/// MinHash near-dedup as a streaming pipeline stage, in memory and in input order (for inputs
/// that fit in memory; at scale use the file stages below). A record whose signature shares a
/// band with an earlier record's is dropped with reason `near_duplicate`; every record gets a
/// `near_cluster` field, the key of the first record of its cluster (its own key, or its
/// ordinal when it has no key, when it has no earlier near duplicate). A record with too few
/// words for a shingle is kept as its own cluster.
///
/// Unlike [`near_clusters`], a chain that links two earlier records only through a later one
/// does not merge them after the fact: a stream cannot take back a kept record.
#[derive(Debug)]
pub struct StreamingNearDedupStage {
    hasher: MinHasher,
    field: String,
    /// Band keys → ordinal of the first record with them.
    index: LshIndex,
    /// The current record's signature (reused).
    sig: Vec<u64>,
    /// Per record seen: the ordinal of its cluster's first record, and its key.
    cluster: Vec<usize>,
    keys: Vec<String>,
}

impl StreamingNearDedupStage {
    /// The stage over the field `text` (see [`with_field`](Self::with_field)).
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid `config`.
    pub fn new(config: MinHashConfig) -> Result<Self> {
        Ok(StreamingNearDedupStage {
            index: LshIndex::new(&config),
            sig: vec![0; config.num_hashes()],
            hasher: MinHasher::new(config)?,
            field: "text".to_owned(),
            cluster: Vec::new(),
            keys: Vec::new(),
        })
    }

    /// Sets the text field read (default `text`).
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

impl StatefulStage for StreamingNearDedupStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "near_dedup"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::json!({ "minhash": self.hasher.config(), "field": self.field })
    }

    fn process(&mut self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let me = self.cluster.len();
        let shingles = self.hasher.shingles(record.str(&self.field)?);
        let mut root = me;
        if self.hasher.signature_into(&shingles, &mut self.sig) {
            let cluster = &self.cluster;
            self.index.insert(me as u64, &self.sig, |first| {
                root = root.min(cluster[first as usize]);
            });
        }
        self.cluster.push(root);
        self.keys.push(if record.key().is_empty() {
            me.to_string()
        } else {
            record.key().to_owned()
        });
        record.set("near_cluster", self.keys[root].clone());
        Ok(if root == me {
            Action::Keep
        } else {
            Action::drop("near_duplicate")
        })
    }
}

mod file_stages;
pub use file_stages::*;

// The names before every stage type ended in `Stage` (CHANGELOG: Unreleased).
/// Renamed to [`StreamingNearDedupStage`].
#[deprecated(since = "0.1.0", note = "renamed to `StreamingNearDedupStage`")]
pub type StreamingNearDedup = StreamingNearDedupStage;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every instruction set the dispatcher may pick on this machine.
    fn arches() -> Vec<pulp::Arch> {
        #[allow(unused_mut)]
        let mut v = vec![pulp::Arch::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(v3) = pulp::x86::V3::try_new() {
                v.push(pulp::Arch::V3(v3));
            }
            if let Some(v4) = pulp::x86::V4::try_new() {
                v.push(pulp::Arch::V4(v4));
            }
        }
        v
    }

    #[test]
    fn every_instruction_set_gives_the_defined_values() {
        let mut rng = SplitMix64(3);
        let shingles: Vec<u64> = (0..301).map(|_| rng.next_u64()).collect();
        for n in [112, 260, 21] {
            let a: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
            let b: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
            let (a32, b32): (Vec<u32>, Vec<u32>) = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| (x as u32 | 1, y as u32))
                .unzip();
            let want_dt: Vec<u64> = (0..n)
                .map(|i| {
                    let v = shingles.iter().map(|&s| {
                        (u128::from(s.wrapping_mul(a[i]).wrapping_add(b[i]))
                            % u128::from(MERSENNE_PRIME)) as u64
                    });
                    v.min().expect("shingles")
                })
                .collect();
            let want_fast: Vec<u32> = (0..n)
                .map(|i| {
                    let v = shingles
                        .iter()
                        .map(|&s| a32[i].wrapping_mul((s >> 32) as u32).wrapping_add(b32[i]));
                    v.min().expect("shingles")
                })
                .collect();
            for arch in arches() {
                let mut dt = vec![u64::MAX; n];
                run_datatrove(arch, &shingles, &a, &b, &mut dt);
                assert_eq!(dt, want_dt, "{arch:?} {n}");
                let mut fast = vec![u32::MAX; n];
                run_fast32(arch, &shingles, &a32, &b32, &mut fast);
                assert_eq!(fast, want_fast, "{arch:?} {n}");
            }
        }
    }
}
