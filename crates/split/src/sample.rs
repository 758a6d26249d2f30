//! Balanced sampling: random over- and under-sampling (imbalanced-learn's strategies), weighted
//! and class-weighted sampling, stratified subsampling, and reservoir sampling for streams.

use std::collections::HashMap;
use std::hash::Hash;

use dataprep_core::{Action, Context, Record, RecordError, StatefulStage};
use rand::{RngExt as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::alloc::{approximate_mode, assign_by_class, bucket_rows, rng};
use crate::encode::{Encoded, encode, encode_sorted};
use crate::error::{Error, Result};

/// Which classes a random over- or under-sampler resamples (imbalanced-learn's
/// `sampling_strategy`; the dictionary form is [`RandomOverSampler::sample_to`] /
/// [`RandomUnderSampler::sample_to`]).
///
/// The majority (minority) class is the first class, in sorted label order, with the most
/// (fewest) rows, as in imbalanced-learn.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplingStrategy {
    /// `"auto"`: over-sampling resamples all classes but the majority (`"not majority"`),
    /// under-sampling all but the minority (`"not minority"`).
    #[default]
    Auto,
    /// Only the minority class (over-sampling only).
    Minority,
    /// Only the majority class (under-sampling only).
    Majority,
    /// All classes but the minority.
    NotMinority,
    /// All classes but the majority.
    NotMajority,
    /// All classes.
    All,
    /// Binary problems only: the minority-to-majority ratio after resampling.
    Ratio(f64),
}

/// The rows chosen by a sampler, with the class counts before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resampled {
    /// Row indices into the input (rows repeat when drawn with replacement).
    pub indices: Vec<usize>,
    /// The classes in sorted order, formatted with `Debug`.
    pub classes: Vec<String>,
    /// Rows per class in the input.
    pub before: Vec<usize>,
    /// Rows per class in the sample.
    pub after: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Over,
    Under,
}

/// Final per-class counts (sorted class order) for a strategy, as imbalanced-learn computes them.
fn strategy_targets(
    kind: Kind,
    strategy: SamplingStrategy,
    counts: &[usize],
) -> Result<Vec<usize>> {
    let nc = counts.len();
    let max = counts.iter().copied().max().unwrap_or(0);
    let min = counts.iter().copied().min().unwrap_or(0);
    let majority = counts.iter().position(|&c| c == max).unwrap_or(0);
    let minority = counts.iter().position(|&c| c == min).unwrap_or(0);
    let level = if kind == Kind::Over { max } else { min };
    let chosen = |f: &dyn Fn(usize) -> bool| -> Vec<usize> {
        (0..nc)
            .map(|c| if f(c) { level } else { counts[c] })
            .collect()
    };
    use SamplingStrategy as S;
    Ok(match (kind, strategy) {
        (Kind::Over, S::Auto | S::NotMajority) => chosen(&|c| c != majority),
        (Kind::Under, S::Auto | S::NotMinority) => chosen(&|c| c != minority),
        (Kind::Over, S::NotMinority) => chosen(&|c| c != minority),
        (Kind::Under, S::NotMajority) => chosen(&|c| c != majority),
        (_, S::All) => chosen(&|_| true),
        (Kind::Over, S::Minority) => chosen(&|c| c == minority),
        (Kind::Under, S::Majority) => chosen(&|c| c == majority),
        (Kind::Over, S::Majority) => {
            return Err(Error::InvalidParameter(
                "strategy `majority` cannot be used with an over-sampler".into(),
            ));
        }
        (Kind::Under, S::Minority) => {
            return Err(Error::InvalidParameter(
                "strategy `minority` cannot be used with an under-sampler".into(),
            ));
        }
        (_, S::Ratio(r)) => {
            if nc != 2 {
                return Err(Error::InvalidParameter(format!(
                    "a ratio strategy needs a binary target, got {nc} classes"
                )));
            }
            if !(r > 0.0 && r.is_finite()) {
                return Err(Error::InvalidParameter(format!(
                    "ratio {r} must be positive"
                )));
            }
            let mut t = counts.to_vec();
            match kind {
                Kind::Over => {
                    for c in 0..nc {
                        if c != majority {
                            // int(n_majority * ratio - n_c), as imbalanced-learn (truncation).
                            let add = (max as f64 * r - counts[c] as f64).trunc();
                            if add <= 0.0 {
                                return Err(Error::InvalidParameter(
                                    "the ratio would remove samples from the minority class \
                                     while over-sampling; increase the ratio"
                                        .into(),
                                ));
                            }
                            t[c] = counts[c] + add as usize;
                        }
                    }
                }
                Kind::Under => {
                    for c in 0..nc {
                        if c != minority {
                            let target = (min as f64 / r).trunc() as usize;
                            if target > counts[c] {
                                return Err(Error::InvalidParameter(
                                    "the ratio would add samples to the majority class while \
                                     under-sampling; increase the ratio"
                                        .into(),
                                ));
                            }
                            t[c] = target;
                        }
                    }
                }
            }
            t
        }
    })
}

/// Targets from `(class, count)` pairs (imbalanced-learn's dictionary strategy).
fn dict_targets<L: Hash + Eq + Sync + std::fmt::Debug>(
    kind: Kind,
    labels: &[L],
    enc: &Encoded,
    targets: &[(L, usize)],
) -> Result<Vec<usize>> {
    let mut index: HashMap<&L, usize> = HashMap::with_capacity(enc.n_classes());
    for (c, &row) in enc.first_rows().iter().enumerate() {
        index.insert(&labels[row], c);
    }
    let mut t = enc.counts().to_vec();
    for (label, want) in targets {
        let c = *index.get(label).ok_or_else(|| Error::EmptyClass {
            class: format!("{label:?}"),
            reason: "named in the sampling targets but absent from the data".into(),
        })?;
        let have = enc.counts()[c];
        match kind {
            Kind::Over if *want < have => {
                return Err(Error::InvalidParameter(format!(
                    "over-sampling cannot reduce class {label:?} from {have} to {want} rows"
                )));
            }
            Kind::Under if *want > have => {
                return Err(Error::InvalidParameter(format!(
                    "under-sampling cannot grow class {label:?} from {have} to {want} rows"
                )));
            }
            _ => t[c] = *want,
        }
    }
    Ok(t)
}

/// Random over-sampling (imbalanced-learn's `RandomOverSampler`): every row once, then for each
/// resampled class (in sorted order) rows of that class drawn uniformly with replacement until
/// it reaches its target — the majority's size for the `auto` strategy.
///
/// ```
/// use dataprep_split::RandomOverSampler;
/// let y = ["a", "a", "a", "a", "b", "c", "c"];
/// let s = RandomOverSampler::new().with_seed(1).sample(&y)?;
/// assert_eq!(s.after, vec![4, 4, 4]);
/// assert_eq!(&s.indices[..7], &[0, 1, 2, 3, 4, 5, 6]);
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RandomOverSampler {
    #[serde(default)]
    strategy: SamplingStrategy,
    #[serde(default)]
    seed: u64,
}

impl RandomOverSampler {
    /// The `auto` strategy, seed 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the strategy (builder style).
    pub fn with_strategy(mut self, strategy: SamplingStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the seed (builder style).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The per-class counts after resampling, classes in sorted order.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] for no rows; [`Error::InvalidParameter`] for a strategy that does
    /// not apply (see [`SamplingStrategy`]).
    pub fn targets<L: Hash + Eq + Sync + Ord>(&self, labels: &[L]) -> Result<Vec<usize>> {
        let enc = nonempty(encode_sorted(labels))?;
        strategy_targets(Kind::Over, self.strategy, enc.counts())
    }

    /// Over-samples by the strategy.
    ///
    /// # Errors
    /// As [`RandomOverSampler::targets`].
    pub fn sample<L: Hash + Eq + Sync + Ord + std::fmt::Debug>(
        &self,
        labels: &[L],
    ) -> Result<Resampled> {
        resample(Kind::Over, self.strategy, labels, None, |enc, t| {
            self.draw(enc, t)
        })
    }

    /// Over-samples named classes to the given final counts (others unchanged).
    ///
    /// # Errors
    /// [`Error::EmptyClass`] for a class absent from `labels`; [`Error::InvalidParameter`] for a
    /// count below the class's current size.
    pub fn sample_to<L: Hash + Eq + Sync + Ord + std::fmt::Debug>(
        &self,
        labels: &[L],
        targets: &[(L, usize)],
    ) -> Result<Resampled> {
        resample(
            Kind::Over,
            self.strategy,
            labels,
            Some(targets),
            |enc, t| self.draw(enc, t),
        )
    }

    fn draw(&self, enc: &Encoded, targets: &[usize]) -> Vec<usize> {
        let mut r = rng(self.seed, "random_over_sampler");
        let members = bucket_rows(enc.codes(), enc.n_classes());
        let mut indices: Vec<usize> = (0..enc.codes().len()).collect();
        for (c, rows) in members.iter().enumerate() {
            let extra = targets[c].saturating_sub(rows.len());
            indices.reserve(extra);
            for _ in 0..extra {
                indices.push(rows[r.random_range(0..rows.len())]);
            }
        }
        indices
    }
}

/// Random under-sampling (imbalanced-learn's `RandomUnderSampler`): each resampled class keeps a
/// uniformly random subset of its target size — the minority's size for the `auto` strategy —
/// drawn without replacement (or with, when asked). Indices are returned ascending.
///
/// ```
/// use dataprep_split::RandomUnderSampler;
/// let y = ["a", "a", "a", "a", "b", "c", "c"];
/// let s = RandomUnderSampler::new().with_seed(1).sample(&y)?;
/// assert_eq!(s.after, vec![1, 1, 1]);
/// assert_eq!(s.indices.len(), 3);
/// assert!(s.indices.contains(&4));
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RandomUnderSampler {
    #[serde(default)]
    strategy: SamplingStrategy,
    #[serde(default)]
    replacement: bool,
    #[serde(default)]
    seed: u64,
}

impl RandomUnderSampler {
    /// The `auto` strategy, without replacement, seed 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the strategy (builder style).
    pub fn with_strategy(mut self, strategy: SamplingStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Draws with replacement (builder style).
    pub fn with_replacement(mut self, replacement: bool) -> Self {
        self.replacement = replacement;
        self
    }

    /// Sets the seed (builder style).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The per-class counts after resampling, classes in sorted order.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] for no rows; [`Error::InvalidParameter`] for a strategy that does
    /// not apply.
    pub fn targets<L: Hash + Eq + Sync + Ord>(&self, labels: &[L]) -> Result<Vec<usize>> {
        let enc = nonempty(encode_sorted(labels))?;
        strategy_targets(Kind::Under, self.strategy, enc.counts())
    }

    /// Under-samples by the strategy.
    ///
    /// # Errors
    /// As [`RandomUnderSampler::targets`].
    pub fn sample<L: Hash + Eq + Sync + Ord + std::fmt::Debug>(
        &self,
        labels: &[L],
    ) -> Result<Resampled> {
        resample(Kind::Under, self.strategy, labels, None, |enc, t| {
            self.draw(enc, t)
        })
    }

    /// Under-samples named classes to the given counts (others unchanged).
    ///
    /// # Errors
    /// [`Error::EmptyClass`] for a class absent from `labels`; [`Error::InvalidParameter`] for a
    /// count above the class's current size.
    pub fn sample_to<L: Hash + Eq + Sync + Ord + std::fmt::Debug>(
        &self,
        labels: &[L],
        targets: &[(L, usize)],
    ) -> Result<Resampled> {
        resample(
            Kind::Under,
            self.strategy,
            labels,
            Some(targets),
            |enc, t| self.draw(enc, t),
        )
    }

    fn draw(&self, enc: &Encoded, targets: &[usize]) -> Vec<usize> {
        let mut r = rng(self.seed, "random_under_sampler");
        if self.replacement {
            let members = bucket_rows(enc.codes(), enc.n_classes());
            let mut idx = Vec::with_capacity(targets.iter().sum());
            for (c, rows) in members.iter().enumerate() {
                if targets[c] == rows.len() {
                    idx.extend_from_slice(rows);
                } else {
                    for _ in 0..targets[c] {
                        idx.push(rows[r.random_range(0..rows.len())]);
                    }
                }
            }
            idx.sort_unstable();
            idx
        } else {
            select_per_class(enc, targets, &mut r)
        }
    }
}

/// What both random samplers share: encode the labels, compute the final class counts (from the
/// strategy, or the counts `given` per class), draw the rows, and describe the result.
fn resample<L: Hash + Eq + Sync + Ord + std::fmt::Debug>(
    kind: Kind,
    strategy: SamplingStrategy,
    labels: &[L],
    given: Option<&[(L, usize)]>,
    draw: impl FnOnce(&Encoded, &[usize]) -> Vec<usize>,
) -> Result<Resampled> {
    let enc = nonempty(encode_sorted(labels))?;
    let after = match given {
        Some(targets) => dict_targets(kind, labels, &enc, targets)?,
        None => strategy_targets(kind, strategy, enc.counts())?,
    };
    Ok(Resampled {
        indices: draw(&enc, &after),
        classes: enc.names_debug(labels),
        before: enc.counts().to_vec(),
        after,
    })
}

fn nonempty(enc: Encoded) -> Result<Encoded> {
    if enc.is_empty() {
        Err(Error::EmptyInput("no labels to resample".into()))
    } else {
        Ok(enc)
    }
}

/// Uniformly random rows of each class, `take[c]` of class `c`, ascending. One pass.
fn select_per_class(enc: &Encoded, take: &[usize], r: &mut ChaCha8Rng) -> Vec<usize> {
    let table: Vec<usize> = enc
        .counts()
        .iter()
        .zip(take)
        .flat_map(|(&n, &t)| [t, n - t])
        .collect();
    let part = assign_by_class(enc.codes(), enc.counts(), &table, 2, Some(r));
    part.iter()
        .enumerate()
        .filter(|&(_, &p)| p == 0)
        .map(|(i, _)| i)
        .collect()
}

/// Stratified subsample of `n` rows: per-class counts by largest remainder (scikit-learn's
/// `_approximate_mode`, as in `resample(stratify=…)`), rows uniformly at random within each
/// class, returned ascending. O(rows).
///
/// ```
/// let y: Vec<u8> = (0..1000).map(|i| (i % 10 == 0) as u8).collect();
/// let s = dataprep_split::stratified_subsample(&y, 50, 3)?;
/// assert_eq!(s.len(), 50);
/// assert_eq!(s.iter().filter(|&&i| y[i] == 1).count(), 5);
/// # Ok::<(), dataprep_split::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] when `n` exceeds the number of rows.
pub fn stratified_subsample<L: Hash + Eq + Sync>(
    labels: &[L],
    n: usize,
    seed: u64,
) -> Result<Vec<usize>> {
    if n > labels.len() {
        return Err(Error::InvalidParameter(format!(
            "cannot subsample {n} rows from {}",
            labels.len()
        )));
    }
    let enc = encode(labels);
    let mut r = rng(seed, "stratified_subsample");
    let take = approximate_mode(enc.counts(), n, &mut r);
    Ok(select_per_class(&enc, &take, &mut r))
}

/// scikit-learn's `compute_class_weight("balanced")`: `n / (n_classes × count_c)` for each class,
/// classes in sorted order.
///
/// ```
/// let w = dataprep_split::balanced_class_weights(&["a", "a", "a", "b"]);
/// assert_eq!(w, vec![("a", 4.0 / 6.0), ("b", 2.0)]);
/// ```
pub fn balanced_class_weights<L: Hash + Eq + Sync + Ord + Clone>(labels: &[L]) -> Vec<(L, f64)> {
    let enc = encode_sorted(labels);
    let n = labels.len() as f64;
    let nc = enc.n_classes() as f64;
    enc.first_rows()
        .iter()
        .zip(enc.counts())
        .map(|(&row, &c)| (labels[row].clone(), n / (nc * c as f64)))
        .collect()
}

/// Weighted random sampling of `n` rows: with replacement (alias method, O(rows + n)), or
/// without (Efraimidis–Spirakis keys, O(rows)). Rows drawn with replacement come in draw order;
/// without replacement, ascending.
///
/// ```
/// use dataprep_split::WeightedSampler;
/// // Balanced classes: every class is drawn about equally often.
/// let y: Vec<u8> = (0..1000).map(|i| (i % 10 == 0) as u8).collect();
/// let s = WeightedSampler::new(2000).with_seed(5).sample_balanced(&y)?;
/// let ones = s.iter().filter(|&&i| y[i] == 1).count();
/// assert!((850..1150).contains(&ones));
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WeightedSampler {
    n: usize,
    #[serde(default = "yes")]
    replacement: bool,
    #[serde(default)]
    seed: u64,
}

fn yes() -> bool {
    true
}

impl WeightedSampler {
    /// Draws `n` rows with replacement, seed 0.
    pub fn new(n: usize) -> Self {
        WeightedSampler {
            n,
            replacement: true,
            seed: 0,
        }
    }

    /// Draws with or without replacement (builder style).
    pub fn with_replacement(mut self, replacement: bool) -> Self {
        self.replacement = replacement;
        self
    }

    /// Sets the seed (builder style).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Draws rows with probability proportional to `weights[row]`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a negative or non-finite weight, all weights zero, or
    /// (without replacement) `n` larger than the rows of positive weight.
    pub fn sample(&self, weights: &[f64]) -> Result<Vec<usize>> {
        check_weights(weights)?;
        let mut r = rng(self.seed, "weighted_sampler");
        if self.replacement {
            let alias = Alias::new(weights);
            Ok((0..self.n).map(|_| alias.draw(&mut r)).collect())
        } else {
            without_replacement(weights, self.n, &mut r)
        }
    }

    /// Draws rows with probability proportional to their class's weight (`(class, weight)`
    /// pairs; classes not listed weigh 0).
    ///
    /// # Errors
    /// [`Error::EmptyClass`] for a listed class absent from `labels`; as
    /// [`WeightedSampler::sample`].
    pub fn sample_by_class<L: Hash + Eq + Sync + std::fmt::Debug>(
        &self,
        labels: &[L],
        class_weights: &[(L, f64)],
    ) -> Result<Vec<usize>> {
        let enc = encode(labels);
        let mut index: HashMap<&L, usize> = HashMap::with_capacity(enc.n_classes());
        for (c, &row) in enc.first_rows().iter().enumerate() {
            index.insert(&labels[row], c);
        }
        let mut w = vec![0.0f64; enc.n_classes()];
        for (label, weight) in class_weights {
            let c = *index.get(label).ok_or_else(|| Error::EmptyClass {
                class: format!("{label:?}"),
                reason: "given a weight but absent from the data".into(),
            })?;
            w[c] = *weight;
        }
        check_weights(&w)?;
        let mut r = rng(self.seed, "class_weighted_sampler");
        if self.replacement {
            // Class by total weight (w_c × n_c), then a row of the class uniformly.
            let totals: Vec<f64> = w
                .iter()
                .zip(enc.counts())
                .map(|(&x, &c)| x * c as f64)
                .collect();
            let alias = Alias::new(&totals);
            let members = bucket_rows(enc.codes(), enc.n_classes());
            Ok((0..self.n)
                .map(|_| {
                    let rows = &members[alias.draw(&mut r)];
                    rows[r.random_range(0..rows.len())]
                })
                .collect())
        } else {
            let row_w: Vec<f64> = enc.codes().iter().map(|&c| w[c as usize]).collect();
            without_replacement(&row_w, self.n, &mut r)
        }
    }

    /// Draws rows with scikit-learn's balanced class weights ([`balanced_class_weights`]), so
    /// every class is equally likely.
    ///
    /// # Errors
    /// As [`WeightedSampler::sample_by_class`]; [`Error::EmptyInput`] for no rows.
    pub fn sample_balanced<L: Hash + Eq + Sync + Ord + Clone + std::fmt::Debug>(
        &self,
        labels: &[L],
    ) -> Result<Vec<usize>> {
        if labels.is_empty() {
            return Err(Error::EmptyInput("no labels".into()));
        }
        self.sample_by_class(labels, &balanced_class_weights(labels))
    }
}

fn check_weights(w: &[f64]) -> Result<()> {
    if w.is_empty() {
        return Err(Error::EmptyInput("no weights".into()));
    }
    if let Some(bad) = w.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
        return Err(Error::InvalidParameter(format!(
            "weights must be finite and non-negative, got {bad}"
        )));
    }
    if w.iter().all(|&x| x == 0.0) {
        return Err(Error::InvalidParameter("all weights are zero".into()));
    }
    Ok(())
}

/// Walker/Vose alias table: O(1) draws from a discrete distribution.
#[derive(Debug, Clone)]
pub(crate) struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    pub(crate) fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let sum: f64 = weights.iter().sum();
        let mut prob: Vec<f64> = weights.iter().map(|&w| w * n as f64 / sum).collect();
        let mut alias = vec![0u32; n];
        let (mut small, mut large): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        for (i, &p) in prob.iter().enumerate() {
            if p < 1.0 {
                small.push(i as u32);
            } else {
                large.push(i as u32);
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s as usize] = l;
            prob[l as usize] = (prob[l as usize] + prob[s as usize]) - 1.0;
            if prob[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in large.into_iter().chain(small) {
            prob[i as usize] = 1.0;
        }
        Alias { prob, alias }
    }

    pub(crate) fn draw(&self, r: &mut ChaCha8Rng) -> usize {
        let i = r.random_range(0..self.prob.len());
        if r.random::<f64>() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// Efraimidis–Spirakis: the `n` rows with the largest `ln(u) / w`, ascending.
fn without_replacement(weights: &[f64], n: usize, r: &mut ChaCha8Rng) -> Result<Vec<usize>> {
    let positive = weights.iter().filter(|&&w| w > 0.0).count();
    if n > positive {
        return Err(Error::InvalidParameter(format!(
            "cannot draw {n} rows without replacement from {positive} rows of positive weight"
        )));
    }
    let mut keyed: Vec<(f64, u32)> = weights
        .iter()
        .enumerate()
        .filter(|&(_, &w)| w > 0.0)
        .map(|(i, &w)| {
            let u: f64 = 1.0 - r.random::<f64>(); // (0, 1]
            (u.ln() / w, i as u32)
        })
        .collect();
    if n < keyed.len() && n > 0 {
        keyed.select_nth_unstable_by(n - 1, |a, b| b.0.total_cmp(&a.0));
    }
    keyed.truncate(n);
    let mut out: Vec<usize> = keyed.into_iter().map(|(_, i)| i as usize).collect();
    out.sort_unstable();
    Ok(out)
}

/// Reservoir sampling of `k` items from a stream of unknown length (Li's Algorithm L: O(k ·
/// (1 + log(n / k))) random draws), seeded. Every subset of size `k` is equally likely; the same
/// seed and stream give the same sample.
///
/// ```
/// use dataprep_split::Reservoir;
/// let mut r = Reservoir::new(5, 42);
/// for i in 0..1000 {
///     r.offer(i);
/// }
/// let sample = r.into_sample();
/// assert_eq!(sample.len(), 5);
/// assert!(sample.windows(2).all(|w| w[0] < w[1])); // in arrival order
/// ```
#[derive(Debug, Clone)]
pub struct Reservoir<T> {
    k: usize,
    seen: u64,
    items: Vec<(u64, T)>,
    rng: ChaCha8Rng,
    w: f64,
    next: u64,
}

impl<T> Reservoir<T> {
    /// A reservoir of `k` items seeded with `seed`.
    pub fn new(k: usize, seed: u64) -> Self {
        Self::with_rng(k, rng(seed, "reservoir"))
    }

    fn with_rng(k: usize, rng: ChaCha8Rng) -> Self {
        Reservoir {
            k,
            seen: 0,
            items: Vec::with_capacity(k.min(1 << 16)),
            rng,
            w: 1.0,
            next: 0,
        }
    }

    fn unit(&mut self) -> f64 {
        1.0 - self.rng.random::<f64>() // (0, 1]
    }

    fn advance(&mut self, index: u64) {
        let k = self.k as f64;
        let u = self.unit();
        self.w *= (u.ln() / k).exp();
        let u = self.unit();
        let skip = (u.ln() / (1.0 - self.w).ln()).floor();
        let skip = if skip.is_finite() && skip > 0.0 {
            skip.min(u64::MAX as f64) as u64
        } else {
            0
        };
        self.next = index.saturating_add(1).saturating_add(skip);
    }

    /// Offers the next item; true when it enters the reservoir (it may be evicted later).
    pub fn offer(&mut self, item: T) -> bool {
        self.offer_with(|| item)
    }

    /// Offers the next item, built only if it enters the reservoir (for example a clone).
    pub fn offer_with(&mut self, make: impl FnOnce() -> T) -> bool {
        let i = self.seen;
        self.seen += 1;
        if self.k == 0 {
            return false;
        }
        if (i as usize) < self.k {
            self.items.push((i, make()));
            if i as usize + 1 == self.k {
                self.advance(i);
            }
            true
        } else if i == self.next {
            let slot = self.rng.random_range(0..self.k);
            self.items[slot] = (i, make());
            self.advance(i);
            true
        } else {
            false
        }
    }

    /// Items offered so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// Items held (`min(k, seen)`).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The sample, in arrival order.
    pub fn into_sample(self) -> Vec<T> {
        let mut items = self.items;
        items.sort_unstable_by_key(|&(i, _)| i);
        items.into_iter().map(|(_, t)| t).collect()
    }

    /// The sample with each item's position in the stream, in arrival order.
    pub fn into_indexed(self) -> Vec<(u64, T)> {
        let mut items = self.items;
        items.sort_unstable_by_key(|&(i, _)| i);
        items
    }
}

/// `k` items sampled uniformly from `items` ([`Reservoir`]), in arrival order.
///
/// ```
/// let s = dataprep_split::reservoir_sample(0..10, 20, 1);
/// assert_eq!(s, (0..10).collect::<Vec<_>>());
/// ```
pub fn reservoir_sample<T>(items: impl IntoIterator<Item = T>, k: usize, seed: u64) -> Vec<T> {
    let mut r = Reservoir::new(k, seed);
    for it in items {
        r.offer(it);
    }
    r.into_sample()
}

/// A [`StatefulStage`] keeping a uniform sample of `k` records of a stream: every record is held
/// back (dropped with reason `reservoir_held` if it entered the reservoir, `not_sampled` if not)
/// and the final sample is emitted, in input order, when the stream ends. Memory: `k` records.
/// Seeded by the pipeline seed and the stage name.
///
/// ```
/// use dataprep_core::{Pipeline, Record, VecDataset, VecSink};
/// use dataprep_split::{ReservoirConfig, ReservoirStage};
/// let src = VecDataset::new((0..500).map(|i| Record::new().with("i", i as i64)).collect());
/// let mut out = VecSink::default();
/// let src = VecDataset::new((0..500).map(|i| Record::new().with("i", i as i64)).collect());
/// let mut out = VecSink::default();
/// let stage = ReservoirStage::new(ReservoirConfig::default().with_k(10));
/// Pipeline::new(&src).stateful(stage).sink(&mut out).with_seed(3).run()?;
/// assert_eq!(out.records().len(), 10);
/// # Ok::<(), dataprep_core::Error>(())
/// ```
#[derive(Debug)]
pub struct ReservoirStage {
    name: String,
    config: ReservoirConfig,
    reservoir: Option<Reservoir<Record>>,
}

/// Configuration of [`ReservoirStage`]: the sample size. The seed is not part of it: the sample
/// is seeded by the pipeline seed and the stage name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ReservoirConfig {
    /// How many records to keep (default [`ReservoirConfig::DEFAULT_K`]).
    pub k: usize,
}

impl ReservoirConfig {
    /// The default sample size, 1000.
    pub const DEFAULT_K: usize = 1000;

    /// Keeps `k` records.
    #[must_use]
    pub fn with_k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }
}

impl Default for ReservoirConfig {
    fn default() -> Self {
        Self { k: Self::DEFAULT_K }
    }
}

impl ReservoirStage {
    /// A stage named `reservoir` keeping `config.k` records.
    pub fn new(config: ReservoirConfig) -> Self {
        ReservoirStage {
            name: "reservoir".into(),
            config,
            reservoir: None,
        }
    }

    /// Sets the stage name (builder style; it also seeds the sample).
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The configuration.
    pub fn config(&self) -> &ReservoirConfig {
        &self.config
    }
}

impl Default for ReservoirStage {
    fn default() -> Self {
        Self::new(ReservoirConfig::default())
    }
}

impl StatefulStage for ReservoirStage {
    fn name(&self) -> &str {
        &self.name
    }

    fn config(&self) -> serde_json::Value {
        dataprep_core::config_json(&self.config)
    }

    fn process(
        &mut self,
        record: &mut Record,
        cx: &Context,
    ) -> std::result::Result<Action, RecordError> {
        let k = self.config.k;
        let res = self.reservoir.get_or_insert_with(|| {
            Reservoir::with_rng(
                k,
                ChaCha8Rng::from_seed(dataprep_core::rng::derive_seed(
                    cx.seed(),
                    cx.stage(),
                    "reservoir",
                )),
            )
        });
        let held = res.offer_with(|| record.clone());
        Ok(Action::drop(if held {
            "reservoir_held"
        } else {
            "not_sampled"
        }))
    }

    fn finish(&mut self, _cx: &Context) -> dataprep_core::Result<Vec<Record>> {
        Ok(self
            .reservoir
            .take()
            .map(Reservoir::into_sample)
            .unwrap_or_default())
    }

    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
}
