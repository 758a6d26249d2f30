//! Mixture sampling across sources: how many records to take from each source (by weight or by
//! temperature, within per-source epoch limits) and a seeded interleaving of them, as a plan, a
//! random-access [`MixtureDataset`] or a streaming [`MixtureStream`].

use dataprep_core::{Dataset, IterableDataset, Record, Records, Shard};
use rand::RngExt as _;
use rand_chacha::ChaCha8Rng;

use crate::alloc::{permutation, rng, sub_seed};
use crate::error::{Error, Result, Warning};

/// How sources are weighted.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MixWeights {
    /// In proportion to their sizes (`p ∝ n`).
    Proportional,
    /// Given weights (`p ∝ w`).
    Weights(Vec<f64>),
    /// Temperature sampling, `p ∝ n^(1/T)`: `T = 1` is proportional, larger `T` flattens towards
    /// uniform (multilingual-model practice, for example T = 3 or 5).
    Temperature(f64),
}

/// A mixture of sources: weights, an optional total, per-source epoch limits and a seed.
///
/// ```
/// use dataprep_split::{MixWeights, Mixture};
/// // Two sources of 9,000 and 1,000 records, temperature 2: p ∝ √n = 0.75 / 0.25.
/// let plan = Mixture::new(MixWeights::Temperature(2.0)).with_total(4000).plan(&[9000, 1000])?;
/// assert_eq!(plan.counts, vec![3000, 1000]);
/// // At most one epoch of the small source: the total is capped.
/// let plan = Mixture::new(MixWeights::Temperature(2.0)).with_max_epochs(1.0).plan(&[9000, 1000])?;
/// assert_eq!(plan.counts, vec![3000, 1000]);
/// # Ok::<(), dataprep_split::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mixture {
    weights: MixWeights,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    epoch_limits: Vec<Option<f64>>,
    #[serde(default)]
    max_epochs: Option<f64>,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    shuffle_within: bool,
}

/// How many records to draw from each source.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct MixturePlan {
    /// Records per source.
    pub sizes: Vec<u64>,
    /// The mixing probabilities before limits.
    pub probabilities: Vec<f64>,
    /// Records drawn from each source.
    pub counts: Vec<u64>,
    /// Epochs of each source (`counts / sizes`).
    pub epochs: Vec<f64>,
    /// Records in the mixture.
    pub total: u64,
    /// Sources (or the total) that limits reduced.
    pub warnings: Vec<Warning>,
}

impl Mixture {
    /// A mixture weighted by `weights`, total chosen by the limits (one epoch of every source
    /// when there are none), seed 0, sources read in order.
    pub fn new(weights: MixWeights) -> Self {
        Mixture {
            weights,
            total: None,
            epoch_limits: Vec::new(),
            max_epochs: None,
            seed: 0,
            shuffle_within: false,
        }
    }

    /// The number of records to draw (builder style).
    pub fn with_total(mut self, total: u64) -> Self {
        self.total = Some(total);
        self
    }

    /// At most `epochs` passes over every source (fractional allowed).
    pub fn with_max_epochs(mut self, epochs: f64) -> Self {
        self.max_epochs = Some(epochs);
        self
    }

    /// Per-source epoch limits (`None`: unlimited); overrides [`Mixture::with_max_epochs`] for the
    /// sources listed.
    pub fn with_epoch_limits(mut self, limits: Vec<Option<f64>>) -> Self {
        self.epoch_limits = limits;
        self
    }

    /// Sets the seed of the interleaving (builder style).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Reads each epoch of a random-access source in a fresh random order instead of in order
    /// (for [`MixtureDataset`]).
    pub fn with_shuffle_within(mut self, shuffle: bool) -> Self {
        self.shuffle_within = shuffle;
        self
    }

    fn limit(&self, i: usize) -> Option<f64> {
        match self.epoch_limits.get(i) {
            Some(l) => *l,
            None => self.max_epochs,
        }
    }

    /// The per-source counts for sources of `sizes` records.
    ///
    /// Probabilities come from the weights; a source whose share would exceed its epoch limit is
    /// capped and the excess shared among the others in proportion (water filling); counts are
    /// rounded by largest remainder. Without a total, the total is the largest one within every
    /// capped source's limit (one epoch of everything when there are no limits).
    ///
    /// # Errors
    /// [`Error::EmptyInput`] for no sources; [`Error::InvalidParameter`] for weights of the wrong
    /// length, negative or non-finite weights, all-zero weights, a non-positive temperature or
    /// epoch limit; [`Error::EmptyClass`] for an empty source with positive weight.
    pub fn plan(&self, sizes: &[u64]) -> Result<MixturePlan> {
        let s = sizes.len();
        if s == 0 {
            return Err(Error::EmptyInput("no sources to mix".into()));
        }
        let raw: Vec<f64> = match &self.weights {
            MixWeights::Proportional => sizes.iter().map(|&n| n as f64).collect(),
            MixWeights::Weights(w) => {
                if w.len() != s {
                    return Err(Error::InvalidParameter(format!(
                        "{} weights for {s} sources",
                        w.len()
                    )));
                }
                w.clone()
            }
            MixWeights::Temperature(t) => {
                if !(*t > 0.0 && t.is_finite()) {
                    return Err(Error::InvalidParameter(format!(
                        "temperature {t} must be positive"
                    )));
                }
                sizes.iter().map(|&n| (n as f64).powf(1.0 / t)).collect()
            }
        };
        if raw.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(Error::InvalidParameter(
                "weights must be finite and non-negative".into(),
            ));
        }
        let sum: f64 = raw.iter().sum();
        if sum <= 0.0 {
            return Err(Error::InvalidParameter("all weights are zero".into()));
        }
        let p: Vec<f64> = raw.iter().map(|w| w / sum).collect();
        for (i, (&pi, &n)) in p.iter().zip(sizes).enumerate() {
            if pi > 0.0 && n == 0 {
                return Err(Error::EmptyClass {
                    class: format!("source {i}"),
                    reason: "it has weight but no records".into(),
                });
            }
        }
        let mut caps: Vec<Option<u64>> = Vec::with_capacity(s);
        for (i, &n) in sizes.iter().enumerate() {
            caps.push(match self.limit(i) {
                Some(e) if !(e > 0.0 && e.is_finite()) => {
                    return Err(Error::InvalidParameter(format!(
                        "epoch limit {e} of source {i} must be positive"
                    )));
                }
                Some(e) => Some((e * n as f64).floor() as u64),
                None => None,
            });
        }
        let mut warnings = Vec::new();
        let total = match self.total {
            Some(t) => t,
            None => {
                let bound = p
                    .iter()
                    .zip(&caps)
                    .filter_map(|(&pi, c)| match c {
                        Some(c) if pi > 0.0 => Some((*c as f64 / pi + 1e-6).floor()),
                        _ => None,
                    })
                    .fold(f64::INFINITY, f64::min);
                if bound.is_finite() {
                    bound as u64
                } else {
                    sizes.iter().sum()
                }
            }
        };
        // Water filling.
        let mut counts = vec![0u64; s];
        let mut active: Vec<usize> = (0..s).filter(|&i| p[i] > 0.0).collect();
        let mut remaining = total;
        loop {
            let psum: f64 = active.iter().map(|&i| p[i]).sum();
            let over: Vec<usize> = active
                .iter()
                .copied()
                .filter(|&i| {
                    caps[i].is_some_and(|c| p[i] / psum * remaining as f64 > c as f64 + 1e-6)
                })
                .collect();
            if over.is_empty() {
                break;
            }
            for &i in &over {
                let c = caps[i].unwrap_or(0);
                counts[i] = c;
                remaining -= c.min(remaining);
                let want = (p[i] * total as f64).round() as u64;
                if want > c {
                    warnings.push(
                        Warning::Capped {
                            what: format!("source {i}"),
                            requested: want,
                            given: c,
                        }
                        .emit(),
                    );
                }
            }
            active.retain(|i| !over.contains(i));
            if active.is_empty() {
                break;
            }
        }
        if active.is_empty() {
            if remaining > 0 {
                let given = total - remaining;
                warnings.push(
                    Warning::Capped {
                        what: "mixture total (every source at its epoch limit)".into(),
                        requested: total,
                        given,
                    }
                    .emit(),
                );
            }
        } else {
            let psum: f64 = active.iter().map(|&i| p[i]).sum();
            let ideal: Vec<f64> = active
                .iter()
                .map(|&i| p[i] / psum * remaining as f64)
                .collect();
            let mut given = 0u64;
            for (&i, &x) in active.iter().zip(&ideal) {
                counts[i] = x.floor() as u64;
                given += counts[i];
            }
            let mut order: Vec<usize> = (0..active.len()).collect();
            order.sort_by(|&a, &b| {
                let fa = ideal[a] - ideal[a].floor();
                let fb = ideal[b] - ideal[b].floor();
                fb.total_cmp(&fa).then(a.cmp(&b))
            });
            for &j in order
                .iter()
                .take((remaining - given.min(remaining)) as usize)
            {
                counts[active[j]] += 1;
            }
        }
        let epochs = counts
            .iter()
            .zip(sizes)
            .map(|(&c, &n)| if n == 0 { 0.0 } else { c as f64 / n as f64 })
            .collect();
        Ok(MixturePlan {
            sizes: sizes.to_vec(),
            probabilities: p,
            total: counts.iter().sum(),
            counts,
            epochs,
            warnings,
        })
    }

    /// A random-access mixture of random-access sources (sizes from their lengths): record `i`
    /// is the `i`-th draw of the seeded interleaving. Holds the schedule (16 bytes per record).
    ///
    /// # Errors
    /// As [`Mixture::plan`].
    pub fn dataset<D: Dataset>(&self, sources: Vec<D>) -> Result<MixtureDataset<D>> {
        let sizes: Vec<u64> = sources.iter().map(|d| d.len() as u64).collect();
        let plan = self.plan(&sizes)?;
        let schedule = plan.schedule(self.seed, self.shuffle_within).collect();
        Ok(MixtureDataset {
            sources,
            schedule,
            plan,
        })
    }

    /// A streaming mixture of streaming sources of known sizes (`sizes`, or each source's
    /// `len_hint` when `None`): sources are read front to back, and reopened for another epoch
    /// when exhausted.
    ///
    /// # Errors
    /// As [`Mixture::plan`]; [`Error::InvalidParameter`] when a size is unknown.
    pub fn stream<D: IterableDataset>(
        &self,
        sources: Vec<D>,
        sizes: Option<Vec<u64>>,
    ) -> Result<MixtureStream<D>> {
        let sizes = match sizes {
            Some(s) => s,
            None => sources
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    d.len_hint().ok_or_else(|| {
                        Error::InvalidParameter(format!(
                            "source {i} has no length hint; pass the sizes"
                        ))
                    })
                })
                .collect::<Result<_>>()?,
        };
        if sizes.len() != sources.len() {
            return Err(Error::InvalidParameter(format!(
                "{} sizes for {} sources",
                sizes.len(),
                sources.len()
            )));
        }
        let plan = self.plan(&sizes)?;
        Ok(MixtureStream {
            sources,
            plan,
            seed: self.seed,
        })
    }
}

impl MixturePlan {
    /// The seeded interleaving: `(source, index in source)` for every draw, each source's draws
    /// uniformly spread (sequential random selection with exact counts). Indices run through each
    /// source in order, epoch after epoch, or in a fresh random order per epoch with `shuffle`.
    pub fn schedule(&self, seed: u64, shuffle: bool) -> Schedule {
        Schedule {
            left: self.counts.clone(),
            left_total: self.total,
            drawn: vec![0; self.counts.len()],
            sizes: self.sizes.clone(),
            perms: vec![None; self.counts.len()],
            shuffle,
            seed,
            rng: rng(seed, "mixture"),
        }
    }
}

/// See [`MixturePlan::schedule`].
#[derive(Debug, Clone)]
pub struct Schedule {
    left: Vec<u64>,
    left_total: u64,
    drawn: Vec<u64>,
    sizes: Vec<u64>,
    perms: Vec<Option<Vec<u32>>>,
    shuffle: bool,
    seed: u64,
    rng: ChaCha8Rng,
}

impl Schedule {
    fn next_source(&mut self) -> Option<usize> {
        if self.left_total == 0 {
            return None;
        }
        let u = self.rng.random_range(0..self.left_total);
        let mut acc = 0;
        let mut src = 0;
        for (i, &l) in self.left.iter().enumerate() {
            acc += l;
            if u < acc {
                src = i;
                break;
            }
        }
        self.left[src] -= 1;
        self.left_total -= 1;
        Some(src)
    }
}

impl Iterator for Schedule {
    type Item = (usize, u64);

    fn next(&mut self) -> Option<(usize, u64)> {
        let src = self.next_source()?;
        let n = self.sizes[src];
        let k = self.drawn[src];
        self.drawn[src] += 1;
        let (epoch, pos) = (k / n, k % n);
        let idx = if self.shuffle {
            if pos == 0 || self.perms[src].is_none() {
                let mut r = rng(
                    sub_seed(self.seed, "mixture_epoch", src),
                    &epoch.to_string(),
                );
                self.perms[src] = Some(permutation(n as usize, &mut r));
            }
            u64::from(
                self.perms[src]
                    .as_ref()
                    .map_or(pos as u32, |p| p[pos as usize]),
            )
        } else {
            pos
        };
        Some((src, idx))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.left_total as usize;
        (n, Some(n))
    }
}

/// See [`Mixture::dataset`].
#[derive(Debug, Clone)]
pub struct MixtureDataset<D> {
    sources: Vec<D>,
    schedule: Vec<(usize, u64)>,
    plan: MixturePlan,
}

impl<D> MixtureDataset<D> {
    /// The plan (counts per source).
    pub fn plan(&self) -> &MixturePlan {
        &self.plan
    }

    /// `(source, index in source)` of every record.
    pub fn schedule(&self) -> &[(usize, u64)] {
        &self.schedule
    }
}

impl<D: Dataset> Dataset for MixtureDataset<D> {
    fn len(&self) -> usize {
        self.schedule.len()
    }

    fn get(&self, index: usize) -> dataprep_core::Result<Record> {
        let &(src, i) = self
            .schedule
            .get(index)
            .ok_or(dataprep_core::Error::OutOfRange {
                index,
                len: self.schedule.len(),
            })?;
        self.sources[src].get(i as usize)
    }
}

impl<D: Dataset> IterableDataset for MixtureDataset<D> {
    fn open(&self, shard: Shard) -> dataprep_core::Result<Records<'_>> {
        Ok(Box::new(
            (shard.rank..self.schedule.len())
                .step_by(shard.world_size)
                .map(move |i| self.get(i)),
        ))
    }

    fn len_hint(&self) -> Option<u64> {
        Some(self.schedule.len() as u64)
    }
}

/// See [`Mixture::stream`].
#[derive(Debug, Clone)]
pub struct MixtureStream<D> {
    sources: Vec<D>,
    plan: MixturePlan,
    seed: u64,
}

impl<D> MixtureStream<D> {
    /// The plan (counts per source).
    pub fn plan(&self) -> &MixturePlan {
        &self.plan
    }
}

impl<D: IterableDataset> IterableDataset for MixtureStream<D> {
    fn open(&self, shard: Shard) -> dataprep_core::Result<Records<'_>> {
        let it = StreamIter {
            sources: &self.sources,
            open: (0..self.sources.len()).map(|_| None).collect(),
            schedule: self.plan.schedule(self.seed, false),
        };
        Ok(shard.stride(Box::new(it)))
    }

    fn len_hint(&self) -> Option<u64> {
        Some(self.plan.total)
    }
}

struct StreamIter<'a, D> {
    sources: &'a [D],
    open: Vec<Option<Records<'a>>>,
    schedule: Schedule,
}

impl<D: IterableDataset> Iterator for StreamIter<'_, D> {
    type Item = dataprep_core::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        let (src, _) = self.schedule.next()?;
        for attempt in 0..2 {
            if self.open[src].is_none() {
                match self.sources[src].iter() {
                    Ok(it) => self.open[src] = Some(it),
                    Err(e) => return Some(Err(e)),
                }
            }
            match self.open[src].as_mut().and_then(Iterator::next) {
                Some(item) => return Some(item),
                // Exhausted: start the next epoch (once; an empty source ends the mixture).
                None if attempt == 0 => self.open[src] = None,
                None => return None,
            }
        }
        None
    }
}
