//! Allocation of rows to parts: largest-remainder rounding (scikit-learn's `_approximate_mode`),
//! controlled rounding of a parts × classes table, and the O(n) assignment of rows given the
//! per-class counts of every part.

use rand::{RngExt as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// The seeded RNG of one method: ChaCha8 seeded by BLAKE3(seed, purpose) through
/// [`dataprep_core::rng::derive_seed`], so the same seed gives the same result on every platform.
pub(crate) fn rng(seed: u64, purpose: &str) -> ChaCha8Rng {
    ChaCha8Rng::from_seed(dataprep_core::rng::derive_seed(
        seed,
        &format!("dataprep-split/{purpose}"),
        "",
    ))
}

/// A 64-bit seed derived from a root seed, a purpose and an index (for repeats and sources).
pub(crate) fn sub_seed(seed: u64, purpose: &str, index: usize) -> u64 {
    let s = dataprep_core::rng::derive_seed(
        seed,
        &format!("dataprep-split/{purpose}"),
        &index.to_string(),
    );
    let mut b = [0u8; 8];
    b.copy_from_slice(&s[..8]);
    u64::from_le_bytes(b)
}

/// Splits `total` draws among classes in proportion to `counts`, rounding like scikit-learn's
/// `_approximate_mode` (the per-class allocation of `StratifiedShuffleSplit` and
/// `train_test_split(stratify=…)`): every class gets `floor(count × total / n)`, and the draws
/// left go one each to the classes with the largest remainders. Ties between equal remainders
/// are broken at random by `seed` (scikit-learn breaks them at random too).
///
/// Computed in exact integer arithmetic, so every class gets the floor or the ceiling of its ideal
/// share and the shares add up to `total`.
///
/// ```
/// use dataprep_split::largest_remainder;
/// // scikit-learn: _approximate_mode([4, 2], 3) == [2, 1]; ([5, 2], 4) == [3, 1]
/// assert_eq!(largest_remainder(&[4, 2], 3, 0)?, vec![2, 1]);
/// assert_eq!(largest_remainder(&[5, 2], 4, 0)?, vec![3, 1]);
/// # Ok::<(), dataprep_split::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] when `total` exceeds the sum of `counts`.
pub fn largest_remainder(counts: &[usize], total: usize, seed: u64) -> Result<Vec<usize>> {
    let n: usize = counts.iter().sum();
    if total > n {
        return Err(Error::InvalidParameter(format!(
            "cannot draw {total} rows from {n}"
        )));
    }
    let mut r = rng(seed, "largest_remainder");
    Ok(approximate_mode(counts, total, &mut r))
}

pub(crate) fn approximate_mode(counts: &[usize], total: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let n: u128 = counts.iter().map(|&c| c as u128).sum();
    if n == 0 {
        return vec![0; counts.len()];
    }
    let mut out = Vec::with_capacity(counts.len());
    let mut rems = Vec::with_capacity(counts.len());
    for &c in counts {
        let num = c as u128 * total as u128;
        out.push((num / n) as usize);
        rems.push(num % n);
    }
    let need = total - out.iter().sum::<usize>();
    if need > 0 {
        let mut cand: Vec<(u128, u64, usize)> = rems
            .iter()
            .enumerate()
            .filter(|&(_, &r)| r > 0)
            .map(|(c, &r)| (r, rng.random::<u64>(), c))
            .collect();
        cand.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, _, c) in cand.iter().take(need) {
            out[c] += 1;
        }
    }
    out
}

/// Controlled rounding of the table `counts[c] × sizes[p] / n` (parts × classes) to integers whose
/// rows sum to `sizes` and columns to `counts`, every entry the floor or the ceiling of its ideal.
/// Such a rounding always exists (it is a flow problem); this finds one that, part by part in
/// order, rounds up the largest remainders first (ties at random), so that for two parts covering
/// all rows it is exactly scikit-learn's `_approximate_mode` of the first part and the complement.
///
/// Returns a class-major table: entry `[c * parts + p]`.
pub(crate) fn round_table(counts: &[usize], sizes: &[usize], rng: &mut ChaCha8Rng) -> Vec<usize> {
    let n: usize = counts.iter().sum();
    debug_assert_eq!(n, sizes.iter().sum::<usize>());
    let (nc, np) = (counts.len(), sizes.len());
    let mut table = vec![0usize; nc * np];
    if n == 0 {
        return table;
    }
    let n128 = n as u128;
    let mut rem = vec![0u128; nc * np];
    let mut row_need: Vec<usize> = sizes.to_vec();
    let mut col_need: Vec<usize> = counts.to_vec();
    for c in 0..nc {
        for p in 0..np {
            let num = counts[c] as u128 * sizes[p] as u128;
            let f = (num / n128) as usize;
            table[c * np + p] = f;
            rem[c * np + p] = num % n128;
            row_need[p] -= f;
            col_need[c] -= f;
        }
    }
    // up[c * np + p]: entry rounded up.
    let mut up = vec![false; nc * np];
    let mut cand: Vec<(u128, u64, usize)> = Vec::with_capacity(nc);
    for p in 0..np {
        if row_need[p] == 0 {
            continue;
        }
        cand.clear();
        for c in 0..nc {
            let r = rem[c * np + p];
            if r > 0 && col_need[c] > 0 {
                cand.push((r, rng.random::<u64>(), c));
            }
        }
        cand.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, _, c) in cand.iter().take(row_need[p]) {
            up[c * np + p] = true;
            col_need[c] -= 1;
            row_need[p] -= 1;
        }
    }
    // Greedy left some part short: augmenting paths (part -> class it may round up -> part that
    // holds that class's last unit -> ...) until a class with units left is reached.
    for (p, need) in row_need.iter_mut().enumerate() {
        while *need > 0 {
            if !augment(p, nc, np, &rem, &mut up, &mut col_need) {
                debug_assert!(false, "controlled rounding found no augmenting path");
                break;
            }
            *need -= 1;
        }
    }
    for (t, &u) in table.iter_mut().zip(&up) {
        *t += usize::from(u);
    }
    table
}

/// One breadth-first augmenting path from part `start` in the bipartite graph parts × classes.
fn augment(
    start: usize,
    nc: usize,
    np: usize,
    rem: &[u128],
    up: &mut [bool],
    col_need: &mut [usize],
) -> bool {
    // prev_part[c]: the part from which class c was reached; prev_class[p]: the class through
    // which part p was reached (usize::MAX for the start).
    let mut prev_part = vec![usize::MAX; nc];
    let mut prev_class = vec![usize::MAX; np];
    let mut seen_part = vec![false; np];
    let mut queue = std::collections::VecDeque::from([start]);
    seen_part[start] = true;
    while let Some(p) = queue.pop_front() {
        for c in 0..nc {
            if prev_part[c] != usize::MAX || rem[c * np + p] == 0 || up[c * np + p] {
                continue;
            }
            prev_part[c] = p;
            if col_need[c] > 0 {
                // Flip along the path back to the start.
                col_need[c] -= 1;
                let mut c = c;
                loop {
                    let p = prev_part[c];
                    up[c * np + p] = true;
                    let back = prev_class[p];
                    if back == usize::MAX {
                        return true;
                    }
                    up[back * np + p] = false;
                    c = back;
                }
            }
            for q in 0..np {
                if !seen_part[q] && up[c * np + q] {
                    seen_part[q] = true;
                    prev_class[q] = c;
                    queue.push_back(q);
                }
            }
        }
    }
    false
}

/// A uniform draw in `0..n` (`n > 0`): 32-bit draws when `n` fits (half the ChaCha output).
#[inline]
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    if n <= u64::from(u32::MAX) {
        u64::from(rng.random_range(0..n as u32))
    } else {
        rng.random_range(0..n)
    }
}

/// The part `u` falls in given the remaining counts of each part (`u < Σ row`), without
/// data-dependent branches: the number of cumulative counts `<= u`.
#[inline]
fn part_of(u: u64, row: &[usize]) -> usize {
    let mut acc = 0u64;
    let mut p = 0usize;
    for &r in &row[..row.len() - 1] {
        acc += r as u64;
        p += usize::from(u >= acc);
    }
    p
}

/// Assigns every row to a part so that the rows of class `c` fill part `p` with exactly
/// `table[c * parts + p]` rows: uniformly at random (`rng` given: sequential random selection,
/// each row drawing its part with probability proportional to what the part still needs), or in
/// input order, each class's rows filling part 0 first, then part 1, … (no `rng`:
/// scikit-learn's `StratifiedKFold` blocks).
///
/// One pass, O(n · parts), no per-class index lists.
pub(crate) fn assign_by_class(
    codes: &[u32],
    counts: &[usize],
    table: &[usize],
    parts: usize,
    rng: Option<&mut ChaCha8Rng>,
) -> Vec<u32> {
    let mut need = table.to_vec();
    let mut out = Vec::with_capacity(codes.len());
    match rng {
        Some(rng) => {
            let mut left: Vec<u64> = counts.iter().map(|&c| c as u64).collect();
            for &c in codes {
                let c = c as usize;
                let u = below(rng, left[c]);
                left[c] -= 1;
                let row = &mut need[c * parts..(c + 1) * parts];
                let p = part_of(u, row);
                row[p] -= 1;
                out.push(p as u32);
            }
        }
        None if codes.len() >= 4 * PAR_CHUNK && counts.len() <= 4096 => {
            return assign_blocks_par(codes, counts, table, parts);
        }
        None => {
            let mut cursor = vec![0usize; counts.len()];
            for &c in codes {
                let c = c as usize;
                let row = &mut need[c * parts..(c + 1) * parts];
                let mut p = cursor[c];
                while row[p] == 0 {
                    p += 1;
                }
                cursor[c] = p;
                row[p] -= 1;
                out.push(p as u32);
            }
        }
    }
    out
}

/// The in-order ("blocks") assignment of [`assign_by_class`] in parallel chunks: each chunk learns
/// from per-chunk class counts how many rows of each class come before it, hence where each of
/// its rows falls in its class's blocks. Same result as the sequential loop.
fn assign_blocks_par(codes: &[u32], counts: &[usize], table: &[usize], parts: usize) -> Vec<u32> {
    use rayon::prelude::*;
    let nc = counts.len();
    let per_chunk: Vec<Vec<usize>> = codes
        .par_chunks(PAR_CHUNK)
        .map(|chunk| {
            let mut c = vec![0usize; nc];
            for &x in chunk {
                c[x as usize] += 1;
            }
            c
        })
        .collect();
    let mut before = Vec::with_capacity(per_chunk.len());
    let mut acc = vec![0usize; nc];
    for c in &per_chunk {
        before.push(acc.clone());
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    // cum[c * parts + p]: rows of class c in parts 0..=p.
    let mut cum = table.to_vec();
    for c in 0..nc {
        for p in 1..parts {
            cum[c * parts + p] += cum[c * parts + p - 1];
        }
    }
    let mut out = vec![0u32; codes.len()];
    out.par_chunks_mut(PAR_CHUNK)
        .zip(codes.par_chunks(PAR_CHUNK))
        .zip(before.par_iter())
        .for_each(|((out, chunk), before)| {
            let mut pos = before.clone();
            let mut part: Vec<usize> = (0..nc)
                .map(|c| {
                    let row = &cum[c * parts..(c + 1) * parts];
                    row.iter().position(|&x| pos[c] < x).unwrap_or(parts - 1)
                })
                .collect();
            for (o, &x) in out.iter_mut().zip(chunk) {
                let c = x as usize;
                let row = &cum[c * parts..(c + 1) * parts];
                while pos[c] >= row[part[c]] {
                    part[c] += 1;
                }
                pos[c] += 1;
                *o = part[c] as u32;
            }
        });
    out
}

/// [`assign_by_class`] for a single class: `sizes[p]` rows in part `p`.
pub(crate) fn assign_sizes(n: usize, sizes: &[usize], rng: Option<&mut ChaCha8Rng>) -> Vec<u32> {
    debug_assert_eq!(n, sizes.iter().sum::<usize>());
    match rng {
        Some(rng) => {
            let mut need = sizes.to_vec();
            let mut left = n as u64;
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                let u = below(rng, left);
                left -= 1;
                let p = part_of(u, &need);
                need[p] -= 1;
                out.push(p as u32);
            }
            out
        }
        None => {
            let mut out = Vec::with_capacity(n);
            for (p, &s) in sizes.iter().enumerate() {
                out.extend(std::iter::repeat_n(p as u32, s));
            }
            out
        }
    }
}

/// A uniformly random permutation of `0..n` (Fisher–Yates).
pub(crate) fn permutation(n: usize, rng: &mut ChaCha8Rng) -> Vec<u32> {
    use rand::seq::SliceRandom as _;
    let mut v: Vec<u32> = (0..n as u32).collect();
    v.shuffle(rng);
    v
}

/// Rows per chunk of the parallel scans.
const PAR_CHUNK: usize = 1 << 16;

/// Per-chunk counts of the ids of a per-row assignment, for parallel, branch-free extraction of
/// the rows of one id (or of all others) in ascending order.
///
/// Ids `>= k` (such as [`crate::UNASSIGNED`]) share one extra bucket, `k`. Producing an index
/// list costs one pass over the ids; the output is written in parallel by chunk (each chunk knows
/// its offset from the counts), so the page faults of a fresh output — which dominate on large
/// outputs — are taken by every core. Counts of every id are kept for few ids (at most 64);
/// with more (leave-one-group-out), each extraction counts its own id first.
pub(crate) struct RowIndex<'a> {
    ids: &'a [u32],
    k: usize,
    /// Chunk-major counts: `counts[chunk * (k + 1) + bucket]`, for small `k`.
    counts: Option<Vec<usize>>,
}

impl<'a> RowIndex<'a> {
    pub(crate) fn new(ids: &'a [u32], k: usize) -> Self {
        use rayon::prelude::*;
        let counts = (k <= 64).then(|| {
            let w = k + 1;
            let per_chunk: Vec<Vec<usize>> = ids
                .par_chunks(PAR_CHUNK)
                .map(|chunk| {
                    let mut c = vec![0usize; w];
                    for &x in chunk {
                        c[(x as usize).min(k)] += 1;
                    }
                    c
                })
                .collect();
            per_chunk.concat()
        });
        RowIndex { ids, k, counts }
    }

    fn bucket(&self, id: u32) -> usize {
        (id as usize).min(self.k)
    }

    /// Rows of bucket `b` in each chunk.
    fn chunk_counts(&self, b: usize) -> Vec<usize> {
        use rayon::prelude::*;
        let k = self.k;
        match &self.counts {
            Some(c) => c.iter().skip(b).step_by(k + 1).copied().collect(),
            None => self
                .ids
                .par_chunks(PAR_CHUNK)
                .map(|chunk| {
                    chunk
                        .iter()
                        .map(|&x| usize::from((x as usize).min(k) == b))
                        .sum()
                })
                .collect(),
        }
    }

    /// Ascending rows with id `id` (`inside`) or with any other id.
    pub(crate) fn rows(&self, id: u32, inside: bool) -> Vec<usize> {
        let mut v = Vec::new();
        if inside {
            self.fill_into(id, Some(&mut v), None);
        } else {
            self.fill_into(id, None, Some(&mut v));
        }
        v
    }

    /// `(rows with another id, rows with id `id`)`, ascending, in one pass.
    pub(crate) fn split(&self, id: u32) -> (Vec<usize>, Vec<usize>) {
        let (mut inside, mut outside) = (Vec::new(), Vec::new());
        self.fill_into(id, Some(&mut inside), Some(&mut outside));
        (outside, inside)
    }

    /// Fills the given outputs (reusing their memory) with the rows with id `id` (`inside`) and
    /// with any other id (`outside`), ascending, in one parallel pass.
    pub(crate) fn fill_into(
        &self,
        id: u32,
        inside: Option<&mut Vec<usize>>,
        outside: Option<&mut Vec<usize>>,
    ) {
        use rayon::prelude::*;
        let b = self.bucket(id);
        let k = self.k;
        let nchunks = self.ids.len().div_ceil(PAR_CHUNK);
        let chunk_in = self.chunk_counts(b);
        let len_in = |c: usize| chunk_in[c];
        let len_out = |c: usize| self.ids[c * PAR_CHUNK..].len().min(PAR_CHUNK) - len_in(c);
        let total_in: usize = (0..nchunks).map(len_in).sum();
        let mut no_in = Vec::new();
        let mut no_out = Vec::new();
        let want_in = inside.is_some();
        let want_out = outside.is_some();
        let inside = inside.map_or(&mut no_in, |v| fit(v, total_in));
        let outside = outside.map_or(&mut no_out, |v| fit(v, self.ids.len() - total_in));
        let ins = carve(inside, nchunks, |c| if want_in { len_in(c) } else { 0 });
        let outs = carve(outside, nchunks, |c| if want_out { len_out(c) } else { 0 });
        self.ids
            .par_chunks(PAR_CHUNK)
            .zip(ins.into_par_iter().zip(outs.into_par_iter()))
            .enumerate()
            .for_each(|(c, (chunk, (ins, outs)))| {
                let base = c * PAR_CHUNK;
                let (mut a, mut o) = (0usize, 0usize);
                // Branch-free: every row is written at the current position of both outputs and
                // the position advances on the side it belongs to; writes past a full output
                // are skipped (predictable), so the final contents are exact.
                for (i, &x) in chunk.iter().enumerate() {
                    let hit = usize::from((x as usize).min(k) == b);
                    if let Some(s) = ins.get_mut(a) {
                        *s = base + i;
                    }
                    if let Some(s) = outs.get_mut(o) {
                        *s = base + i;
                    }
                    a += hit;
                    o += 1 - hit;
                }
            });
    }

    /// The rows of every id `0..k`, each ascending.
    pub(crate) fn buckets(&self) -> Vec<Vec<usize>> {
        (0..self.k as u32).map(|id| self.rows(id, true)).collect()
    }
}

/// Sets the length of `v` to `m` without clearing it (every slot is overwritten by the caller).
fn fit(v: &mut Vec<usize>, m: usize) -> &mut Vec<usize> {
    if v.capacity() < m {
        // Fresh zeroed memory (calloc): its pages are faulted in by the parallel fill, on every
        // core, instead of by a single-threaded memset here.
        *v = vec![0usize; m];
    } else if v.len() < m {
        v.resize(m, 0);
    } else {
        v.truncate(m);
    }
    v
}

/// Cuts `buf` into consecutive slices of `len(c)` elements for `c` in `0..nchunks`.
fn carve(buf: &mut [usize], nchunks: usize, len: impl Fn(usize) -> usize) -> Vec<&mut [usize]> {
    let mut slices = Vec::with_capacity(nchunks);
    let mut rest = buf;
    for c in 0..nchunks {
        let (head, tail) = rest.split_at_mut(len(c));
        slices.push(head);
        rest = tail;
    }
    slices
}

/// Ascending indices of the rows with `ids[i] == id`.
pub(crate) fn rows_with(ids: &[u32], id: u32, k: usize) -> Vec<usize> {
    RowIndex::new(ids, k).rows(id, true)
}

/// Ascending indices of the rows with `ids[i] != id`.
pub(crate) fn rows_without(ids: &[u32], id: u32, k: usize) -> Vec<usize> {
    RowIndex::new(ids, k).rows(id, false)
}

/// Rows bucketed by id (`0..k`; other ids skipped), each bucket ascending: a counting sort.
pub(crate) fn bucket_rows(ids: &[u32], k: usize) -> Vec<Vec<usize>> {
    let mut counts = vec![0usize; k];
    for &x in ids {
        if let Some(c) = counts.get_mut(x as usize) {
            *c += 1;
        }
    }
    let mut out: Vec<Vec<usize>> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
    for (i, &x) in ids.iter().enumerate() {
        if let Some(v) = out.get_mut(x as usize) {
            v.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approximate_mode_matches_sklearn_docstring() {
        let mut r = rng(0, "t");
        assert_eq!(approximate_mode(&[4, 2], 3, &mut r), vec![2, 1]);
        assert_eq!(approximate_mode(&[5, 2], 4, &mut r), vec![3, 1]);
        // [2, 2, 2, 1] with 2 draws: two of the three classes of 2 get one each (ties at random).
        let got = approximate_mode(&[2, 2, 2, 1], 2, &mut r);
        assert_eq!(got.iter().sum::<usize>(), 2);
        assert_eq!(got[3], 0);
    }

    #[test]
    fn round_table_sums_and_bounds() {
        let counts = [7, 5, 3, 1, 9];
        let sizes = [10, 8, 4, 3];
        let mut r = rng(1, "t");
        let t = round_table(&counts, &sizes, &mut r);
        let n: usize = counts.iter().sum();
        for (c, &cnt) in counts.iter().enumerate() {
            assert_eq!(t[c * 4..c * 4 + 4].iter().sum::<usize>(), cnt);
            for (p, &s) in sizes.iter().enumerate() {
                let ideal = cnt as f64 * s as f64 / n as f64;
                assert!((t[c * 4 + p] as f64 - ideal).abs() < 1.0);
            }
        }
        for (p, &s) in sizes.iter().enumerate() {
            assert_eq!((0..5).map(|c| t[c * 4 + p]).sum::<usize>(), s);
        }
    }

    #[test]
    fn branch_free_scans() {
        let ids = [2u32, 0, 2, 1, 2, UNSET];
        assert_eq!(rows_with(&ids, 2, 3), vec![0, 2, 4]);
        assert_eq!(rows_without(&ids, 2, 3), vec![1, 3, 5]);
        assert_eq!(rows_with(&ids, UNSET, 3), vec![5]);
        let idx = RowIndex::new(&ids, 3);
        assert_eq!(idx.split(2), (vec![1, 3, 5], vec![0, 2, 4]));
        assert_eq!(idx.buckets(), vec![vec![1], vec![3], vec![0, 2, 4]]);
        assert_eq!(bucket_rows(&ids, 3), vec![vec![1], vec![3], vec![0, 2, 4]]);
        // Across many parallel chunks.
        let many: Vec<u32> = (0..300_000u32).map(|i| (i * 7 + i / 3) % 100).collect();
        for k in [100, 10] {
            // k = 100: counts per extraction; k = 10: kept counts (ids >= 10 share a bucket).
            let idx = RowIndex::new(&many, k);
            for id in [0u32, 3, 9] {
                let want: Vec<usize> = (0..many.len()).filter(|&i| many[i] == id).collect();
                let rest: Vec<usize> = (0..many.len()).filter(|&i| many[i] != id).collect();
                assert_eq!(idx.split(id), (rest, want.clone()));
                assert_eq!(bucket_rows(&many, k)[id as usize], want);
            }
        }
        assert_eq!(part_of(0, &[0, 2, 1]), 1);
        assert_eq!(part_of(2, &[0, 2, 1]), 2);
        assert_eq!(part_of(0, &[1]), 0);
    }

    const UNSET: u32 = u32::MAX;

    #[test]
    fn parallel_blocks_match_sequential() {
        let codes: Vec<u32> = (0..700_000u32).map(|i| (i * 13 + i / 7) % 6).collect();
        let mut counts = vec![0usize; 6];
        for &c in &codes {
            counts[c as usize] += 1;
        }
        let k = 4;
        let table: Vec<usize> = counts
            .iter()
            .flat_map(|&n| (0..k).map(move |f| n / k + usize::from(f < n % k)))
            .collect();
        let par = assign_blocks_par(&codes, &counts, &table, k);
        let mut cursor = [0usize; 6];
        let mut need = table.clone();
        for (&c, &p) in codes.iter().zip(&par) {
            let c = c as usize;
            while need[c * k + cursor[c]] == 0 {
                cursor[c] += 1;
            }
            need[c * k + cursor[c]] -= 1;
            assert_eq!(p as usize, cursor[c]);
        }
    }

    #[test]
    fn assign_in_blocks_and_at_random() {
        let codes = [0u32, 1, 0, 0, 1, 0];
        let counts = [4, 2];
        let table = [1, 3, 1, 1]; // class 0: 1 in part 0, 3 in part 1; class 1: 1 and 1
        assert_eq!(
            assign_by_class(&codes, &counts, &table, 2, None),
            vec![0, 0, 1, 1, 1, 1]
        );
        let mut r = rng(3, "t");
        let got = assign_by_class(&codes, &counts, &table, 2, Some(&mut r));
        let per = |c: u32, p: u32| {
            codes
                .iter()
                .zip(&got)
                .filter(|&(&x, &q)| x == c && q == p)
                .count()
        };
        assert_eq!((per(0, 0), per(0, 1), per(1, 0), per(1, 1)), (1, 3, 1, 1));
    }
}
