//! The four file stages of MinHash near-dedup at scale (signatures, matches, clusters, filter),
//! split from `minhash/mod.rs` at this seam; everything public is re-exported there, so paths
//! stay `dedup::minhash::…`.

use std::collections::{BinaryHeap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Record, RecordError, StatefulStage};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::super::files::{
    AtomicWriter, Codec, ExternalSort, RecReader, is_shard_file, open, read_record, remove_litter,
    shard_files,
};
use super::*;
use crate::{Error, Result};

fn band_dir(dir: &Path, band: usize) -> PathBuf {
    dir.join(format!("band_{band:03}"))
}

/// The manifest of one shard's signatures: `dir/meta/SSSSS.json`.
fn manifest_path(dir: &Path, shard: u32) -> PathBuf {
    dir.join("meta").join(format!("{shard:05}.json"))
}

/// The manifest's content: the format version and the full config.
fn manifest_json(config: &MinHashConfig) -> serde_json::Value {
    serde_json::json!({ "format": 1, "minhash": config })
}

/// Checks that shard `shard` of `dir` was written with `config`.
fn check_manifest(dir: &Path, shard: u32, config: &MinHashConfig) -> Result<()> {
    let path = manifest_path(dir, shard);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Format {
                path,
                message: "no signature manifest (not written by write_signatures?)".into(),
            });
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    let found: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| Error::Format {
        path: path.clone(),
        message: format!("bad signature manifest: {e}"),
    })?;
    let expected = manifest_json(config);
    let same = found["format"] == expected["format"]
        && serde_json::from_value::<MinHashConfig>(found["minhash"].clone())
            .is_ok_and(|c| c == *config);
    if same {
        Ok(())
    } else {
        Err(Error::IncompatibleSignatures {
            path,
            expected: expected.to_string(),
            found: found.to_string(),
        })
    }
}

/// One band record of a signature file: `rows` hashes then the document index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SigRec {
    hashes: Vec<u64>,
    doc: u32,
}

/// The layout of a band record: `rows` little-endian u64 (u32 for [`HashFamily::Fast32`]) then
/// a u32.
#[derive(Debug, Clone, Copy)]
struct SigCodec {
    rows: usize,
    /// Bytes per value: 8 or 4.
    width: usize,
}

impl SigCodec {
    fn new(config: &MinHashConfig) -> Self {
        SigCodec {
            rows: config.rows,
            width: config.family.value_bytes(),
        }
    }
}

impl Codec for SigCodec {
    type Rec = SigRec;

    fn size(&self) -> usize {
        self.rows * self.width + 4
    }

    fn encode(&self, r: &SigRec, out: &mut Vec<u8>) {
        for &h in &r.hashes {
            if self.width == 4 {
                out.extend_from_slice(&(h as u32).to_le_bytes());
            } else {
                out.extend_from_slice(&h.to_le_bytes());
            }
        }
        out.extend_from_slice(&r.doc.to_le_bytes());
    }

    fn decode(&self, b: &[u8]) -> SigRec {
        let w = self.width;
        let hashes = b[..self.rows * w]
            .chunks_exact(w)
            .map(|c| {
                if w == 4 {
                    u64::from(u32::from_le_bytes(c.try_into().expect("4 bytes")))
                } else {
                    u64::from_le_bytes(c.try_into().expect("8 bytes"))
                }
            })
            .collect();
        let doc = u32::from_le_bytes(b[self.rows * w..].try_into().expect("4 bytes"));
        SigRec { hashes, doc }
    }
}

/// Options of [`write_signatures`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignatureOptions {
    /// Band records held in memory before a sorted run is spilled to disk (over all bands).
    pub max_buffered: usize,
    /// Documents hashed per parallel batch.
    pub batch: usize,
}

impl Default for SignatureOptions {
    fn default() -> Self {
        SignatureOptions {
            max_buffered: 4 << 20,
            batch: 4096,
        }
    }
}

impl SignatureOptions {
    /// Sets the spill threshold (band records in memory).
    #[must_use]
    pub fn with_max_buffered(mut self, n: usize) -> Self {
        self.max_buffered = n.max(1);
        self
    }
}

/// What [`write_signatures`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SignatureStats {
    /// Documents read.
    pub documents: u64,
    /// Documents with a signature (the others had fewer than `n` words or characters).
    pub signed: u64,
    /// Sorted runs spilled to disk per band.
    pub runs: u64,
}

/// Stage 1: signatures of one input shard. `docs` yields each document's text and, for
/// [`KeepRule::HighestScore`], its score (the document index is its position). Writes
/// `dir/band_BBB/SSSSS.sig` for every band (sorted; datatrove's layout for
/// [`HashFamily::Datatrove`], u32 values for [`HashFamily::Fast32`]), `dir/scores/SSSSS.f64`, and
/// `dir/meta/SSSSS.json`, the [`MinHashConfig`] that [`find_matches`] checks.
///
/// # Errors
/// I/O errors.
pub fn write_signatures<I, S>(
    dir: &Path,
    shard: u32,
    docs: I,
    hasher: &MinHasher,
    opts: &SignatureOptions,
) -> Result<SignatureStats>
where
    I: IntoIterator<Item = (S, f64)>,
    S: AsRef<str> + Send + Sync,
{
    let cfg = hasher.config;
    let (bands, rows) = (cfg.bands, cfg.rows);
    let name = format!("{shard:05}");
    let codec = SigCodec::new(&cfg);
    // A rerun of a killed shard first removes what that run left (its temporary files and
    // spill runs); other shards' files are left alone.
    for band in 0..bands {
        let sig = format!("{name}.sig");
        remove_litter(&band_dir(dir, band), |n| n == sig, true)?;
    }
    let (f64_name, json_name) = (format!("{name}.f64"), format!("{name}.json"));
    remove_litter(&dir.join("scores"), |n| n == f64_name, false)?;
    remove_litter(&dir.join("meta"), |n| n == json_name, false)?;
    let mut sorts: Vec<ExternalSort<SigCodec>> = (0..bands)
        .map(|band| ExternalSort::new(band_dir(dir, band).join(format!("{name}.sig")), codec))
        .collect();
    let mut stats = SignatureStats::default();
    let scores_path = dir.join("scores").join(format!("{name}.f64"));
    let mut scores = AtomicWriter::create(&scores_path)?;
    let mut iter = docs.into_iter();
    loop {
        let batch: Vec<(S, f64)> = iter.by_ref().take(opts.batch.max(1)).collect();
        if batch.is_empty() {
            break;
        }
        let sigs: Vec<Option<Vec<u64>>> = batch
            .par_iter()
            .map(|(t, _)| hasher.signature(t.as_ref()))
            .collect();
        for ((_, score), sig) in batch.iter().zip(sigs) {
            let doc = u32::try_from(stats.documents)
                .map_err(|_| Error::Config("more than 2^32 documents in one shard".into()))?;
            stats.documents += 1;
            scores.write_all(&score.to_le_bytes())?;
            if let Some(sig) = sig {
                stats.signed += 1;
                for (band, s) in sorts.iter_mut().enumerate() {
                    s.push(SigRec {
                        hashes: sig[band * rows..(band + 1) * rows].to_vec(),
                        doc,
                    });
                }
            }
        }
        let buffered: usize = sorts.iter().map(ExternalSort::buffered).sum();
        if buffered >= opts.max_buffered {
            sorts.par_iter_mut().try_for_each(ExternalSort::spill)?;
            stats.runs += 1;
        }
    }
    scores.finish()?;
    sorts.into_par_iter().try_for_each(ExternalSort::finish)?;
    let mut meta = AtomicWriter::create(&manifest_path(dir, shard))?;
    meta.write_all(manifest_json(&cfg).to_string().as_bytes())?;
    meta.finish()?;
    Ok(stats)
}

/// An existing index to deduplicate against: a signatures directory written by
/// [`write_signatures`] (for an earlier dataset, with the same [`MinHashConfig`]: [`find_matches`]
/// checks its manifests). New documents matching it are removed; the index's own documents are
/// never reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexRef {
    /// The signatures directory of the indexed dataset.
    pub dir: PathBuf,
}

/// A matching pair: (shard, doc) of the group's first member and of another member.
type Pair = [u32; 4];

/// What [`find_matches`] did for one band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MatchStats {
    /// Band records read.
    pub records: u64,
    /// Pairs written.
    pub pairs: u64,
}

/// Stage 2, for one band: k-way merges the band's sorted files of every shard in `sig_dir` (and
/// of `index`), and writes `out_dir/band_BBB.pairs`: for each group of equal band hashes, one
/// pair (first member, other member) per other member, as four little-endian u32 (shard, doc,
/// shard, doc). Index documents sort first in a group and have shard [`INDEX_SHARD`]. Memory: one
/// record per input file.
///
/// # Errors
/// I/O errors, malformed files; [`Error::IncompatibleSignatures`] when a shard (or the index)
/// was written with another [`MinHashConfig`] (another hash family, say) than `config`.
pub fn find_matches(
    sig_dir: &Path,
    band: usize,
    out_dir: &Path,
    index: Option<&IndexRef>,
    config: &MinHashConfig,
) -> Result<MatchStats> {
    let codec = SigCodec::new(config);
    // (is_new, shard) orders index entries first within a group of equal hashes.
    let mut sources: Vec<(bool, u32, RecReader<SigCodec>)> = Vec::new();
    if let Some(ix) = index {
        for (s, p) in shard_files(&band_dir(&ix.dir, band), ".sig")? {
            check_manifest(&ix.dir, s, config)?;
            sources.push((false, INDEX_SHARD, RecReader::open(&p, codec)?));
        }
    }
    for (shard, p) in shard_files(&band_dir(sig_dir, band), ".sig")? {
        check_manifest(sig_dir, shard, config)?;
        sources.push((true, shard, RecReader::open(&p, codec)?));
    }
    type Item = std::cmp::Reverse<(Vec<u64>, bool, u32, u32, usize)>;
    let mut heap: BinaryHeap<Item> = BinaryHeap::new();
    for (i, (is_new, shard, r)) in sources.iter_mut().enumerate() {
        if let Some(rec) = r.next_rec()? {
            heap.push(std::cmp::Reverse((rec.hashes, *is_new, *shard, rec.doc, i)));
        }
    }
    let out_name = format!("band_{band:03}.pairs");
    remove_litter(out_dir, |n| n == out_name, false)?;
    let out = out_dir.join(&out_name);
    let mut w = AtomicWriter::create(&out)?;
    let mut stats = MatchStats::default();
    let mut group: Option<(Vec<u64>, u32, u32)> = None;
    while let Some(std::cmp::Reverse((hashes, is_new, shard, doc, i))) = heap.pop() {
        stats.records += 1;
        match &group {
            Some((g, s0, d0)) if *g == hashes => {
                if is_new {
                    let pair: Pair = [*s0, *d0, shard, doc];
                    let mut b = [0u8; 16];
                    for (k, v) in pair.iter().enumerate() {
                        b[k * 4..k * 4 + 4].copy_from_slice(&v.to_le_bytes());
                    }
                    w.write_all(&b)?;
                    stats.pairs += 1;
                }
            }
            _ => {
                let s = if is_new { shard } else { INDEX_SHARD };
                let d = if is_new { doc } else { 0 };
                group = Some((hashes, s, d));
            }
        }
        let (_, _, r) = &mut sources[i];
        if let Some(rec) = r.next_rec()? {
            heap.push(std::cmp::Reverse((rec.hashes, is_new, shard, rec.doc, i)));
        }
    }
    w.finish()?;
    Ok(stats)
}

/// Which document of a cluster is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeepRule {
    /// The lowest (shard, index): the first in input order when shards are numbered in order.
    #[default]
    LowestKey,
    /// The highest score given to [`write_signatures`]; ties go to the lowest key.
    HighestScore,
}

/// A document's global id: `shard << 32 | doc`.
pub fn doc_id(shard: u32, doc: u32) -> u64 {
    (u64::from(shard) << 32) | u64::from(doc)
}

/// What [`build_clusters`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClusterStats {
    /// Pairs read.
    pub pairs: u64,
    /// Clusters of two or more documents (counting an index match as a member).
    pub clusters: u64,
    /// Documents removed.
    pub removed: u64,
}

/// Stage 3: union-find over every `*.pairs` file in `match_dir`; per cluster one document is kept
/// by `rule` (none when the cluster contains an index document). Writes
/// `out_dir/SSSSS.dups` per shard: sorted records (u32 doc, u64 cluster id, u8 kept) for every
/// clustered document, where the cluster id is the kept document's [`doc_id`] (or
/// `doc_id(INDEX_SHARD, 0)` for a match with the index). Memory: proportional to the number of
/// clustered documents.
///
/// # Errors
/// I/O errors, malformed files.
pub fn build_clusters(
    match_dir: &Path,
    sig_dir: &Path,
    out_dir: &Path,
    rule: KeepRule,
) -> Result<ClusterStats> {
    let mut uf = UnionFind::default();
    let mut stats = ClusterStats::default();
    let mut files: Vec<PathBuf> = fs::read_dir(match_dir)
        .map_err(|e| Error::io(match_dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pairs"))
        .collect();
    files.sort();
    let index_id = doc_id(INDEX_SHARD, 0);
    for p in &files {
        let mut r = open(p)?;
        let mut b = [0u8; 16];
        while read_record(&mut r, &mut b, p)? {
            let v: Vec<u32> = (0..4)
                .map(|k| u32::from_le_bytes(b[k * 4..k * 4 + 4].try_into().expect("4 bytes")))
                .collect();
            let a = if v[0] == INDEX_SHARD {
                index_id
            } else {
                doc_id(v[0], v[1])
            };
            uf.union(a, doc_id(v[2], v[3]));
            stats.pairs += 1;
        }
    }
    // Members by root. The index id is the largest id, so it is the last member of a cluster.
    let ids: Vec<u64> = uf.parent.keys().copied().collect();
    let mut members: HashMap<u64, Vec<u64>> = HashMap::new();
    for id in ids {
        let root = uf.find(id);
        members.entry(root).or_default().push(id);
    }
    let mut score_cache: HashMap<u32, Vec<f64>> = HashMap::new();
    let mut score = |id: u64| -> Result<f64> {
        let shard = (id >> 32) as u32;
        if let std::collections::hash_map::Entry::Vacant(e) = score_cache.entry(shard) {
            let path = sig_dir.join("scores").join(format!("{shard:05}.f64"));
            let bytes = fs::read(&path).map_err(|err| Error::io(&path, err))?;
            e.insert(
                bytes
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                    .collect(),
            );
        }
        Ok(score_cache[&shard]
            .get((id & 0xffff_ffff) as usize)
            .copied()
            .unwrap_or(f64::NEG_INFINITY))
    };
    let mut per_shard: HashMap<u32, Vec<(u32, u64, u8)>> = HashMap::new();
    let mut roots: Vec<u64> = members.keys().copied().collect();
    roots.sort_unstable();
    for root in roots {
        let mut m = members.remove(&root).unwrap_or_default();
        m.sort_unstable();
        if m.len() < 2 {
            continue;
        }
        stats.clusters += 1;
        let has_index = m.last() == Some(&index_id);
        let kept = if has_index {
            index_id
        } else {
            match rule {
                KeepRule::LowestKey => m[0],
                KeepRule::HighestScore => {
                    let mut best = m[0];
                    let mut best_s = score(best)?;
                    for &id in &m[1..] {
                        let s = score(id)?;
                        if s > best_s {
                            best = id;
                            best_s = s;
                        }
                    }
                    best
                }
            }
        };
        for &id in &m {
            if id == index_id {
                continue;
            }
            let keep = u8::from(id == kept);
            if keep == 0 {
                stats.removed += 1;
            }
            per_shard.entry((id >> 32) as u32).or_default().push((
                (id & 0xffff_ffff) as u32,
                kept,
                keep,
            ));
        }
    }
    fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    remove_litter(out_dir, |n| is_shard_file(n, ".dups"), false)?;
    let mut shards: Vec<u32> = per_shard.keys().copied().collect();
    shards.sort_unstable();
    for shard in shards {
        let mut recs = per_shard.remove(&shard).unwrap_or_default();
        recs.sort_unstable();
        let path = out_dir.join(format!("{shard:05}.dups"));
        let mut w = AtomicWriter::create(&path)?;
        for (doc, cluster, keep) in recs {
            let mut b = [0u8; 13];
            b[..4].copy_from_slice(&doc.to_le_bytes());
            b[4..12].copy_from_slice(&cluster.to_le_bytes());
            b[12] = keep;
            w.write_all(&b)?;
        }
        w.finish()?;
    }
    Ok(stats)
}

/// Stage 4 data: the clustered documents of one shard, read from `clusters/SSSSS.dups`.
#[derive(Debug, Clone, Default)]
pub struct ShardDuplicates {
    entries: Vec<(u32, u64, bool)>,
}

impl ShardDuplicates {
    /// Loads shard `shard` from a [`build_clusters`] output directory (empty when the shard has
    /// no clustered document).
    ///
    /// # Errors
    /// I/O errors, malformed files.
    pub fn load(cluster_dir: &Path, shard: u32) -> Result<Self> {
        let path = cluster_dir.join(format!("{shard:05}.dups"));
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        if bytes.len() % 13 != 0 {
            return Err(Error::Format {
                path,
                message: "truncated cluster record".into(),
            });
        }
        let entries = bytes
            .chunks_exact(13)
            .map(|c| {
                (
                    u32::from_le_bytes(c[..4].try_into().expect("4 bytes")),
                    u64::from_le_bytes(c[4..12].try_into().expect("8 bytes")),
                    c[12] == 1,
                )
            })
            .collect();
        Ok(ShardDuplicates { entries })
    }

    /// The cluster id and whether document `doc` is kept; `None` when it is in no cluster.
    pub fn lookup(&self, doc: u32) -> Option<(u64, bool)> {
        self.entries
            .binary_search_by(|e| e.0.cmp(&doc))
            .ok()
            .map(|i| (self.entries[i].1, self.entries[i].2))
    }

    /// True when document `doc` is to be removed.
    pub fn is_removed(&self, doc: u32) -> bool {
        matches!(self.lookup(doc), Some((_, false)))
    }

    /// The removed documents' indices, ascending.
    pub fn removed(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries.iter().filter(|e| !e.2).map(|e| e.0)
    }
}

/// Stage 4 as a [`StatefulStage`] over one shard's records in their original order: writes
/// `near_cluster` (the kept document's [`doc_id`], or the record's own id when it is in no
/// cluster) and drops the others with reason `near_duplicate`.
#[derive(Debug)]
pub struct NearDedupFilterStage {
    shard: u32,
    dups: ShardDuplicates,
    next: u32,
    field: String,
}

impl NearDedupFilterStage {
    /// The filter for shard `shard` with its duplicates.
    pub fn new(shard: u32, dups: ShardDuplicates) -> Self {
        NearDedupFilterStage {
            shard,
            dups,
            next: 0,
            field: "near_cluster".into(),
        }
    }

    /// Sets the field that receives the cluster id.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

impl StatefulStage for NearDedupFilterStage {
    fn name(&self) -> &str {
        "near_dedup"
    }

    fn config(&self) -> serde_json::Value {
        config_json(&(self.shard, &self.field))
    }

    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn process(&mut self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let doc = self.next;
        self.next = self.next.wrapping_add(1);
        let (cluster, keep) = self
            .dups
            .lookup(doc)
            .unwrap_or((doc_id(self.shard, doc), true));
        record.set(self.field.clone(), cluster as i64);
        Ok(if keep {
            Action::Keep
        } else {
            Action::drop("near_duplicate")
        })
    }
}

// The names before every stage type ended in `Stage` (CHANGELOG: Unreleased).
/// Renamed to [`NearDedupFilterStage`].
#[deprecated(since = "0.1.0", note = "renamed to `NearDedupFilterStage`")]
pub type NearDedupFilter = NearDedupFilterStage;
