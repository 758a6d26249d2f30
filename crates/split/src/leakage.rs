//! Leakage: duplicates (exact or near) that straddle splits.
//!
//! To keep duplicates on one side, split with their cluster id as the group
//! ([`crate::Splitter::grouped`], [`crate::GroupKFold`], …). Duplicate detectors report either a
//! cluster id per row (dataprep-quality, or any column) or matching pairs; [`clusters_from_pairs`]
//! turns pairs into cluster ids, and [`merge_groupings`] combines two groupings (for example
//! users and duplicate clusters) so that rows sharing either stay together. [`leakage_report`]
//! audits an existing split.

use std::hash::Hash;

use crate::encode::encode;
use crate::error::{Error, Result, check_len};
use crate::split::UNASSIGNED;

/// Union-find with path halving and union by size.
#[derive(Debug, Clone)]
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = self.parent[x as usize];
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
    }

    /// Dense cluster ids numbered by first appearance.
    fn into_ids(mut self) -> Vec<u32> {
        let n = self.parent.len();
        let mut id_of_root = vec![u32::MAX; n];
        let mut next = 0u32;
        (0..n as u32)
            .map(|x| {
                let r = self.find(x) as usize;
                if id_of_root[r] == u32::MAX {
                    id_of_root[r] = next;
                    next += 1;
                }
                id_of_root[r]
            })
            .collect()
    }
}

/// Cluster ids for `n` rows from duplicate pairs `(i, j)` (connected components): rows linked by
/// a chain of pairs share an id; ids are numbered by first row. O(n + pairs · α(n)).
///
/// ```
/// let ids = dataprep_split::clusters_from_pairs(6, &[(0, 3), (3, 5), (1, 2)])?;
/// assert_eq!(ids, vec![0, 1, 1, 0, 2, 0]);
/// # Ok::<(), dataprep_split::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for a row index `>= n`.
pub fn clusters_from_pairs(n: usize, pairs: &[(usize, usize)]) -> Result<Vec<u32>> {
    if n >= u32::MAX as usize {
        return Err(Error::InvalidParameter("too many rows".into()));
    }
    let mut uf = UnionFind::new(n);
    for &(a, b) in pairs {
        if a >= n || b >= n {
            return Err(Error::InvalidParameter(format!(
                "pair ({a}, {b}) refers to a row past the {n} rows"
            )));
        }
        uf.union(a as u32, b as u32);
    }
    Ok(uf.into_ids())
}

/// Groups such that two rows sharing a value in `a` **or** in `b` are in one group (for example
/// user ids and duplicate-cluster ids): the connected components of both groupings. O(n).
///
/// ```
/// let users = ["u1", "u1", "u2", "u3"];
/// let dups = [10, 11, 11, 12];
/// assert_eq!(dataprep_split::merge_groupings(&users, &dups)?, vec![0, 0, 0, 1]);
/// # Ok::<(), dataprep_split::Error>(())
/// ```
///
/// # Errors
/// [`Error::LengthMismatch`] when the groupings differ in length.
pub fn merge_groupings<A: Hash + Eq + Sync, B: Hash + Eq + Sync>(
    a: &[A],
    b: &[B],
) -> Result<Vec<u32>> {
    check_len("second grouping", a.len(), b.len())?;
    let n = a.len();
    let mut uf = UnionFind::new(n);
    for codes in [encode(a), encode(b)] {
        let firsts = codes.first_rows().to_vec();
        for (i, &c) in codes.codes().iter().enumerate() {
            uf.union(i as u32, firsts[c as usize] as u32);
        }
    }
    Ok(uf.into_ids())
}

/// Duplicate pairs between two splits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SplitPairLeak {
    /// One split.
    pub a: String,
    /// The other split.
    pub b: String,
    /// Pairs of rows (one in each) in the same cluster.
    pub pairs: u64,
    /// Clusters with rows in both.
    pub clusters: usize,
}

/// One cluster that straddles splits, as an example.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct LeakExample {
    /// The first row of the cluster.
    pub first_row: usize,
    /// Rows of the cluster per split (splits it is absent from are left out).
    pub rows_per_split: Vec<(String, usize)>,
}

/// How many duplicates straddle the splits of an existing assignment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct LeakageReport {
    /// Rows in some split (unassigned rows are ignored).
    pub rows: usize,
    /// Clusters with at least two rows in splits.
    pub duplicate_clusters: usize,
    /// Clusters with rows in two or more splits.
    pub leaking_clusters: usize,
    /// Rows in leaking clusters.
    pub leaking_rows: usize,
    /// Pairs of rows in one cluster but different splits: for a cluster with `n_s` rows in
    /// split `s`, `Σ_{s<t} n_s · n_t`.
    pub cross_split_pairs: u64,
    /// The same, per pair of splits (only pairs with leaks).
    pub by_split_pair: Vec<SplitPairLeak>,
    /// Up to 10 leaking clusters, by first row.
    pub examples: Vec<LeakExample>,
}

impl LeakageReport {
    /// True when no duplicate pair straddles splits.
    pub fn is_clean(&self) -> bool {
        self.cross_split_pairs == 0
    }
}

/// Counts, for an existing split (`split_ids[i]` the split of row `i` among `names`, or
/// [`UNASSIGNED`]), the duplicate pairs whose rows are in different splits, with `clusters[i]`
/// the duplicate-cluster id of row `i` (rows that are nobody's duplicate have an id of their
/// own). O(n + clusters · splits).
///
/// ```
/// use dataprep_split::{leakage_report, UNASSIGNED};
/// let names = vec!["train".to_string(), "test".to_string()];
/// let split = [0, 0, 1, 1, UNASSIGNED];
/// let clusters = ["a", "b", "a", "c", "a"];
/// let r = leakage_report(&split, &names, &clusters)?;
/// assert_eq!((r.leaking_clusters, r.cross_split_pairs), (1, 1));
/// # Ok::<(), dataprep_split::Error>(())
/// ```
///
/// # Errors
/// [`Error::LengthMismatch`] when `clusters` does not have one id per row.
pub fn leakage_report<G: Hash + Eq + Sync>(
    split_ids: &[u32],
    names: &[String],
    clusters: &[G],
) -> Result<LeakageReport> {
    check_len("clusters", split_ids.len(), clusters.len())?;
    let enc = encode(clusters);
    let ns = names.len();
    let nc = enc.n_classes();
    let mut per = vec![0u32; nc * ns];
    let mut rows = 0usize;
    for (&c, &s) in enc.codes().iter().zip(split_ids) {
        if s != UNASSIGNED && (s as usize) < ns {
            per[c as usize * ns + s as usize] += 1;
            rows += 1;
        }
    }
    let mut report = LeakageReport {
        rows,
        duplicate_clusters: 0,
        leaking_clusters: 0,
        leaking_rows: 0,
        cross_split_pairs: 0,
        by_split_pair: Vec::new(),
        examples: Vec::new(),
    };
    let mut pair_counts = vec![(0u64, 0usize); ns * ns];
    // Clusters by first row (encode numbers them by first appearance).
    for c in 0..nc {
        let row = &per[c * ns..(c + 1) * ns];
        let total: u64 = row.iter().map(|&x| u64::from(x)).sum();
        if total >= 2 {
            report.duplicate_clusters += 1;
        }
        let present = row.iter().filter(|&&x| x > 0).count();
        if present < 2 {
            continue;
        }
        report.leaking_clusters += 1;
        report.leaking_rows += total as usize;
        for a in 0..ns {
            for b in a + 1..ns {
                let p = u64::from(row[a]) * u64::from(row[b]);
                if p > 0 {
                    report.cross_split_pairs += p;
                    pair_counts[a * ns + b].0 += p;
                    pair_counts[a * ns + b].1 += 1;
                }
            }
        }
        if report.examples.len() < 10 {
            report.examples.push(LeakExample {
                first_row: enc.first_rows()[c],
                rows_per_split: names
                    .iter()
                    .zip(row)
                    .filter(|&(_, &x)| x > 0)
                    .map(|(n, &x)| (n.clone(), x as usize))
                    .collect(),
            });
        }
    }
    for a in 0..ns {
        for b in a + 1..ns {
            let (pairs, clusters) = pair_counts[a * ns + b];
            if pairs > 0 {
                report.by_split_pair.push(SplitPairLeak {
                    a: names[a].clone(),
                    b: names[b].clone(),
                    pairs,
                    clusters,
                });
            }
        }
    }
    Ok(report)
}

/// [`leakage_report`] over records: the split of each record is read from `split_column` (any
/// value — split names, fold numbers —; null or absent means no split), its duplicate cluster
/// from `cluster_column` (null or absent: a cluster of its own).
///
/// ```
/// use dataprep_core::Record;
/// let recs = vec![
///     Record::new().with("split", "train").with("dup", "a"),
///     Record::new().with("split", "test").with("dup", "a"),
///     Record::new().with("split", "test"),
/// ];
/// let r = dataprep_split::leakage_report_records(&recs, "split", "dup")?;
/// assert_eq!(r.cross_split_pairs, 1);
/// assert_eq!(r.by_split_pair[0].a, "train");
/// # Ok::<(), dataprep_split::Error>(())
/// ```
///
/// # Errors
/// [`Error::Field`] when no record has the cluster column.
pub fn leakage_report_records(
    records: &[dataprep_core::Record],
    split_column: &str,
    cluster_column: &str,
) -> Result<LeakageReport> {
    use crate::encode::Key;
    let mut names: Vec<String> = Vec::new();
    let mut index: crate::encode::FxMap<Key<'_>, u32> = crate::encode::FxMap::default();
    let mut ids = Vec::with_capacity(records.len());
    for r in records {
        let id = match r.get(split_column).and_then(Key::from_value) {
            None => UNASSIGNED,
            Some(k) => {
                let next = names.len() as u32;
                *index.entry(k).or_insert_with_key(|k| {
                    names.push(k.to_string());
                    next
                })
            }
        };
        ids.push(id);
    }
    let clusters =
        crate::records::column_keys(records, cluster_column, crate::records::Nulls::OwnGroup)?;
    leakage_report(&ids, &names, &clusters)
}
