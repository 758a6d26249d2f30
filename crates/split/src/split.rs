//! Train/validation/test splits: random, stratified, grouped and stratified-grouped, with any
//! number of named splits, and the [`Assignment`] they produce.

use std::hash::Hash;

use dataprep_core::{Dataset, Record, Value};

use crate::alloc::{assign_by_class, assign_sizes, permutation, rng, round_table, rows_with};
use crate::encode::{Encoded, encode};
use crate::error::{Error, Result, Warning, check_len};
use crate::leakage::{LeakageReport, leakage_report};
use crate::record::Method;
use crate::records::Subset;
use crate::size::Splits;

/// The split id of rows that belong to no split (sizes summing to less than all rows).
pub const UNASSIGNED: u32 = u32::MAX;

/// What the sizes of a grouped split count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupSizing {
    /// Sizes are in rows (the default): groups are placed so that each split gets as close to its
    /// share of rows as indivisible groups allow.
    #[default]
    Rows,
    /// Sizes are in groups, like scikit-learn's `GroupShuffleSplit` (`n_test = ceil(test ×
    /// n_groups)` groups, whatever their sizes).
    Groups,
}

/// Splits rows into named splits (train/validation/test…) by size.
///
/// Four strategies share the sizes, seed and options:
/// [`random`](Splitter::random) (`train_test_split`), [`stratified`](Splitter::stratified)
/// (`train_test_split(stratify=y)`: per-class counts by largest remainder, scikit-learn's
/// `_approximate_mode`), [`grouped`](Splitter::grouped) (no group in two splits) and
/// [`stratified_grouped`](Splitter::stratified_grouped) (both). Sizes follow scikit-learn's
/// rounding (see [`Splits`]); the result lists, for every row in input order, its split.
///
/// ```
/// use dataprep_split::{Splits, Splitter};
/// let labels: Vec<&str> = (0..100).map(|i| if i % 4 == 0 { "rare" } else { "common" }).collect();
/// let a = Splitter::new(Splits::train_validation_test(0.1, 0.2)).with_seed(7).stratified(&labels)?;
/// assert_eq!(a.counts(), vec![70, 10, 20]);
/// let test = a.indices("test").unwrap();
/// assert_eq!(test.iter().filter(|&&i| labels[i] == "rare").count(), 5);
/// // The same seed gives the same split.
/// let b = Splitter::new(Splits::train_validation_test(0.1, 0.2)).with_seed(7).stratified(&labels)?;
/// assert_eq!(a.ids(), b.ids());
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Splitter {
    splits: Splits,
    #[serde(default)]
    seed: u64,
    #[serde(default = "default_true")]
    shuffle: bool,
    #[serde(default)]
    group_sizing: GroupSizing,
}

fn default_true() -> bool {
    true
}

impl Splitter {
    /// A splitter for these splits, shuffled with seed 0.
    pub fn new(splits: Splits) -> Self {
        Splitter {
            splits,
            seed: 0,
            shuffle: true,
            group_sizing: GroupSizing::Rows,
        }
    }

    /// Sets the seed (builder style).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// With `false`, no randomness: the first rows (of each class, for stratified splits; the
    /// first groups in order of appearance, for grouped ones) go to the first split, the next to
    /// the second… (`train_test_split(shuffle=False)`).
    pub fn with_shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// What sizes count in grouped splits (rows by default).
    pub fn with_group_sizing(mut self, sizing: GroupSizing) -> Self {
        self.group_sizing = sizing;
        self
    }

    /// The splits.
    pub fn splits(&self) -> &Splits {
        &self.splits
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether rows are shuffled.
    pub fn shuffle(&self) -> bool {
        self.shuffle
    }

    /// Random split of `n` rows: exactly the resolved number of rows per split, each subset
    /// equally likely. O(n).
    ///
    /// # Errors
    /// Those of [`Splits::resolve`].
    pub fn random(&self, n: usize) -> Result<Assignment> {
        let sizes = self.splits.resolve(n)?;
        let parts = with_rest(&sizes, n);
        let mut r = rng(self.seed, "random_split");
        let ids = assign_sizes(n, &parts, self.shuffle.then_some(&mut r));
        Ok(self.finish(ids, sizes, Vec::new(), Method::RandomSplit(self.clone())))
    }

    /// Stratified split: every split gets each class in proportion, by controlled rounding of the
    /// splits × classes table (every per-class count is the floor or ceiling of its ideal share,
    /// largest remainders first, ties at random). For `train` + `test` covering all rows this is
    /// scikit-learn's allocation (`_approximate_mode` of the training split, the test split the
    /// complement). O(n + classes × splits log classes).
    ///
    /// # Errors
    /// Those of [`Splits::resolve`]; [`Error::ClassTooSmall`] when a class has a single row and
    /// [`Error::SplitSmallerThanClasses`] when a split has fewer rows than there are classes (as
    /// scikit-learn); [`Error::LengthMismatch`] never (one label per row defines `n`).
    pub fn stratified<L: Hash + Eq + Sync + std::fmt::Debug>(
        &self,
        labels: &[L],
    ) -> Result<Assignment> {
        let n = labels.len();
        let sizes = self.splits.resolve(n)?;
        let enc = encode(labels);
        check_stratifiable(&enc, labels, &self.splits, &sizes)?;
        let parts = with_rest(&sizes, n);
        let mut r = rng(self.seed, "stratified_split");
        let table = round_table(enc.counts(), &parts, &mut r);
        let ids = assign_by_class(
            enc.codes(),
            enc.counts(),
            &table,
            parts.len(),
            self.shuffle.then_some(&mut r),
        );
        Ok(self.finish(
            ids,
            sizes,
            Vec::new(),
            Method::StratifiedSplit(self.clone()),
        ))
    }

    /// Grouped split: all rows of a group land in one split (pass duplicate-cluster ids to keep
    /// duplicates together). Groups are taken in random order (input order without shuffle) and
    /// each goes to the split whose share of rows contains the group's middle row, so every split
    /// is within about half a group of its size; with [`GroupSizing::Groups`] sizes count groups,
    /// as in scikit-learn's `GroupShuffleSplit`. O(n).
    ///
    /// # Errors
    /// Those of [`Splits::resolve`]; [`Error::KExceedsGroups`] with fewer groups than splits;
    /// [`Error::EmptySplit`] when groups are too large for a split to receive any.
    pub fn grouped<G: Hash + Eq + Sync>(&self, groups: &[G]) -> Result<Assignment> {
        let n = groups.len();
        let enc = encode(groups);
        let ng = enc.n_classes();
        let mut r = rng(self.seed, "group_split");
        let order: Vec<u32> = if self.shuffle {
            permutation(ng, &mut r)
        } else {
            (0..ng as u32).collect()
        };
        let nsplits = self.splits.len();
        if n > 0 && ng < nsplits {
            return Err(Error::KExceedsGroups {
                k: nsplits,
                groups: ng,
            });
        }
        let (sizes, group_part) = match self.group_sizing {
            GroupSizing::Groups => {
                let gsizes = self.splits.resolve(ng)?;
                let gparts = with_rest(&gsizes, ng);
                let mut group_part = vec![0u32; ng];
                let mut p = 0;
                let mut filled = 0;
                for &g in &order {
                    while filled == gparts[p] {
                        p += 1;
                        filled = 0;
                    }
                    group_part[g as usize] = p as u32;
                    filled += 1;
                }
                (gsizes, group_part)
            }
            GroupSizing::Rows => {
                let sizes = self.splits.resolve(n)?;
                let parts = with_rest(&sizes, n);
                let mut group_part = place_groups_midpoint(&order, enc.counts(), &parts);
                repair_empty_splits(&mut group_part, enc.counts(), &sizes, &self.splits)?;
                (sizes, group_part)
            }
        };
        let nparts = with_rest(&sizes, n).len();
        let ids: Vec<u32> = enc
            .codes()
            .iter()
            .map(|&g| group_part[g as usize])
            .collect();
        let mut warnings = Vec::new();
        if self.group_sizing == GroupSizing::Rows {
            size_warnings(&ids, nparts, &sizes, &self.splits, &mut warnings);
        }
        Ok(self.finish(ids, sizes, warnings, Method::GroupSplit(self.clone())))
    }

    /// Stratified grouped split: no group in two splits, and each split as close to its per-class
    /// targets as indivisible groups allow. Groups are placed largest first (ties in random order,
    /// or order of appearance without shuffle), each into the split where it most reduces the
    /// squared error of per-class counts (relative to class size) and of the split's size against
    /// the targets of [`Splitter::stratified`]. O(n + groups log groups + group-class pairs ×
    /// splits). Classes that miss a split they should be in are reported as warnings.
    ///
    /// # Errors
    /// As [`Splitter::stratified`] and [`Splitter::grouped`]; [`Error::LengthMismatch`] when
    /// `labels` and `groups` differ in length.
    pub fn stratified_grouped<L, G>(&self, labels: &[L], groups: &[G]) -> Result<Assignment>
    where
        L: Hash + Eq + Sync + std::fmt::Debug,
        G: Hash + Eq + Sync,
    {
        let n = labels.len();
        check_len("groups", n, groups.len())?;
        let sizes = self.splits.resolve(n)?;
        let ey = encode(labels);
        check_stratifiable(&ey, labels, &self.splits, &sizes)?;
        let eg = encode(groups);
        let ng = eg.n_classes();
        if ng < self.splits.len() {
            return Err(Error::KExceedsGroups {
                k: self.splits.len(),
                groups: ng,
            });
        }
        let parts = with_rest(&sizes, n);
        let np = parts.len();
        let mut r = rng(self.seed, "stratified_group_split");
        let targets = round_table(ey.counts(), &parts, &mut r);
        let profile = GroupProfile::new(&ey, &eg);
        let order = groups_largest_first(eg.counts(), self.shuffle.then_some(&mut r));
        let mut group_part =
            place_groups_stratified(&order, &profile, ey.counts(), &targets, &parts);
        repair_empty_splits(&mut group_part, eg.counts(), &sizes, &self.splits)?;
        let ids: Vec<u32> = eg.codes().iter().map(|&g| group_part[g as usize]).collect();
        let mut warnings = Vec::new();
        size_warnings(&ids, np, &sizes, &self.splits, &mut warnings);
        class_warnings(
            &ids,
            &ey,
            labels,
            &targets,
            np,
            &self.splits.names(),
            &mut warnings,
        );
        Ok(self.finish(
            ids,
            sizes,
            warnings,
            Method::StratifiedGroupSplit(self.clone()),
        ))
    }

    fn finish(
        &self,
        mut ids: Vec<u32>,
        targets: Vec<usize>,
        warnings: Vec<Warning>,
        method: Method,
    ) -> Assignment {
        let rest = targets.len() as u32;
        for id in &mut ids {
            if *id >= rest {
                *id = UNASSIGNED;
            }
        }
        Assignment {
            names: self.splits.names(),
            ids,
            targets,
            warnings,
            method,
        }
    }
}

/// The split sizes plus a last part for the rows in no split, when there are any.
pub(crate) fn with_rest(sizes: &[usize], n: usize) -> Vec<usize> {
    let mut parts = sizes.to_vec();
    let used: usize = sizes.iter().sum();
    if used < n {
        parts.push(n - used);
    }
    parts
}

fn check_stratifiable<L: std::fmt::Debug>(
    enc: &Encoded,
    labels: &[L],
    splits: &Splits,
    sizes: &[usize],
) -> Result<()> {
    let (min_class, &min_count) = enc
        .counts()
        .iter()
        .enumerate()
        .min_by_key(|&(_, c)| c)
        .ok_or_else(|| Error::EmptyInput("no labels".into()))?;
    if min_count < 2 {
        return Err(Error::ClassTooSmall {
            class: format!("{:?}", labels[enc.first_rows()[min_class]]),
            count: min_count,
            needed: 2,
        });
    }
    for (p, &s) in splits.parts().iter().zip(sizes) {
        if s < enc.n_classes() {
            return Err(Error::SplitSmallerThanClasses {
                split: p.name.clone(),
                size: s,
                classes: enc.n_classes(),
            });
        }
    }
    Ok(())
}

/// Each group (in `order`) goes to the part whose cumulative row range contains its middle row.
fn place_groups_midpoint(order: &[u32], group_sizes: &[usize], parts: &[usize]) -> Vec<u32> {
    let mut bounds = Vec::with_capacity(parts.len());
    let mut acc = 0usize;
    for &p in parts {
        acc += p;
        bounds.push(acc);
    }
    let mut group_part = vec![0u32; group_sizes.len()];
    let mut start = 0usize;
    let mut p = 0usize;
    for &g in order {
        let w = group_sizes[g as usize];
        // middle row = start + w / 2 (in halves, to stay in integers)
        let mid2 = 2 * start + w;
        while p + 1 < bounds.len() && mid2 >= 2 * bounds[p] {
            p += 1;
        }
        group_part[g as usize] = p as u32;
        start += w;
    }
    group_part
}

/// Sparse class counts of every group: `pairs[offsets[g]..offsets[g + 1]]` are `(class, rows)`.
pub(crate) struct GroupProfile {
    pub(crate) offsets: Vec<usize>,
    pub(crate) pairs: Vec<(u32, u32)>,
}

impl GroupProfile {
    pub(crate) fn new(ey: &Encoded, eg: &Encoded) -> Self {
        let ng = eg.n_classes();
        // Counting sort of rows by group.
        let mut start = Vec::with_capacity(ng + 1);
        let mut acc = 0;
        for &c in eg.counts() {
            start.push(acc);
            acc += c;
        }
        start.push(acc);
        let mut fill = start.clone();
        let mut rows_by_group = vec![0u32; eg.len()];
        for (i, &g) in eg.codes().iter().enumerate() {
            rows_by_group[fill[g as usize]] = ey.codes()[i];
            fill[g as usize] += 1;
        }
        let mut scratch = vec![0u32; ey.n_classes()];
        let mut touched: Vec<u32> = Vec::new();
        let mut offsets = Vec::with_capacity(ng + 1);
        let mut pairs = Vec::new();
        for g in 0..ng {
            offsets.push(pairs.len());
            for &c in &rows_by_group[start[g]..start[g + 1]] {
                if scratch[c as usize] == 0 {
                    touched.push(c);
                }
                scratch[c as usize] += 1;
            }
            touched.sort_unstable();
            for &c in &touched {
                pairs.push((c, scratch[c as usize]));
                scratch[c as usize] = 0;
            }
            touched.clear();
        }
        offsets.push(pairs.len());
        GroupProfile { offsets, pairs }
    }

    pub(crate) fn of(&self, g: usize) -> &[(u32, u32)] {
        &self.pairs[self.offsets[g]..self.offsets[g + 1]]
    }
}

/// Group ids sorted by size, largest first; ties in random order (or by id).
pub(crate) fn groups_largest_first(
    sizes: &[usize],
    rng: Option<&mut rand_chacha::ChaCha8Rng>,
) -> Vec<u32> {
    use rand::RngExt as _;
    match rng {
        Some(r) => {
            let mut keyed: Vec<(usize, u64, u32)> = sizes
                .iter()
                .enumerate()
                .map(|(g, &w)| (w, r.random::<u64>(), g as u32))
                .collect();
            keyed.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            keyed.into_iter().map(|k| k.2).collect()
        }
        None => {
            let mut order: Vec<u32> = (0..sizes.len() as u32).collect();
            order.sort_by(|&a, &b| sizes[b as usize].cmp(&sizes[a as usize]));
            order
        }
    }
}

/// Greedy placement of groups (in `order`) into parts, minimising the squared error of per-class
/// counts (each class scaled by its size) plus that of part sizes. `targets` is class-major
/// (`[c * parts + p]`).
pub(crate) fn place_groups_stratified(
    order: &[u32],
    profile: &GroupProfile,
    class_counts: &[usize],
    targets: &[usize],
    parts: &[usize],
) -> Vec<u32> {
    let np = parts.len();
    let n: usize = parts.iter().sum();
    let mut have = vec![0i64; targets.len()];
    let mut total = vec![0i64; np];
    let mut group_part = vec![0u32; profile.offsets.len() - 1];
    for &g in order {
        let pairs = profile.of(g as usize);
        let w: i64 = pairs.iter().map(|&(_, k)| i64::from(k)).sum();
        let mut best = (f64::INFINITY, 0usize);
        for p in 0..np {
            let mut cost = 0.0;
            for &(c, k) in pairs {
                let i = c as usize * np + p;
                let k = i64::from(k);
                let d = 2 * (have[i] - targets[i] as i64) + k;
                cost += (k * d) as f64 / class_counts[c as usize] as f64;
            }
            let d = 2 * (total[p] - parts[p] as i64) + w;
            cost += (w * d) as f64 / n.max(1) as f64;
            if cost < best.0 {
                best = (cost, p);
            }
        }
        let p = best.1;
        for &(c, k) in pairs {
            have[c as usize * np + p] += i64::from(k);
        }
        total[p] += w;
        group_part[g as usize] = p as u32;
    }
    group_part
}

/// Gives a group to every named split left empty, taking from parts with more than one group the
/// group closest in size to the empty split's target.
fn repair_empty_splits(
    group_part: &mut [u32],
    group_sizes: &[usize],
    sizes: &[usize],
    splits: &Splits,
) -> Result<()> {
    let nparts = sizes.len() + 1;
    loop {
        let mut groups_in = vec![0usize; nparts];
        for &p in group_part.iter() {
            groups_in[p as usize] += 1;
        }
        let Some(empty) = (0..sizes.len()).find(|&s| groups_in[s] == 0) else {
            return Ok(());
        };
        let target = sizes[empty];
        let pick = (0..group_part.len())
            .filter(|&g| groups_in[group_part[g] as usize] > 1)
            .min_by_key(|&g| group_sizes[g].abs_diff(target));
        match pick {
            Some(g) => group_part[g] = empty as u32,
            None => {
                return Err(Error::EmptySplit {
                    split: splits.parts()[empty].name.clone(),
                    reason: "there are too few groups to give every split one".into(),
                });
            }
        }
    }
}

fn size_warnings(
    ids: &[u32],
    nparts: usize,
    sizes: &[usize],
    splits: &Splits,
    warnings: &mut Vec<Warning>,
) {
    let mut actual = vec![0usize; nparts];
    for &p in ids {
        actual[p as usize] += 1;
    }
    for (s, &target) in sizes.iter().enumerate() {
        let dev = actual[s].abs_diff(target);
        if dev > 1 && dev * 10 > target {
            warnings.push(
                Warning::SplitSizeDeviation {
                    split: splits.parts()[s].name.clone(),
                    target,
                    actual: actual[s],
                }
                .emit(),
            );
        }
    }
}

pub(crate) fn class_warnings<L: std::fmt::Debug>(
    ids: &[u32],
    ey: &Encoded,
    labels: &[L],
    targets: &[usize],
    np: usize,
    names: &[String],
    warnings: &mut Vec<Warning>,
) {
    let nc = ey.n_classes();
    let mut have = vec![0usize; nc * np];
    for (&c, &p) in ey.codes().iter().zip(ids) {
        if (p as usize) < np {
            have[c as usize * np + p as usize] += 1;
        }
    }
    for (s, name) in names.iter().enumerate() {
        for c in 0..nc {
            let t = targets[c * np + s];
            if t > 0 && have[c * np + s] == 0 {
                warnings.push(
                    Warning::ClassMissingFromSplit {
                        split: name.clone(),
                        class: format!("{:?}", labels[ey.first_rows()[c]]),
                        target: t,
                    }
                    .emit(),
                );
            }
        }
    }
}

/// The split of every row, in input order: the result of a [`Splitter`] or a
/// [`crate::HashSplit`].
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    names: Vec<String>,
    ids: Vec<u32>,
    targets: Vec<usize>,
    warnings: Vec<Warning>,
    method: Method,
}

impl Assignment {
    pub(crate) fn new(
        names: Vec<String>,
        ids: Vec<u32>,
        targets: Vec<usize>,
        warnings: Vec<Warning>,
        method: Method,
    ) -> Self {
        Assignment {
            names,
            ids,
            targets,
            warnings,
            method,
        }
    }

    /// The split names, in order (split id `i` is `names()[i]`).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The split id of every row ([`UNASSIGNED`] for rows in no split).
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The split of row `row`, if any.
    pub fn split_of(&self, row: usize) -> Option<&str> {
        let id = *self.ids.get(row)?;
        self.names.get(id as usize).map(String::as_str)
    }

    /// The id of a split name.
    pub fn id_of(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|i| i as u32)
    }

    /// The rows of split `name`, ascending (input order); `None` for an unknown name.
    pub fn indices(&self, name: &str) -> Option<Vec<usize>> {
        Some(rows_with(&self.ids, self.id_of(name)?, self.names.len()))
    }

    /// The rows of every split, ascending, in one pass.
    pub fn all_indices(&self) -> Vec<Vec<usize>> {
        crate::alloc::RowIndex::new(&self.ids, self.names.len()).buckets()
    }

    /// The rows in no split, ascending.
    pub fn unassigned(&self) -> Vec<usize> {
        rows_with(&self.ids, UNASSIGNED, self.names.len())
    }

    /// Rows per split.
    pub fn counts(&self) -> Vec<usize> {
        let mut c = vec![0usize; self.names.len()];
        for &id in &self.ids {
            if let Some(x) = c.get_mut(id as usize) {
                *x += 1;
            }
        }
        c
    }

    /// The sizes asked for (after rounding), per split; for hash splits, the expected sizes.
    pub fn targets(&self) -> &[usize] {
        &self.targets
    }

    /// Warnings raised while splitting.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The method and its parameters (with the seed), to record and reproduce the split.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Writes the split name of every row into `column` (null for rows in no split).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `records` is not the split's input.
    pub fn write_column(&self, records: &mut [Record], column: &str) -> Result<()> {
        check_len("records", self.ids.len(), records.len())?;
        for (r, &id) in records.iter_mut().zip(&self.ids) {
            let v = match self.names.get(id as usize) {
                Some(name) => Value::Str(name.clone()),
                None => Value::Null,
            };
            r.set(column, v);
        }
        Ok(())
    }

    /// The records of split `name` of a random-access dataset, lazily, in input order.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when the dataset is not the split's input;
    /// [`Error::InvalidParameter`] for an unknown split name.
    pub fn subset<D: Dataset>(&self, dataset: D, name: &str) -> Result<Subset<D>> {
        check_len("dataset", self.ids.len(), dataset.len())?;
        let idx = self
            .indices(name)
            .ok_or_else(|| Error::InvalidParameter(format!("no split named `{name}`")))?;
        Ok(Subset::new(dataset, idx))
    }

    /// Counts duplicate pairs that straddle splits, with `clusters` the duplicate-cluster (or any
    /// group) id of every row (see [`crate::leakage_report`]).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when `clusters` does not have one id per row.
    pub fn leakage<G: Hash + Eq + Sync>(&self, clusters: &[G]) -> Result<LeakageReport> {
        leakage_report(&self.ids, &self.names, clusters)
    }
}
