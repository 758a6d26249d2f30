//! Dense codes for labels and groups, and [`Key`]: a record value usable as a label or group.
//!
//! Every method works on dense integer codes (`0..n_classes`) internally: labels are hashed once,
//! and the rest is integer arithmetic on indices. [`encode`] numbers values by first appearance
//! (what scikit-learn's `StratifiedKFold` does); [`encode_sorted`] numbers them in sorted order
//! (what `np.unique` does, and so `GroupKFold`, `StratifiedGroupKFold` and `LeaveOneGroupOut`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use dataprep_core::Value;

/// A small, fast, non-cryptographic hasher (the Fx hash of rustc, with a folded-multiply finish so
/// that keys differing only in high bits still spread over buckets). Labels and groups are not attacker
/// controlled in the usual use; where they are, the cost is speed, never correctness.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // A folded multiply (as foldhash does): a plain multiplication only carries entropy
        // upwards, folding the 128-bit product brings the high bits back down to the low bits
        // that hashbrown uses as the bucket index.
        let m = u128::from(self.hash) * u128::from(0x9e37_79b9_7f4a_7c15_u64);
        (m as u64) ^ ((m >> 64) as u64)
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Values numbered `0..n_classes`, with the number of rows and the first row of each.
///
/// ```
/// let enc = dataprep_split::encode(&["b", "a", "b", "c"]);
/// assert_eq!(enc.codes(), &[0, 1, 0, 2]);
/// assert_eq!(enc.counts(), &[2, 1, 1]);
/// let sorted = dataprep_split::encode_sorted(&["b", "a", "b", "c"]);
/// assert_eq!(sorted.codes(), &[1, 0, 1, 2]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    codes: Vec<u32>,
    counts: Vec<usize>,
    first: Vec<usize>,
}

impl Encoded {
    /// The code of every row.
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// Rows per code.
    pub fn counts(&self) -> &[usize] {
        &self.counts
    }

    /// The first row holding each code (so `labels[first_rows()[c]]` is the value of code `c`).
    pub fn first_rows(&self) -> &[usize] {
        &self.first
    }

    /// Number of distinct values.
    pub fn n_classes(&self) -> usize {
        self.counts.len()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The values of the codes, formatted with `Debug` (for messages and reports).
    pub fn names_debug<L: fmt::Debug>(&self, values: &[L]) -> Vec<String> {
        self.first
            .iter()
            .map(|&i| format!("{:?}", values[i]))
            .collect()
    }

    /// The values of the codes, formatted with `Display` (for reports).
    pub fn names<L: fmt::Display>(&self, values: &[L]) -> Vec<String> {
        self.first.iter().map(|&i| values[i].to_string()).collect()
    }
}

/// Rows per chunk of the parallel encoder.
const CHUNK: usize = 1 << 18;

/// Numbers distinct values by first appearance: the first value seen is 0.
///
/// O(n) expected time: one hash lookup per row (skipped while a value repeats the previous one).
/// Large inputs are encoded in parallel chunks (rayon) whose dictionaries are merged in chunk
/// order, so the result does not depend on the number of threads.
///
/// # Panics
/// If there are more than `u32::MAX - 1` distinct values.
pub fn encode<L: Hash + Eq + Sync>(values: &[L]) -> Encoded {
    use rayon::prelude::*;
    let mut codes = vec![0u32; values.len()];
    if values.len() < 4 * CHUNK || rayon::current_num_threads() < 2 {
        let (counts, first) = encode_into(values, &mut codes);
        return Encoded {
            codes,
            counts,
            first,
        };
    }
    // Each chunk numbers its values locally, in place; the local dictionaries are merged in chunk
    // order (so global codes follow first appearance), then codes are remapped in place.
    let locals: Vec<(Vec<usize>, Vec<usize>)> = codes
        .par_chunks_mut(CHUNK)
        .zip(values.par_chunks(CHUNK))
        .map(|(out, vals)| encode_into(vals, out))
        .collect();
    let mut map: FxMap<&L, u32> = FxMap::default();
    let mut counts: Vec<usize> = Vec::new();
    let mut first: Vec<usize> = Vec::new();
    let mut remaps: Vec<Vec<u32>> = Vec::with_capacity(locals.len());
    for (ci, (local_counts, local_first)) in locals.iter().enumerate() {
        let base = ci * CHUNK;
        let mut remap = Vec::with_capacity(local_counts.len());
        for (&f, &cnt) in local_first.iter().zip(local_counts) {
            let next = counts.len();
            let g = *map.entry(&values[base + f]).or_insert_with(|| {
                assert!(
                    next < u32::MAX as usize,
                    "more than u32::MAX - 1 distinct values"
                );
                first.push(base + f);
                counts.push(0);
                next as u32
            });
            counts[g as usize] += cnt;
            remap.push(g);
        }
        remaps.push(remap);
    }
    codes
        .par_chunks_mut(CHUNK)
        .zip(remaps.par_iter())
        .for_each(|(out, remap)| {
            for o in out.iter_mut() {
                *o = remap[*o as usize];
            }
        });
    Encoded {
        codes,
        counts,
        first,
    }
}

/// Numbers `values` by first appearance into `codes`; returns the counts and first rows.
fn encode_into<L: Hash + Eq>(values: &[L], codes: &mut [u32]) -> (Vec<usize>, Vec<usize>) {
    let mut map: FxMap<&L, u32> = FxMap::default();
    let mut counts: Vec<usize> = Vec::new();
    let mut first = Vec::new();
    let mut prev: Option<(&L, u32)> = None;
    for ((i, v), out) in values.iter().enumerate().zip(codes.iter_mut()) {
        let code = match prev {
            Some((p, c)) if p == v => c,
            _ => {
                let next = counts.len();
                let c = *map.entry(v).or_insert_with(|| {
                    assert!(
                        next < u32::MAX as usize,
                        "more than u32::MAX - 1 distinct values"
                    );
                    first.push(i);
                    counts.push(0);
                    next as u32
                });
                prev = Some((v, c));
                c
            }
        };
        counts[code as usize] += 1;
        *out = code;
    }
    (counts, first)
}

/// Numbers distinct values in sorted order, as `np.unique(values, return_inverse=True)` does.
///
/// O(n + u log u) for u distinct values.
///
/// # Panics
/// If there are more than `u32::MAX - 1` distinct values.
pub fn encode_sorted<L: Hash + Eq + Ord + Sync>(values: &[L]) -> Encoded {
    let enc = encode(values);
    let mut order: Vec<u32> = (0..enc.n_classes() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        values[enc.first[a as usize]].cmp(&values[enc.first[b as usize]])
    });
    let mut rank = vec![0u32; order.len()];
    for (r, &c) in order.iter().enumerate() {
        rank[c as usize] = r as u32;
    }
    let codes = enc.codes.iter().map(|&c| rank[c as usize]).collect();
    let counts = order.iter().map(|&c| enc.counts[c as usize]).collect();
    let first = order.iter().map(|&c| enc.first[c as usize]).collect();
    Encoded {
        codes,
        counts,
        first,
    }
}

/// A float with a total order and hash, for floats used as labels: `-0.0 == 0.0` and all NaNs
/// are one value, as in `np.unique`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FloatKey(u64);

impl FloatKey {
    /// The key of `f`.
    pub fn new(f: f64) -> Self {
        let f = if f == 0.0 {
            0.0
        } else if f.is_nan() {
            f64::NAN
        } else {
            f
        };
        let b = f.to_bits();
        FloatKey(if b >> 63 == 1 { !b } else { b | (1 << 63) })
    }

    /// The float.
    pub fn get(self) -> f64 {
        let b = self.0;
        f64::from_bits(if b >> 63 == 1 { b & !(1 << 63) } else { !b })
    }
}

impl fmt::Debug for FloatKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

/// A record value used as a label, a group or a time: borrowed from the record when it is a
/// string or bytes (no allocation per record), ordered like `np.unique` orders ints, floats and
/// strings (strings by code point).
///
/// `Int` and `UInt` values share one integer key; timestamps key by their integer value; lists,
/// structs, maps and tensors key by a 128-bit hash of their canonical JSON. A null group is
/// [`Key::Row`]: a group of its own.
///
/// ```
/// use dataprep_core::Value;
/// use dataprep_split::Key;
/// let v = Value::from("cat");
/// assert_eq!(Key::from_value(&v), Some(Key::Str("cat".into())));
/// assert_eq!(Key::from_value(&Value::UInt(3)), Key::from_value(&Value::Int(3)));
/// assert_eq!(Key::from_value(&Value::Null), None);
/// assert_eq!(Key::Str("cat".into()).to_string(), "cat");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key<'a> {
    /// A boolean.
    Bool(bool),
    /// An integer (signed or unsigned) or a timestamp's value.
    Int(i128),
    /// A float.
    Float(FloatKey),
    /// A string.
    Str(Cow<'a, str>),
    /// Bytes.
    Bytes(Cow<'a, [u8]>),
    /// A nested value (list, struct, map, tensor), by the hash of its canonical JSON.
    Other(u128),
    /// No value: a group of its own, numbered by its row.
    Row(usize),
}

impl<'a> Key<'a> {
    /// The key of a value, borrowing strings and bytes; `None` for null.
    pub fn from_value(v: &'a Value) -> Option<Key<'a>> {
        Some(match v {
            Value::Null => return None,
            Value::Bool(b) => Key::Bool(*b),
            Value::Int(i) => Key::Int(i128::from(*i)),
            Value::UInt(u) => Key::Int(i128::from(*u)),
            Value::Float(f) => Key::Float(FloatKey::new(*f)),
            Value::Str(s) => Key::Str(Cow::Borrowed(s)),
            Value::Bytes(b) => Key::Bytes(Cow::Borrowed(b)),
            Value::Timestamp { value, .. } => Key::Int(i128::from(*value)),
            other => Key::Other(dataprep_core::stages::value_hash(other)),
        })
    }

    /// An owned copy (for keys read from a [`dataprep_core::Dataset`], whose records are owned).
    pub fn into_owned(self) -> Key<'static> {
        match self {
            Key::Bool(b) => Key::Bool(b),
            Key::Int(i) => Key::Int(i),
            Key::Float(f) => Key::Float(f),
            Key::Str(s) => Key::Str(Cow::Owned(s.into_owned())),
            Key::Bytes(b) => Key::Bytes(Cow::Owned(b.into_owned())),
            Key::Other(h) => Key::Other(h),
            Key::Row(r) => Key::Row(r),
        }
    }

    /// The bytes hashed by [`crate::HashSplit`]: UTF-8 for strings, the bytes for bytes, the
    /// decimal digits for integers (so `7` and `"7"` hash alike), `true`/`false`, the shortest
    /// round-trip decimal for floats, and the hex of the 128-bit hash for nested values.
    pub fn hash_bytes(&self) -> Cow<'_, [u8]> {
        match self {
            Key::Str(s) => Cow::Borrowed(s.as_bytes()),
            Key::Bytes(b) => Cow::Borrowed(b),
            other => Cow::Owned(other.to_string().into_bytes()),
        }
    }
}

impl fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Bool(b) => write!(f, "{b}"),
            Key::Int(i) => write!(f, "{i}"),
            Key::Float(x) => write!(f, "{}", x.get()),
            Key::Str(s) => f.write_str(s),
            Key::Bytes(b) => {
                for byte in b.iter() {
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
            Key::Other(h) => write!(f, "#{h:032x}"),
            Key::Row(r) => write!(f, "<row {r}>"),
        }
    }
}

impl fmt::Debug for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Str(s) => write!(f, "{s:?}"),
            other => write!(f, "{other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_first_appearance_and_sorted() {
        let v = [5, 3, 5, 9, 3, 3];
        let e = encode(&v);
        assert_eq!(e.codes(), &[0, 1, 0, 2, 1, 1]);
        assert_eq!(e.counts(), &[2, 3, 1]);
        assert_eq!(e.first_rows(), &[0, 1, 3]);
        let s = encode_sorted(&v);
        assert_eq!(s.codes(), &[1, 0, 1, 2, 0, 0]);
        assert_eq!(s.counts(), &[3, 2, 1]);
        assert_eq!(s.names(&v), vec!["3", "5", "9"]);
        assert!(encode::<u8>(&[]).is_empty());
    }

    #[test]
    fn float_keys_order_and_normalise() {
        let mut ks: Vec<FloatKey> = [1.5, -2.0, 0.0, -0.0, f64::NAN, f64::INFINITY]
            .into_iter()
            .map(FloatKey::new)
            .collect();
        ks.sort();
        let got: Vec<f64> = ks.iter().map(|k| k.get()).collect();
        assert_eq!(&got[..5], &[-2.0, 0.0, 0.0, 1.5, f64::INFINITY]);
        assert!(got[5].is_nan());
        assert_eq!(FloatKey::new(0.0), FloatKey::new(-0.0));
    }

    #[test]
    fn fx_hasher_spreads_high_bit_keys() {
        use std::hash::BuildHasher;
        let b = BuildHasherDefault::<FxHasher>::default();
        let low: std::collections::HashSet<u64> =
            (0..64u64).map(|i| b.hash_one(i << 40) & 63).collect();
        assert!(low.len() > 16, "{low:?}");
    }
}
