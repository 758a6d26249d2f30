//! Cross-validation: k-fold, stratified, grouped, stratified grouped, repeated, time-ordered
//! (forward chaining) and leave-one-group-out, with scikit-learn's semantics.
//!
//! Every validator returns [`Folds`]: the test fold of every row (a column you can store) plus
//! the train/test indices of each fold on demand. Without shuffling the assignment is exactly
//! scikit-learn's (`KFold`, `StratifiedKFold`, `GroupKFold`, `StratifiedGroupKFold`,
//! `TimeSeriesSplit`, `LeaveOneGroupOut`; golden-tested); with shuffling the per-fold counts are
//! scikit-learn's and the randomness is our own seeded ChaCha8.

use std::hash::Hash;
use std::ops::Range;

use dataprep_core::{Dataset, Record, Value};
use rand::seq::SliceRandom as _;

use crate::alloc::{
    RowIndex, assign_by_class, assign_sizes, permutation, rng, rows_with, rows_without, sub_seed,
};
use crate::encode::{encode, encode_sorted};
use crate::error::{Error, Result, Warning, check_len};
use crate::leakage::{LeakageReport, leakage_report};
use crate::record::Method;
use crate::records::Subset;
use crate::split::UNASSIGNED;

fn check_k(k: usize, n: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::InvalidParameter(format!(
            "k-fold cross-validation requires at least one train/test split by setting k=2 or more, got k={k}"
        )));
    }
    if k > n {
        return Err(Error::KExceedsSamples { k, n });
    }
    Ok(())
}

macro_rules! shuffle_builders {
    () => {
        /// Shuffles with `seed` (builder style); without it the assignment is scikit-learn's
        /// `shuffle=False` one, exactly.
        pub fn shuffled(mut self, seed: u64) -> Self {
            self.shuffle = true;
            self.seed = seed;
            self
        }

        /// Sets shuffling on or off (builder style).
        pub fn with_shuffle(mut self, shuffle: bool) -> Self {
            self.shuffle = shuffle;
            self
        }

        /// Sets the seed used when shuffling (builder style).
        pub fn with_seed(mut self, seed: u64) -> Self {
            self.seed = seed;
            self
        }

        /// The number of folds.
        pub fn k(&self) -> usize {
            self.k
        }
    };
}

/// K-fold: `k` consecutive folds, the first `n % k` one row larger (scikit-learn's `KFold`); with
/// shuffling, rows are assigned to folds of the same sizes at random.
///
/// ```
/// use dataprep_split::KFold;
/// let folds = KFold::new(3).split(10)?;
/// assert_eq!(folds.test_fold(), &[0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
/// let (train, test) = folds.split(1);
/// assert_eq!(test, vec![4, 5, 6]);
/// assert_eq!(train.len(), 7);
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KFold {
    k: usize,
    #[serde(default)]
    shuffle: bool,
    #[serde(default)]
    seed: u64,
}

impl KFold {
    /// `k` folds, not shuffled.
    pub fn new(k: usize) -> Self {
        KFold {
            k,
            shuffle: false,
            seed: 0,
        }
    }

    shuffle_builders!();

    /// The folds of `n` rows. O(n).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `k < 2`; [`Error::KExceedsSamples`] for `k > n`.
    pub fn split(&self, n: usize) -> Result<Folds> {
        check_k(self.k, n)?;
        let sizes: Vec<usize> = (0..self.k)
            .map(|f| n / self.k + usize::from(f < n % self.k))
            .collect();
        let mut r = rng(self.seed, "k_fold");
        let test_fold = assign_sizes(n, &sizes, self.shuffle.then_some(&mut r));
        Ok(Folds::partition(
            self.k,
            test_fold,
            Vec::new(),
            Method::KFold(self.clone()),
        ))
    }
}

/// Stratified k-fold: each fold keeps the class proportions (scikit-learn's `StratifiedKFold`).
///
/// Classes are numbered by first appearance; the number of rows of each class in each fold is
/// scikit-learn's round-robin allocation over the label-sorted rows; without shuffling, each
/// class's rows fill fold 0, then fold 1, … in input order — exactly scikit-learn's
/// `StratifiedKFold(shuffle=False)` assignment. With shuffling, the same counts, rows at random.
/// O(n).
///
/// ```
/// use dataprep_split::StratifiedKFold;
/// let y = [0, 0, 0, 1, 1, 1, 1, 0, 1, 0];
/// let folds = StratifiedKFold::new(2).split(&y)?;
/// assert_eq!(folds.test_fold(), &[0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
/// // scikit-learn warns when a class has fewer than k members; so do we.
/// let folds = StratifiedKFold::new(3).split(&["a", "a", "a", "b", "b"])?;
/// assert_eq!(folds.warnings().len(), 1);
/// assert!(StratifiedKFold::new(4).split(&["a", "a", "a", "b", "b"]).is_err());
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StratifiedKFold {
    k: usize,
    #[serde(default)]
    shuffle: bool,
    #[serde(default)]
    seed: u64,
}

impl StratifiedKFold {
    /// `k` folds, not shuffled.
    pub fn new(k: usize) -> Self {
        StratifiedKFold {
            k,
            shuffle: false,
            seed: 0,
        }
    }

    shuffle_builders!();

    /// The rows of each class in each fold: `allocation[class][fold]`, classes by first
    /// appearance, as scikit-learn computes it (round robin over the label-sorted rows).
    pub fn allocation(&self, class_counts: &[usize]) -> Vec<Vec<usize>> {
        let k = self.k.max(1);
        let mut start = 0usize;
        class_counts
            .iter()
            .map(|&cnt| {
                let (base, extra) = (cnt / k, cnt % k);
                let row = (0..k)
                    .map(|f| base + usize::from((f + k - start % k) % k < extra))
                    .collect();
                start += cnt;
                row
            })
            .collect()
    }

    /// The folds of rows labelled `labels`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `k < 2`; [`Error::KExceedsSamples`] for `k > n`;
    /// [`Error::KExceedsClasses`] when every class has fewer than `k` rows. A class with fewer
    /// than `k` rows is a [`Warning::LeastPopulatedClass`].
    pub fn split<L: Hash + Eq + Sync + std::fmt::Debug>(&self, labels: &[L]) -> Result<Folds> {
        check_k(self.k, labels.len())?;
        let enc = encode(labels);
        let warnings = class_count_checks(self.k, enc.counts(), |c| {
            format!("{:?}", labels[enc.first_rows()[c]])
        })?;
        let alloc = self.allocation(enc.counts());
        let table: Vec<usize> = alloc.into_iter().flatten().collect();
        let mut r = rng(self.seed, "stratified_k_fold");
        let test_fold = assign_by_class(
            enc.codes(),
            enc.counts(),
            &table,
            self.k,
            self.shuffle.then_some(&mut r),
        );
        Ok(Folds::partition(
            self.k,
            test_fold,
            warnings,
            Method::StratifiedKFold(self.clone()),
        ))
    }
}

/// scikit-learn's checks: error when `k` exceeds every class, warning when it exceeds the least
/// populated one.
fn class_count_checks(
    k: usize,
    counts: &[usize],
    name: impl Fn(usize) -> String,
) -> Result<Vec<Warning>> {
    let largest = counts.iter().copied().max().unwrap_or(0);
    if k > largest {
        return Err(Error::KExceedsClasses { k, largest });
    }
    let (min_c, &min) = counts
        .iter()
        .enumerate()
        .min_by_key(|&(_, c)| c)
        .expect("non-empty");
    Ok(if min < k {
        vec![
            Warning::LeastPopulatedClass {
                class: name(min_c),
                count: min,
                k,
            }
            .emit(),
        ]
    } else {
        Vec::new()
    })
}

/// Group k-fold: no group in two folds (scikit-learn's `GroupKFold`).
///
/// Without shuffling, groups (in sorted order) are taken largest first, ties by larger sorted
/// position first, each into the fold with the fewest rows so far (first such fold) — exactly
/// scikit-learn's greedy. With shuffling, groups are permuted and dealt into `k` folds of
/// `⌈g/k⌉` or `⌊g/k⌋` groups (scikit-learn ≥ 1.6's `shuffle=True`). O(n + g log g + g k).
///
/// ```
/// use dataprep_split::GroupKFold;
/// let groups = ["a", "a", "a", "b", "b", "c", "d"];
/// let folds = GroupKFold::new(2).split(&groups)?;
/// assert_eq!(folds.test_fold(), &[0, 0, 0, 1, 1, 0, 1]);
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupKFold {
    k: usize,
    #[serde(default)]
    shuffle: bool,
    #[serde(default)]
    seed: u64,
}

impl GroupKFold {
    /// `k` folds, not shuffled.
    pub fn new(k: usize) -> Self {
        GroupKFold {
            k,
            shuffle: false,
            seed: 0,
        }
    }

    shuffle_builders!();

    /// The folds of rows in `groups`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `k < 2`; [`Error::KExceedsSamples`] for `k > n`;
    /// [`Error::KExceedsGroups`] for more folds than groups.
    pub fn split<G: Hash + Eq + Sync + Ord>(&self, groups: &[G]) -> Result<Folds> {
        check_k(self.k, groups.len())?;
        let enc = encode_sorted(groups);
        let ng = enc.n_classes();
        if self.k > ng {
            return Err(Error::KExceedsGroups {
                k: self.k,
                groups: ng,
            });
        }
        let mut group_fold = vec![0u32; ng];
        if self.shuffle {
            let mut r = rng(self.seed, "group_k_fold");
            let perm = permutation(ng, &mut r);
            let (base, extra) = (ng / self.k, ng % self.k);
            let mut pos = 0;
            for f in 0..self.k {
                let len = base + usize::from(f < extra);
                for &g in &perm[pos..pos + len] {
                    group_fold[g as usize] = f as u32;
                }
                pos += len;
            }
        } else {
            let counts = enc.counts();
            // np.argsort(counts, kind="stable")[::-1]
            let mut order: Vec<usize> = (0..ng).collect();
            order.sort_by_key(|&g| counts[g]);
            order.reverse();
            let mut load = vec![0usize; self.k];
            for g in order {
                let lightest = (0..self.k).min_by_key(|&f| load[f]).expect("k >= 2");
                load[lightest] += counts[g];
                group_fold[g] = lightest as u32;
            }
        }
        let test_fold = enc
            .codes()
            .iter()
            .map(|&g| group_fold[g as usize])
            .collect();
        Ok(Folds::partition(
            self.k,
            test_fold,
            Vec::new(),
            Method::GroupKFold(self.clone()),
        ))
    }
}

/// Stratified group k-fold: no group in two folds, class proportions kept as well as groups allow
/// (scikit-learn's `StratifiedGroupKFold`).
///
/// Groups (sorted; permuted when shuffling) are taken in decreasing order of the standard
/// deviation of their class counts (stable), each into the fold that minimises the mean over
/// classes of the standard deviation across folds of the fraction of the class in each fold,
/// ties (within `np.isclose`) to the fold with fewer rows. The floating-point evaluation follows
/// NumPy's summation order, so the assignment without shuffling is exactly scikit-learn's.
/// O(n + g · k · (k · c_g + c)) for g groups, c classes and c_g classes per group.
///
/// ```
/// use dataprep_split::StratifiedGroupKFold;
/// let y = [0, 0, 1, 1, 0, 1, 0, 1];
/// let g = [1, 1, 2, 2, 3, 3, 4, 4];
/// let folds = StratifiedGroupKFold::new(2).split(&y, &g)?;
/// // No group is split.
/// for (i, j) in [(0, 1), (2, 3), (4, 5), (6, 7)] {
///     assert_eq!(folds.fold_of(i), folds.fold_of(j));
/// }
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StratifiedGroupKFold {
    k: usize,
    #[serde(default)]
    shuffle: bool,
    #[serde(default)]
    seed: u64,
}

impl StratifiedGroupKFold {
    /// `k` folds, not shuffled.
    pub fn new(k: usize) -> Self {
        StratifiedGroupKFold {
            k,
            shuffle: false,
            seed: 0,
        }
    }

    shuffle_builders!();

    /// The folds of rows labelled `labels` in `groups`.
    ///
    /// # Errors
    /// As [`StratifiedKFold::split`] and [`GroupKFold::split`]; [`Error::LengthMismatch`] when
    /// `labels` and `groups` differ in length.
    pub fn split<L, G>(&self, labels: &[L], groups: &[G]) -> Result<Folds>
    where
        L: Hash + Eq + Sync + Ord + std::fmt::Debug,
        G: Hash + Eq + Sync + Ord,
    {
        let n = labels.len();
        check_len("groups", n, groups.len())?;
        check_k(self.k, n)?;
        let ey = encode_sorted(labels);
        let warnings = class_count_checks(self.k, ey.counts(), |c| {
            format!("{:?}", labels[ey.first_rows()[c]])
        })?;
        let eg = encode_sorted(groups);
        let ng = eg.n_classes();
        if self.k > ng {
            return Err(Error::KExceedsGroups {
                k: self.k,
                groups: ng,
            });
        }
        let nc = ey.n_classes();
        let k = self.k;
        let profile = crate::split::GroupProfile::new(&ey, &eg);
        // Processing order: (permuted) groups, stable-sorted by decreasing std of class counts.
        let mut order: Vec<u32> = if self.shuffle {
            let mut r = rng(self.seed, "stratified_group_k_fold");
            let mut p: Vec<u32> = (0..ng as u32).collect();
            p.shuffle(&mut r);
            p
        } else {
            (0..ng as u32).collect()
        };
        let mut dense = vec![0.0f64; nc];
        let mut scratch = vec![0.0f64; nc];
        let group_std: Vec<f64> = (0..ng)
            .map(|g| {
                dense.iter_mut().for_each(|x| *x = 0.0);
                for &(c, cnt) in profile.of(g) {
                    dense[c as usize] = f64::from(cnt);
                }
                np_std_row(&dense, &mut scratch)
            })
            .collect();
        order.sort_by(|&a, &b| {
            group_std[b as usize]
                .partial_cmp(&group_std[a as usize])
                .unwrap_or(std::cmp::Ordering::Equal)
        });

        let y_cnt: Vec<f64> = ey.counts().iter().map(|&c| c as f64).collect();
        // y_counts_per_fold, fold-major (k × nc).
        let mut per_fold = vec![0.0f64; k * nc];
        let mut base_std = vec![0.0f64; nc];
        let mut std_per_class = vec![0.0f64; nc];
        let mut col = vec![0.0f64; k];
        let mut group_fold = vec![0u32; ng];
        for &g in &order {
            let pairs = profile.of(g as usize);
            for c in 0..nc {
                for f in 0..k {
                    col[f] = per_fold[f * nc + c] / y_cnt[c];
                }
                base_std[c] = np_std_col(&col, nc == 1);
            }
            let mut best = 0usize;
            let mut min_eval = f64::INFINITY;
            let mut min_samples = f64::INFINITY;
            for i in 0..k {
                std_per_class.copy_from_slice(&base_std);
                for &(c, cnt) in pairs {
                    let c = c as usize;
                    for f in 0..k {
                        let v = if f == i {
                            per_fold[f * nc + c] + f64::from(cnt)
                        } else {
                            per_fold[f * nc + c]
                        };
                        col[f] = v / y_cnt[c];
                    }
                    std_per_class[c] = np_std_col(&col, nc == 1);
                }
                let fold_eval = np_sum(&std_per_class) / nc as f64;
                let samples_in_fold = np_sum(&per_fold[i * nc..(i + 1) * nc]);
                let better = fold_eval < min_eval
                    || (np_isclose(fold_eval, min_eval) && samples_in_fold < min_samples);
                if better {
                    min_eval = fold_eval;
                    min_samples = samples_in_fold;
                    best = i;
                }
            }
            for &(c, cnt) in pairs {
                per_fold[best * nc + c as usize] += f64::from(cnt);
            }
            group_fold[g as usize] = best as u32;
        }
        let test_fold = eg.codes().iter().map(|&g| group_fold[g as usize]).collect();
        Ok(Folds::partition(
            k,
            test_fold,
            warnings,
            Method::StratifiedGroupKFold(self.clone()),
        ))
    }
}

/// NumPy's pairwise summation (`add.reduce` over a contiguous array), bit for bit.
pub(crate) fn np_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = -0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - (n % 8) {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        np_sum(&a[..n2]) + np_sum(&a[n2..])
    }
}

/// `np.std` of one contiguous row (population std, pairwise sums).
fn np_std_row(row: &[f64], scratch: &mut [f64]) -> f64 {
    let n = row.len() as f64;
    let mean = np_sum(row) / n;
    for (s, &x) in scratch.iter_mut().zip(row) {
        let d = x - mean;
        *s = d * d;
    }
    (np_sum(scratch) / n).sqrt()
}

/// `np.std(axis=0)` of one column of a k × c matrix: NumPy accumulates rows one after the other
/// (a plain sequential sum), except when the matrix has a single column, where the reduction is
/// contiguous and pairwise.
fn np_std_col(col: &[f64], single_column: bool) -> f64 {
    let n = col.len() as f64;
    let sum = |it: &mut dyn Iterator<Item = f64>, buf: &[f64]| {
        if single_column {
            np_sum(buf)
        } else {
            let mut s = 0.0;
            for x in it {
                s += x;
            }
            s
        }
    };
    let mean = sum(&mut col.iter().copied(), col) / n;
    let sq: Vec<f64> = col
        .iter()
        .map(|&x| {
            let d = x - mean;
            d * d
        })
        .collect();
    (sum(&mut sq.iter().copied(), &sq) / n).sqrt()
}

/// `np.isclose(a, b)` with the default tolerances.
fn np_isclose(a: f64, b: f64) -> bool {
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= 1e-8 + 1e-5 * b.abs()
}

/// Forward-chaining splits for time-ordered rows (scikit-learn's `TimeSeriesSplit`): the rows are
/// cut into `k + 1` blocks; fold `i` tests on block `i + 1` and trains on everything before it
/// (minus a `gap`, at most `max_train_size` rows). Rows are in time order as given, or sorted by a
/// time column with [`TimeSeriesSplit::split_by_time`].
///
/// ```
/// use dataprep_split::TimeSeriesSplit;
/// let folds = TimeSeriesSplit::new(3).split(8)?;
/// assert_eq!(folds.split(0), (vec![0, 1], vec![2, 3]));
/// assert_eq!(folds.split(2), (vec![0, 1, 2, 3, 4, 5], vec![6, 7]));
/// let gap = TimeSeriesSplit::new(2).with_gap(1).with_max_train_size(2).split(8)?;
/// assert_eq!(gap.split(1), (vec![3, 4], vec![6, 7]));
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeSeriesSplit {
    k: usize,
    #[serde(default)]
    test_size: Option<usize>,
    #[serde(default)]
    gap: usize,
    #[serde(default)]
    max_train_size: Option<usize>,
}

impl TimeSeriesSplit {
    /// `k` splits, test blocks of `n / (k + 1)` rows, no gap, unbounded training windows.
    pub fn new(k: usize) -> Self {
        TimeSeriesSplit {
            k,
            test_size: None,
            gap: 0,
            max_train_size: None,
        }
    }

    /// Rows per test block (builder style).
    pub fn with_test_size(mut self, test_size: usize) -> Self {
        self.test_size = Some(test_size);
        self
    }

    /// Rows left out between the end of training and the start of the test block.
    pub fn with_gap(mut self, gap: usize) -> Self {
        self.gap = gap;
        self
    }

    /// The most recent `max` rows at most in each training window.
    pub fn with_max_train_size(mut self, max: usize) -> Self {
        self.max_train_size = Some(max);
        self
    }

    /// The number of splits.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The folds of `n` rows in time order.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `k < 2`, a zero test size or training window, or too many
    /// splits for `n` with this test size and gap; [`Error::KExceedsSamples`] when `k + 1 > n`.
    pub fn split(&self, n: usize) -> Result<Folds> {
        self.build(n, None)
    }

    /// The folds of rows ordered by `times` (stable: equal times keep input order). Indices
    /// refer to input rows.
    ///
    /// # Errors
    /// As [`TimeSeriesSplit::split`].
    pub fn split_by_time<T: Ord>(&self, times: &[T]) -> Result<Folds> {
        let mut order: Vec<u32> = (0..times.len() as u32).collect();
        order.sort_by(|&a, &b| times[a as usize].cmp(&times[b as usize]));
        self.build(times.len(), Some(order))
    }

    fn build(&self, n: usize, order: Option<Vec<u32>>) -> Result<Folds> {
        let k = self.k;
        if k < 2 {
            return Err(Error::InvalidParameter(format!(
                "time series cross-validation requires k=2 or more, got k={k}"
            )));
        }
        if self.max_train_size == Some(0) {
            return Err(Error::InvalidParameter(
                "max_train_size must be at least 1".into(),
            ));
        }
        let folds = k + 1;
        if folds > n {
            return Err(Error::KExceedsSamples { k: folds, n });
        }
        let test_size = self.test_size.unwrap_or(n / folds);
        if test_size == 0 {
            return Err(Error::InvalidParameter(
                "test_size must be at least 1".into(),
            ));
        }
        if n as i128 - self.gap as i128 - (test_size as i128 * k as i128) <= 0 {
            return Err(Error::InvalidParameter(format!(
                "too many splits k={k} for number of samples n={n} with test_size={test_size} and gap={}",
                self.gap
            )));
        }
        let mut train = Vec::with_capacity(k);
        let mut test = Vec::with_capacity(k);
        let mut test_fold = vec![UNASSIGNED; n];
        for (f, start) in (n - k * test_size..n).step_by(test_size).enumerate() {
            let train_end = start - self.gap;
            let train_start = match self.max_train_size {
                Some(m) if m < train_end => train_end - m,
                _ => 0,
            };
            train.push(train_start..train_end);
            test.push(start..start + test_size);
            for pos in start..start + test_size {
                let row = order.as_ref().map_or(pos, |o| o[pos] as usize);
                test_fold[row] = f as u32;
            }
        }
        let mut folds = Folds::partition(
            k,
            test_fold,
            Vec::new(),
            Method::TimeSeriesSplit(self.clone()),
        );
        folds.forward = Some(Forward { order, train, test });
        Ok(folds)
    }
}

/// Leave-one-group-out: one fold per group (in sorted order), testing on that group
/// (scikit-learn's `LeaveOneGroupOut`).
///
/// ```
/// use dataprep_split::LeaveOneGroupOut;
/// let folds = LeaveOneGroupOut::new().split(&["b", "a", "b", "c"])?;
/// assert_eq!(folds.k(), 3);
/// assert_eq!(folds.test_fold(), &[1, 0, 1, 2]);
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeaveOneGroupOut {}

impl LeaveOneGroupOut {
    /// The validator.
    pub fn new() -> Self {
        LeaveOneGroupOut {}
    }

    /// One fold per group.
    ///
    /// # Errors
    /// [`Error::KExceedsGroups`] with fewer than 2 groups.
    pub fn split<G: Hash + Eq + Sync + Ord>(&self, groups: &[G]) -> Result<Folds> {
        let enc = encode_sorted(groups);
        if enc.n_classes() < 2 {
            return Err(Error::KExceedsGroups {
                k: 2,
                groups: enc.n_classes(),
            });
        }
        let k = enc.n_classes();
        Ok(Folds::partition(
            k,
            enc.codes().to_vec(),
            Vec::new(),
            Method::LeaveOneGroupOut(self.clone()),
        ))
    }
}

/// Repeated k-fold: `repeats` shuffled k-folds with independent seeds derived from `seed`
/// (scikit-learn's `RepeatedKFold`).
///
/// ```
/// let all = dataprep_split::RepeatedKFold::new(5, 3).with_seed(1).split(20)?;
/// assert_eq!(all.len(), 3);
/// assert_ne!(all[0].test_fold(), all[1].test_fold());
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepeatedKFold {
    k: usize,
    repeats: usize,
    #[serde(default)]
    seed: u64,
}

impl RepeatedKFold {
    /// `repeats` times `k` folds.
    pub fn new(k: usize, repeats: usize) -> Self {
        RepeatedKFold {
            k,
            repeats,
            seed: 0,
        }
    }

    /// Sets the seed (builder style).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The folds of every repeat.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for zero repeats; those of [`KFold::split`].
    pub fn split(&self, n: usize) -> Result<Vec<Folds>> {
        repeat_seeds(self.seed, self.repeats)?
            .into_iter()
            .map(|s| KFold::new(self.k).shuffled(s).split(n))
            .collect()
    }
}

/// Repeated stratified k-fold: `repeats` shuffled stratified k-folds with independent seeds
/// (scikit-learn's `RepeatedStratifiedKFold`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepeatedStratifiedKFold {
    k: usize,
    repeats: usize,
    #[serde(default)]
    seed: u64,
}

impl RepeatedStratifiedKFold {
    /// `repeats` times `k` folds.
    pub fn new(k: usize, repeats: usize) -> Self {
        RepeatedStratifiedKFold {
            k,
            repeats,
            seed: 0,
        }
    }

    /// Sets the seed (builder style).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The folds of every repeat.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for zero repeats; those of [`StratifiedKFold::split`].
    pub fn split<L: Hash + Eq + Sync + std::fmt::Debug>(&self, labels: &[L]) -> Result<Vec<Folds>> {
        repeat_seeds(self.seed, self.repeats)?
            .into_iter()
            .map(|s| StratifiedKFold::new(self.k).shuffled(s).split(labels))
            .collect()
    }
}

/// Independent seeds for `repeats` repetitions of any shuffled validator (for example
/// `GroupKFold::new(5).shuffled(s)` for each `s`), derived from `seed`.
///
/// # Errors
/// [`Error::InvalidParameter`] for zero repeats.
pub fn repeat_seeds(seed: u64, repeats: usize) -> Result<Vec<u64>> {
    if repeats == 0 {
        return Err(Error::InvalidParameter(
            "the number of repeats must be at least 1".into(),
        ));
    }
    Ok((0..repeats).map(|r| sub_seed(seed, "repeat", r)).collect())
}

/// Training windows of forward-chaining folds, in time positions.
#[derive(Debug, Clone, PartialEq)]
struct Forward {
    order: Option<Vec<u32>>,
    train: Vec<Range<usize>>,
    test: Vec<Range<usize>>,
}

/// Cross-validation folds: the test fold of every row, and the train/test indices of each fold.
///
/// For partitioning validators (k-fold and its stratified and grouped variants, leave-one-group-out)
/// every row is in exactly one test fold and a fold's training rows are all the others; for
/// [`TimeSeriesSplit`] the training rows of a fold are those before its test block. Indices are
/// ascending.
#[derive(Debug, Clone, PartialEq)]
pub struct Folds {
    k: usize,
    test_fold: Vec<u32>,
    forward: Option<Forward>,
    warnings: Vec<Warning>,
    method: Method,
}

impl Folds {
    pub(crate) fn partition(
        k: usize,
        test_fold: Vec<u32>,
        warnings: Vec<Warning>,
        method: Method,
    ) -> Self {
        Folds {
            k,
            test_fold,
            forward: None,
            warnings,
            method,
        }
    }

    /// Number of folds.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.test_fold.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.test_fold.is_empty()
    }

    /// The test fold of every row ([`UNASSIGNED`] for rows in no test set, which only
    /// [`TimeSeriesSplit`] leaves) — scikit-learn's `test_folds`.
    pub fn test_fold(&self) -> &[u32] {
        &self.test_fold
    }

    /// The test fold of row `row`.
    pub fn fold_of(&self, row: usize) -> Option<usize> {
        match self.test_fold.get(row) {
            Some(&f) if f != UNASSIGNED => Some(f as usize),
            _ => None,
        }
    }

    /// The test rows of fold `fold`, ascending.
    ///
    /// # Panics
    /// If `fold >= k`.
    pub fn test_indices(&self, fold: usize) -> Vec<usize> {
        assert!(fold < self.k, "fold {fold} out of range for k={}", self.k);
        match &self.forward {
            Some(fw) => fw.rows(fw.test[fold].clone()),
            None => rows_with(&self.test_fold, fold as u32, self.k),
        }
    }

    /// The training rows of fold `fold`, ascending.
    ///
    /// # Panics
    /// If `fold >= k`.
    pub fn train_indices(&self, fold: usize) -> Vec<usize> {
        assert!(fold < self.k, "fold {fold} out of range for k={}", self.k);
        match &self.forward {
            Some(fw) => fw.rows(fw.train[fold].clone()),
            None => rows_without(&self.test_fold, fold as u32, self.k),
        }
    }

    /// `(train, test)` rows of fold `fold`.
    ///
    /// # Panics
    /// If `fold >= k`.
    pub fn split(&self, fold: usize) -> (Vec<usize>, Vec<usize>) {
        (self.train_indices(fold), self.test_indices(fold))
    }

    /// Fills `train` and `test` with the rows of fold `fold`, reusing their memory: in a
    /// cross-validation loop this avoids allocating (and page-faulting) fresh index vectors for
    /// every fold.
    ///
    /// ```
    /// let folds = dataprep_split::KFold::new(4).split(100)?;
    /// let (mut train, mut test) = (Vec::new(), Vec::new());
    /// for f in 0..folds.k() {
    ///     folds.split_into(f, &mut train, &mut test);
    ///     assert_eq!((train.len(), test.len()), (75, 25));
    /// }
    /// # Ok::<(), dataprep_split::Error>(())
    /// ```
    ///
    /// # Panics
    /// If `fold >= k`.
    pub fn split_into(&self, fold: usize, train: &mut Vec<usize>, test: &mut Vec<usize>) {
        assert!(fold < self.k, "fold {fold} out of range for k={}", self.k);
        match &self.forward {
            Some(_) => {
                *train = self.train_indices(fold);
                *test = self.test_indices(fold);
            }
            None => RowIndex::new(&self.test_fold, self.k).fill_into(
                fold as u32,
                Some(test),
                Some(train),
            ),
        }
    }

    /// `(train, test)` rows of every fold in order, like scikit-learn's `split()`; one counting
    /// pass, then one parallel pass per fold.
    pub fn iter(&self) -> impl Iterator<Item = (Vec<usize>, Vec<usize>)> + '_ {
        let index = self
            .forward
            .is_none()
            .then(|| RowIndex::new(&self.test_fold, self.k));
        (0..self.k).map(move |f| match &index {
            Some(index) => index.split(f as u32),
            None => self.split(f),
        })
    }

    /// Test rows per fold.
    pub fn test_sizes(&self) -> Vec<usize> {
        let mut c = vec![0usize; self.k];
        for &f in &self.test_fold {
            if let Some(x) = c.get_mut(f as usize) {
                *x += 1;
            }
        }
        c
    }

    /// Warnings raised while splitting.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The method and its parameters (with the seed), to record and reproduce the folds.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Writes the test fold of every row into `column` as an integer (null for rows in no test
    /// set).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `records` is not the folds' input.
    pub fn write_column(&self, records: &mut [Record], column: &str) -> Result<()> {
        check_len("records", self.test_fold.len(), records.len())?;
        for (r, &f) in records.iter_mut().zip(&self.test_fold) {
            let v = if f == UNASSIGNED {
                Value::Null
            } else {
                Value::Int(i64::from(f))
            };
            r.set(column, v);
        }
        Ok(())
    }

    /// The training records of fold `fold` of a random-access dataset, lazily.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when the dataset is not the folds' input;
    /// [`Error::InvalidParameter`] for `fold >= k`.
    pub fn train_subset<D: Dataset>(&self, dataset: D, fold: usize) -> Result<Subset<D>> {
        self.check_subset(&dataset, fold)?;
        Ok(Subset::new(dataset, self.train_indices(fold)))
    }

    /// The test records of fold `fold` of a random-access dataset, lazily.
    ///
    /// # Errors
    /// As [`Folds::train_subset`].
    pub fn test_subset<D: Dataset>(&self, dataset: D, fold: usize) -> Result<Subset<D>> {
        self.check_subset(&dataset, fold)?;
        Ok(Subset::new(dataset, self.test_indices(fold)))
    }

    fn check_subset<D: Dataset>(&self, dataset: &D, fold: usize) -> Result<()> {
        check_len("dataset", self.test_fold.len(), dataset.len())?;
        if fold >= self.k {
            return Err(Error::InvalidParameter(format!(
                "fold {fold} out of range for k={}",
                self.k
            )));
        }
        Ok(())
    }

    /// Duplicate pairs whose members sit in different test folds (so that one is in the
    /// training set while the other is tested), with `clusters` the duplicate-cluster id of every
    /// row. See [`crate::leakage_report`].
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `clusters` does not have one id per row.
    pub fn leakage<G: Hash + Eq + Sync>(&self, clusters: &[G]) -> Result<LeakageReport> {
        let names: Vec<String> = (0..self.k).map(|f| format!("fold {f}")).collect();
        leakage_report(&self.test_fold, &names, clusters)
    }
}

impl Forward {
    fn rows(&self, positions: Range<usize>) -> Vec<usize> {
        match &self.order {
            None => positions.collect(),
            Some(o) => {
                let mut v: Vec<usize> = o[positions].iter().map(|&r| r as usize).collect();
                v.sort_unstable();
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn np_sum_matches_pairwise_structure() {
        let v: Vec<f64> = (0..300).map(|i| 1.0 / f64::from(i + 1)).collect();
        // Not bitwise-checkable without NumPy; check it sums and handles all branches.
        let naive: f64 = v.iter().sum();
        assert!((np_sum(&v) - naive).abs() < 1e-12);
        assert_eq!(np_sum(&[1.0, 2.0]), 3.0);
        assert_eq!(np_sum(&v[..20]), {
            let mut r = [0.0; 8];
            r.copy_from_slice(&v[..8]);
            for j in 0..8 {
                r[j] += v[8 + j];
            }
            ((r[0] + r[1]) + (r[2] + r[3]))
                + ((r[4] + r[5]) + (r[6] + r[7]))
                + v[16]
                + v[17]
                + v[18]
                + v[19]
        });
    }

    #[test]
    fn stratified_allocation_is_round_robin() {
        // y sorted = [0 0 0 0 0 1 1 1 2 2], k = 3: fold 0 gets positions 0,3,6,9 ...
        let a = StratifiedKFold::new(3).allocation(&[5, 3, 2]);
        assert_eq!(a, vec![vec![2, 2, 1], vec![1, 1, 1], vec![1, 0, 1]]);
    }

    #[test]
    fn time_series_sklearn_docstring() {
        // TimeSeriesSplit(n_splits=5) on 6 rows: train [0], test [1]; ... train [0..4], test [5]
        let f = TimeSeriesSplit::new(5).split(6).unwrap();
        assert_eq!(f.split(0), (vec![0], vec![1]));
        assert_eq!(f.split(4), (vec![0, 1, 2, 3, 4], vec![5]));
        // test_size=2, gap=2 on 12 rows
        let f = TimeSeriesSplit::new(3)
            .with_test_size(2)
            .with_gap(2)
            .split(12)
            .unwrap();
        assert_eq!(f.split(0), (vec![0, 1, 2, 3], vec![6, 7]));
        assert_eq!(f.split(2), (vec![0, 1, 2, 3, 4, 5, 6, 7], vec![10, 11]));
    }
}
