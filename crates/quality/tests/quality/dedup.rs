//! Exact and MinHash dedup: datatrove 0.10.1 goldens (`tools/quality_minhash_goldens.py`), the file
//! stages against the in-memory path, 1 vs N shards, index dedup, and recall/precision against
//! exact Jaccard on a synthetic corpus with planted near-duplicates.

use std::sync::LazyLock;

use dataprep_core::{Action, Context, Record, StatefulStage};
use dataprep_quality::Error;
use dataprep_quality::dedup::minhash::{
    HashFamily, IndexRef, KeepRule, LshIndex, MinHashConfig, MinHasher, NearDedupFilterStage,
    ShardDuplicates, SignatureOptions, StreamingNearDedupStage, band_key, build_clusters,
    find_matches, near_clusters, write_signatures,
};
use dataprep_quality::dedup::{
    ExactDedupConfig, ExactDedupStage, TextNorm, exact_clusters, simplify_text,
};
use proptest::prelude::*;

use super::common::{CORPUS, fnv1a64};

static GOLD: LazyLock<Vec<serde_json::Value>> = LazyLock::new(|| {
    include_str!("../data/minhash_goldens.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("golden line"))
        .collect()
});

static DATATROVE: LazyLock<MinHasher> =
    LazyLock::new(|| MinHasher::new(MinHashConfig::datatrove()).unwrap());

fn fast32_config() -> MinHashConfig {
    MinHashConfig::datatrove().with_family(HashFamily::Fast32)
}

static FAST32: LazyLock<MinHasher> = LazyLock::new(|| MinHasher::new(fast32_config()).unwrap());

fn u64s(v: &serde_json::Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

#[test]
fn permutation_parameters_are_numpys() {
    let p = &GOLD[0];
    assert_eq!(p["kind"], "params");
    let (a, b) = DATATROVE.parameters();
    assert_eq!(a[..8], u64s(&p["a"])[..]);
    assert_eq!(b[..8], u64s(&p["b"])[..]);
    let nemo = MinHasher::new(MinHashConfig::nemo()).unwrap();
    let (a, b) = nemo.parameters();
    assert_eq!(a.len(), 260);
    assert_eq!(a[..4], u64s(&p["nemo_a"])[..]);
    assert_eq!(b[..4], u64s(&p["nemo_b"])[..]);
}

#[test]
fn simplify_text_matches_datatrove() {
    let norm = TextNorm::default();
    let mut n = 0;
    for g in GOLD.iter().filter(|g| g["kind"] == "simplify") {
        let text = g["text"].as_str().unwrap();
        assert_eq!(
            simplify_text(text, &norm),
            g["simplified"].as_str().unwrap(),
            "{text:?}"
        );
        n += 1;
    }
    assert!(n > 50);
    let docs: Vec<_> = GOLD.iter().filter(|g| g["kind"] == "doc").collect();
    assert_eq!(docs.len(), CORPUS.len());
    let bad: Vec<&str> = CORPUS
        .iter()
        .zip(&docs)
        .filter(|(d, g)| {
            fnv1a64(&simplify_text(&d.text, &norm)) != g["simplified"].as_str().unwrap()
        })
        .map(|(d, _)| d.id.as_str())
        .collect();
    assert!(bad.is_empty(), "simplify_text differs on {bad:?}");
}

#[test]
fn signatures_match_datatrove() {
    let docs: Vec<_> = GOLD.iter().filter(|g| g["kind"] == "doc").collect();
    let mut bad = Vec::new();
    for (d, g) in CORPUS.iter().zip(&docs) {
        let sh = DATATROVE.shingles(&d.text);
        assert_eq!(
            sh.len() as u64,
            g["n_shingles"].as_u64().unwrap(),
            "{}",
            d.id
        );
        let sig = DATATROVE.signature_of(&sh);
        if let Some(full) = g.get("full") {
            assert_eq!(sig.as_deref(), Some(&u64s(full)[..]), "{}", d.id);
        }
        let got = sig.map_or(String::new(), |s| {
            fnv1a64(&s.iter().map(u64::to_string).collect::<Vec<_>>().join(","))
        });
        if got != g["signature"].as_str().unwrap() {
            bad.push(d.id.clone());
        }
    }
    assert!(bad.is_empty(), "signatures differ on {bad:?}");
}

#[test]
fn exact_dedup_function_and_stage() {
    let texts = [
        "Hello, World!",
        "other",
        "hello   world",
        "Héllo wörld.",
        "other 2",
        "other 3",
    ];
    // Numbers normalise to 0: "other 2" and "other 3" are the same content.
    assert_eq!(
        exact_clusters(&texts, &TextNorm::default()),
        [0, 1, 0, 0, 4, 4]
    );
    assert_eq!(
        exact_clusters(&texts, &TextNorm::none()),
        [0, 1, 2, 3, 4, 5]
    );
    let mut stage = ExactDedupStage::new(ExactDedupConfig::default());
    let cx = Context::new("exact_dedup", 0);
    let mut kept = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let mut r = Record::new().with_key(format!("d{i}")).with("text", *t);
        let a = stage.process(&mut r, &cx).unwrap();
        assert_eq!(
            r.str("exact_cluster").unwrap(),
            format!("d{}", [0, 1, 0, 0, 4, 4][i])
        );
        if a == Action::Keep {
            kept.push(i);
        } else {
            assert_eq!(a, Action::drop("exact_duplicate"));
        }
    }
    assert_eq!(kept, [0, 1, 4]);
    assert_eq!(stage.distinct(), 3);
    // A record without the field is a record error, not a panic.
    assert!(stage.process(&mut Record::new(), &cx).is_err());
}

/// splitmix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A synthetic corpus: `families` base documents of `len` random words, each with up to 4
/// variants where a random fraction (0..10%) of the words is replaced; plus as many singletons.
/// Returns texts in a shuffled order.
fn synthetic(seed: u64, families: usize, len: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    let vocab: Vec<String> = (0..3000)
        .map(|_| {
            let n = 3 + rng.below(6) as usize;
            (0..n)
                .map(|_| (b'a' + rng.below(26) as u8) as char)
                .collect()
        })
        .collect();
    let mut docs = Vec::new();
    let random_doc = |rng: &mut Rng| -> Vec<usize> {
        (0..len)
            .map(|_| rng.below(vocab.len() as u64) as usize)
            .collect()
    };
    for _ in 0..families {
        let base = random_doc(&mut rng);
        let variants = rng.below(5);
        for _ in 0..variants {
            let p = rng.unit() * 0.1;
            let v: Vec<usize> = base
                .iter()
                .map(|&w| {
                    if rng.unit() < p {
                        rng.below(vocab.len() as u64) as usize
                    } else {
                        w
                    }
                })
                .collect();
            docs.push(v);
        }
        docs.push(base);
        docs.push(random_doc(&mut rng));
    }
    for i in (1..docs.len()).rev() {
        docs.swap(i, rng.below(i as u64 + 1) as usize);
    }
    docs.into_iter()
        .map(|d| {
            d.iter()
                .map(|&w| vocab[w].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// Every pair's (exact Jaccard of the shingle sets, LSH candidate?).
fn pairs(texts: &[String], h: &MinHasher) -> Vec<(f64, bool)> {
    let sets: Vec<Vec<u64>> = texts
        .iter()
        .map(|t| {
            let mut s = h.shingles(t);
            s.sort_unstable();
            s.dedup();
            s
        })
        .collect();
    let sigs: Vec<Vec<u64>> = sets.iter().map(|s| h.signature_of(s).unwrap()).collect();
    let (bands, rows) = (h.config().bands, h.config().rows);
    let mut out = Vec::new();
    for i in 0..texts.len() {
        for j in i + 1..texts.len() {
            let cand = (0..bands)
                .any(|b| sigs[i][b * rows..(b + 1) * rows] == sigs[j][b * rows..(b + 1) * rows]);
            out.push((jaccard(&sets[i], &sets[j]), cand));
        }
    }
    out
}

/// (precision, recall, true pairs) of the candidates against "Jaccard ≥ t"; precision counts a
/// candidate as correct when its Jaccard is ≥ `t_precision`.
fn metrics(pairs: &[(f64, bool)], t_precision: f64, t_recall: f64) -> (f64, f64, usize) {
    let cands: Vec<f64> = pairs.iter().filter(|p| p.1).map(|p| p.0).collect();
    let precision = cands.iter().filter(|&&j| j >= t_precision).count() as f64 / cands.len() as f64;
    let truth: Vec<bool> = pairs
        .iter()
        .filter(|p| p.0 >= t_recall)
        .map(|p| p.1)
        .collect();
    let recall = truth.iter().filter(|&&c| c).count() as f64 / truth.len() as f64;
    (precision, recall, truth.len())
}

#[test]
fn recall_and_precision_against_exact_jaccard() {
    let texts = synthetic(7, 80, 150);
    for (name, h, min_recall) in [
        ("datatrove", &*DATATROVE, 0.90),
        ("datatrove_fast32", &*FAST32, 0.90),
        (
            "nemo",
            &MinHasher::new(MinHashConfig::nemo()).unwrap(),
            0.90,
        ),
        (
            "nemo_fast32",
            &MinHasher::new(MinHashConfig::nemo().with_family(HashFamily::Fast32)).unwrap(),
            0.90,
        ),
    ] {
        let all = pairs(&texts, h);
        let t = h.config().threshold();
        let (p, r, n) = metrics(&all, t, t);
        let (p_loose, _, _) = metrics(&all, t - 0.1, t);
        let (_, r_high, n_high) = metrics(&all, t, t + 0.08);
        eprintln!(
            "{name}: {} docs, {} pairs; threshold {t:.3}: {n} true pairs, precision {p:.3}, recall {r:.3}; \
             precision vs J >= t-0.1 {p_loose:.3}; recall of J >= t+0.08 ({n_high}) {r_high:.3}",
            texts.len(),
            all.len()
        );
        assert!(n > 40, "{name}: {n}");
        assert!(
            r >= min_recall && p >= 0.55,
            "{name}: precision {p}, recall {r}"
        );
        assert!(
            p_loose >= 0.8 && r_high >= 0.95,
            "{name}: {p_loose} {r_high}"
        );
    }
}

/// Runs the four file stages over `texts` split into shards at `cuts`; returns the global index
/// of the kept document for every text.
#[allow(clippy::too_many_arguments)]
fn file_pipeline(
    texts: &[String],
    cuts: &[usize],
    h: &MinHasher,
    opts: &SignatureOptions,
    rule: KeepRule,
    scores: Option<&[f64]>,
    index: Option<&IndexRef>,
    dir: &std::path::Path,
) -> Vec<Option<usize>> {
    let sig_dir = dir.join("sigs");
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(texts.len());
    for (shard, w) in bounds.windows(2).enumerate() {
        let docs = (w[0]..w[1]).map(|i| (texts[i].as_str(), scores.map_or(0.0, |s| s[i])));
        write_signatures(&sig_dir, shard as u32, docs, h, opts).unwrap();
    }
    for band in 0..h.config().bands {
        find_matches(&sig_dir, band, &dir.join("matches"), index, h.config()).unwrap();
    }
    build_clusters(&dir.join("matches"), &sig_dir, &dir.join("clusters"), rule).unwrap();
    let mut out = Vec::new();
    for (shard, w) in bounds.windows(2).enumerate() {
        let dups = ShardDuplicates::load(&dir.join("clusters"), shard as u32).unwrap();
        let mut stage = NearDedupFilterStage::new(shard as u32, dups);
        let cx = Context::new("near_dedup", 0);
        for (i, text) in texts.iter().enumerate().take(w[1]).skip(w[0]) {
            let mut r = Record::new().with("text", text.as_str());
            let a = stage.process(&mut r, &cx).unwrap();
            let id = r.get("near_cluster").unwrap().as_i64().unwrap() as u64;
            let (s, d) = ((id >> 32) as usize, (id & 0xffff_ffff) as usize);
            let kept = if s == u32::MAX as usize {
                None
            } else {
                Some(bounds[s] + d)
            };
            assert_eq!(a == Action::Keep, kept == Some(i));
            out.push(kept);
        }
    }
    out
}

#[test]
fn streaming_near_dedup_keeps_the_first_of_each_cluster() {
    for (h, config) in [
        (&*DATATROVE, MinHashConfig::datatrove()),
        (&*FAST32, fast32_config()),
    ] {
        streaming_near_dedup_case(h, config);
    }
}

fn streaming_near_dedup_case(h: &MinHasher, config: MinHashConfig) {
    let texts = synthetic(11, 60, 80);
    let batch = near_clusters(&texts, h);
    let mut stage = StreamingNearDedupStage::new(config).unwrap();
    let cx = Context::new("near_dedup", 0);
    let mut first_of = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let mut r = Record::new().with("text", t.as_str());
        let action = stage.process(&mut r, &cx).unwrap();
        let cluster: usize = r.str("near_cluster").unwrap().parse().unwrap();
        // Without keys the cluster is named by the ordinal of its first record.
        assert!(cluster <= i);
        assert_eq!(matches!(action, Action::Keep), cluster == i, "record {i}");
        first_of.push(cluster);
    }
    // The batch clusters merge chains the stream cannot; otherwise both agree: every record the
    // stream drops has a batch duplicate, and the stream never drops a batch singleton.
    let dropped = first_of
        .iter()
        .enumerate()
        .filter(|&(i, &c)| c != i)
        .count();
    assert!(
        dropped > 0,
        "the synthetic corpus has planted near-duplicates"
    );
    for (i, &c) in first_of.iter().enumerate() {
        if c != i {
            assert_eq!(batch[i], batch[c], "record {i} and its stream root {c}");
            assert_ne!(batch[i], i, "the stream dropped a batch cluster root {i}");
        }
    }
}

#[test]
fn file_stages_match_in_memory_and_spill() {
    let texts = synthetic(11, 30, 80);
    let mem = near_clusters(&texts, &DATATROVE);
    assert!(mem.iter().enumerate().filter(|(i, k)| i != *k).count() > 20);
    let tmp = tempfile::tempdir().unwrap();
    let one = file_pipeline(
        &texts,
        &[],
        &DATATROVE,
        &SignatureOptions::default(),
        KeepRule::LowestKey,
        None,
        None,
        tmp.path(),
    );
    assert_eq!(one, mem.iter().map(|&k| Some(k)).collect::<Vec<_>>());
    // Tiny buffers: many sorted runs merged; same files, same result.
    let tmp2 = tempfile::tempdir().unwrap();
    let opts = SignatureOptions::default().with_max_buffered(50);
    let spilled = file_pipeline(
        &texts,
        &[],
        &DATATROVE,
        &opts,
        KeepRule::LowestKey,
        None,
        None,
        tmp2.path(),
    );
    assert_eq!(spilled, one);
    for band in [0, 13] {
        let f = |d: &std::path::Path| {
            std::fs::read(d.join(format!("sigs/band_{band:03}/00000.sig"))).unwrap()
        };
        assert_eq!(f(tmp.path()), f(tmp2.path()));
    }
}

#[test]
fn highest_score_rule_and_index() {
    let texts = synthetic(5, 20, 80);
    let mem = near_clusters(&texts, &DATATROVE);
    let scores: Vec<f64> = (0..texts.len()).map(|i| (i * 7919 % 101) as f64).collect();
    let tmp = tempfile::tempdir().unwrap();
    let got = file_pipeline(
        &texts,
        &[10],
        &DATATROVE,
        &SignatureOptions::default(),
        KeepRule::HighestScore,
        Some(&scores),
        None,
        tmp.path(),
    );
    for (i, k) in got.iter().enumerate() {
        let k = k.unwrap();
        let cluster: Vec<usize> = (0..texts.len()).filter(|&j| mem[j] == mem[i]).collect();
        let best = *cluster
            .iter()
            .max_by(|&&a, &&b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))
            .unwrap();
        assert_eq!(k, best, "doc {i}");
    }
    // Index: the first half is an existing dataset; dedup the second half against it.
    let half = texts.len() / 2;
    let ix_dir = tempfile::tempdir().unwrap();
    write_signatures(
        &ix_dir.path().join("sigs"),
        0,
        texts[..half].iter().map(|t| (t.as_str(), 0.0)),
        &DATATROVE,
        &SignatureOptions::default(),
    )
    .unwrap();
    let index = IndexRef {
        dir: ix_dir.path().join("sigs"),
    };
    let tmp = tempfile::tempdir().unwrap();
    let new = &texts[half..];
    let got = file_pipeline(
        new,
        &[],
        &DATATROVE,
        &SignatureOptions::default(),
        KeepRule::LowestKey,
        None,
        Some(&index),
        tmp.path(),
    );
    for (i, k) in got.iter().enumerate() {
        let g = half + i;
        let matches_old = (0..half).any(|j| mem[j] == mem[g]);
        let earlier_new = (half..g).any(|j| mem[j] == mem[g]);
        match k {
            None => assert!(matches_old, "doc {g} removed for the index without a match"),
            Some(k) if *k == i => assert!(!earlier_new || matches_old, "doc {g}"),
            Some(k) => assert!(mem[half + k] == mem[g] && *k < i, "doc {g}"),
        }
        if matches_old {
            // Connected to the old data through some chain: either removed or (rarely) linked
            // only via another new doc, which is removed too.
            assert!(
                k.is_none() || k.is_some_and(|k| k != i),
                "doc {g} matches the index but was kept"
            );
        }
    }
    assert!(got.iter().any(Option::is_none));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]
    #[test]
    fn same_result_on_one_or_many_shards(cuts in proptest::collection::btree_set(1usize..70, 0..5)) {
        static TEXTS: LazyLock<Vec<String>> = LazyLock::new(|| synthetic(3, 25, 60));
        static ONE: LazyLock<Vec<usize>> = LazyLock::new(|| near_clusters(&TEXTS, &DATATROVE));
        let cuts: Vec<usize> = cuts.into_iter().filter(|&c| c < TEXTS.len()).collect();
        let tmp = tempfile::tempdir().unwrap();
        let got = file_pipeline(&TEXTS, &cuts, &DATATROVE, &SignatureOptions::default(), KeepRule::LowestKey, None, None, tmp.path());
        prop_assert_eq!(got, ONE.iter().map(|&k| Some(k)).collect::<Vec<_>>());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// Empty, binary-as-text, control characters and repetitive input: no panic. (Like
    /// datatrove's, `simplify_text` is not idempotent: NFD runs after the whitespace step.)
    #[test]
    fn hostile_text_never_panics(s in "\\PC{0,120}|[\\x00-\\x1f ]{0,120}|(ab ){0,200}|\\d{0,200}") {
        let norm = TextNorm::default();
        let _ = simplify_text(&s, &norm);
        for h in [&*DATATROVE, &MinHasher::new(MinHashConfig::nemo()).unwrap()] {
            let sh = h.shingles(&s);
            prop_assert_eq!(h.signature_of(&sh).is_some(), !sh.is_empty());
        }
        let _ = exact_clusters(&[s.as_str(), ""], &norm);
    }
}

#[test]
fn huge_repetitive_document_is_linear() {
    // 200 kB of one repeated word and 2 MB of one repeated char: one distinct shingle.
    let words = "spam ".repeat(40_000);
    let sh = DATATROVE.shingles(&words);
    assert_eq!(sh.len(), 40_000 - 4);
    let sig = DATATROVE.signature_of(&sh).unwrap();
    assert!(sig.iter().all(|&v| v == sig[0] || v != 0));
    let chars = "x".repeat(2_000_000);
    let pii = dataprep_quality::pii::detect(&chars, &dataprep_quality::pii::PiiConfig::default());
    assert!(pii.is_empty());
    let digits = "7".repeat(200_000);
    let _ = dataprep_quality::pii::detect(&digits, &dataprep_quality::pii::PiiConfig::default());
}

// ---------------------------------------------------------------------------------------------
// HashFamily::Fast32
// ---------------------------------------------------------------------------------------------

/// A random set of `n` shingle hashes.
fn random_set(rng: &mut Rng, n: usize) -> Vec<u64> {
    (0..n).map(|_| rng.next()).collect()
}

/// Two random sets with `union` elements of which `inter` are shared (exact Jaccard
/// `inter / union`).
fn random_pair(rng: &mut Rng, union: usize, inter: usize) -> (Vec<u64>, Vec<u64>) {
    let common = random_set(rng, inter);
    let only = union - inter;
    let mut a = common.clone();
    a.extend(random_set(rng, only / 2));
    let mut b = common;
    b.extend(random_set(rng, only - only / 2));
    (a, b)
}

fn estimate(h: &MinHasher, a: &[u64], b: &[u64]) -> f64 {
    let (sa, sb) = (h.signature_of(a).unwrap(), h.signature_of(b).unwrap());
    sa.iter().zip(&sb).filter(|(x, y)| x == y).count() as f64 / sa.len() as f64
}

#[test]
fn fast32_jaccard_estimate_is_unbiased_with_binomial_spread() {
    // With k independent min-wise hashes the share of equal values is Binomial(k, J) / k: over
    // many pairs the mean error is ~0 and the z-scores have variance ~1. A family whose hash
    // functions are correlated (or biased) fails the variance (or mean) bound.
    for (name, h) in [("fast32", &*FAST32), ("datatrove", &*DATATROVE)] {
        let k = h.config().num_hashes() as f64;
        let mut rng = Rng(42);
        let (mut err_sum, mut zs) = (0.0, Vec::new());
        let trials = 1500;
        for t in 0..trials {
            let union = 50 + (t * 7) % 400;
            let inter = rng.below(union as u64 + 1) as usize;
            let (a, b) = random_pair(&mut rng, union, inter);
            let j = inter as f64 / union as f64;
            let est = estimate(h, &a, &b);
            err_sum += est - j;
            if (0.05..=0.95).contains(&j) {
                zs.push((est - j) / (j * (1.0 - j) / k).sqrt());
            }
        }
        let bias = err_sum / trials as f64;
        let mean_z = zs.iter().sum::<f64>() / zs.len() as f64;
        let var_z = zs.iter().map(|z| (z - mean_z).powi(2)).sum::<f64>() / zs.len() as f64;
        let max_z = zs.iter().fold(0.0f64, |m, z| m.max(z.abs()));
        eprintln!("{name}: bias {bias:.5}, z mean {mean_z:.3} var {var_z:.3} max {max_z:.2}");
        assert!(bias.abs() < 0.006, "{name}: bias {bias}");
        assert!((0.85..=1.15).contains(&var_z), "{name}: z variance {var_z}");
        assert!(max_z < 5.5, "{name}: max |z| {max_z}");
    }
}

#[test]
fn banding_candidate_probability_matches_theory() {
    // Pairs of exact Jaccard J are LSH candidates (some band equal) with probability
    // 1 - (1 - J^r)^b; the observed rate over 300 pairs stays within 4.5 binomial sigmas.
    for h in [&*FAST32, &*DATATROVE] {
        let cfg = *h.config();
        let (bands, rows) = (cfg.bands, cfg.rows);
        let mut rng = Rng(9);
        for inter in [100, 120, 140, 160, 180] {
            let j = inter as f64 / 200.0;
            let p = cfg.candidate_probability(j);
            let trials = 300;
            let mut hits = 0;
            for _ in 0..trials {
                let (a, b) = random_pair(&mut rng, 200, inter);
                let (sa, sb) = (h.signature_of(&a).unwrap(), h.signature_of(&b).unwrap());
                let exact = (0..bands)
                    .any(|k| sa[k * rows..(k + 1) * rows] == sb[k * rows..(k + 1) * rows]);
                // The in-memory index finds the same candidates through band keys.
                let mut lsh = LshIndex::new(&cfg);
                lsh.insert(0, &sa, |_| {});
                let mut found = false;
                lsh.insert(1, &sb, |first| found |= first == 0);
                assert_eq!(found, exact);
                hits += usize::from(exact);
            }
            let rate = hits as f64 / trials as f64;
            let sigma = (p * (1.0 - p) / trials as f64).sqrt();
            eprintln!(
                "{:?} J {j:.2}: candidates {rate:.3}, theory {p:.3}",
                cfg.family
            );
            assert!(
                (rate - p).abs() <= 4.5 * sigma + 0.01,
                "{:?} J {j}: rate {rate}, theory {p}",
                cfg.family
            );
        }
    }
}

/// The Fast32 signature computed naively from its documented definition.
fn naive_fast32(h: &MinHasher, shingles: &[u64]) -> Vec<u64> {
    let (a, b) = h.parameters();
    a.iter()
        .zip(b)
        .map(|(&a, &b)| {
            shingles
                .iter()
                .map(|&s| {
                    let x = (s >> 32) as u32;
                    u64::from((a as u32).wrapping_mul(x).wrapping_add(b as u32))
                })
                .min()
                .unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// The vectorised loops (specialised for 112 and 260 hashes, generic otherwise) equal the
    /// definition; a superset's values are never above a subset's; repeats do not matter.
    #[test]
    fn fast32_signature_equals_its_definition(
        set in proptest::collection::vec(any::<u64>(), 1..300),
        extra in proptest::collection::vec(any::<u64>(), 0..50),
        shape in 0usize..3,
        seed in any::<u32>(),
    ) {
        let (bands, rows) = [(14, 8), (20, 13), (5, 3)][shape];
        let cfg = fast32_config().with_bands(bands, rows).with_seed(seed);
        let h = MinHasher::new(cfg).unwrap();
        let (a, _) = h.parameters();
        prop_assert!(a.iter().all(|&a| a % 2 == 1 && a < 1 << 32));
        let sig = h.signature_of(&set).unwrap();
        prop_assert_eq!(&sig, &naive_fast32(&h, &set));
        prop_assert!(sig.iter().all(|&v| v < 1 << 32));
        let mut sup = set.clone();
        sup.extend(&extra);
        sup.extend(&set);
        let sup_sig = h.signature_of(&sup).unwrap();
        prop_assert!(sup_sig.iter().zip(&sig).all(|(x, y)| x <= y));
        let mut buf = vec![7; cfg.num_hashes()];
        prop_assert!(h.signature_into(&set, &mut buf));
        prop_assert_eq!(&buf, &sig);
        prop_assert!(!h.signature_into(&[], &mut buf));
        prop_assert_eq!(h.signature_of(&[]), None);
    }

    /// The datatrove loops (specialised and generic) equal the definition too.
    #[test]
    fn datatrove_signature_equals_its_definition(
        set in proptest::collection::vec(any::<u64>(), 1..200),
        shape in 0usize..3,
    ) {
        let (bands, rows) = [(14, 8), (20, 13), (5, 3)][shape];
        let h = MinHasher::new(MinHashConfig::datatrove().with_bands(bands, rows)).unwrap();
        let (a, b) = h.parameters();
        let p = dataprep_quality::dedup::minhash::MERSENNE_PRIME;
        let naive: Vec<u64> = a
            .iter()
            .zip(b)
            .map(|(&a, &b)| set.iter().map(|&s| s.wrapping_mul(a).wrapping_add(b) % p).min().unwrap())
            .collect();
        prop_assert_eq!(h.signature_of(&set).unwrap(), naive);
    }
}

#[test]
fn fast32_is_deterministic_and_pinned() {
    // Same seed, same values on every run and platform: XXH3-64, splitmix64 and u32 arithmetic
    // are fully specified. These values were computed by this implementation (a regression pin,
    // not a reference golden).
    let text = "The quick brown fox jumps over the lazy dog and then runs far away into the forest";
    let h = MinHasher::new(fast32_config()).unwrap();
    let sig = h.signature(text).unwrap();
    let again = MinHasher::new(fast32_config())
        .unwrap()
        .signature(text)
        .unwrap();
    assert_eq!(sig, again);
    assert_eq!(sig.len(), 112);
    assert_eq!(
        h.shingle_hash(b"the quick brown fox jumps"),
        xxhash_rust::xxh3::xxh3_64(b"the quick brown fox jumps")
    );
    let (a, b) = h.parameters();
    assert_eq!((a[0], b[0]), PINNED_PARAMS);
    assert_eq!(sig[..4], PINNED_SIG);
    // Another seed gives other parameters and values.
    let other = MinHasher::new(fast32_config().with_seed(2)).unwrap();
    assert_ne!(other.parameters().0, a);
    assert_ne!(other.signature(text).unwrap(), sig);
    // The datatrove family is untouched by the family switch: still its own values.
    assert_ne!(DATATROVE.signature(text).unwrap(), sig);
    assert_eq!(band_key(&sig[..8]), band_key(&again[..8]));
}

const PINNED_PARAMS: (u64, u64) = (1_876_644_059, 280_119_366);
const PINNED_SIG: [u64; 4] = [444_920_481, 669_702_189, 82_883_865, 243_420_885];

#[test]
fn fast32_same_result_at_any_thread_count() {
    let texts = synthetic(13, 40, 70);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let tmp = tempfile::tempdir().unwrap();
            let sigs = tmp.path().join("sigs");
            let opts = SignatureOptions::default().with_max_buffered(100);
            write_signatures(
                &sigs,
                0,
                texts.iter().map(|t| (t.as_str(), 0.0)),
                &FAST32,
                &opts,
            )
            .unwrap();
            let mut files = Vec::new();
            for band in 0..14 {
                files.push(std::fs::read(sigs.join(format!("band_{band:03}/00000.sig"))).unwrap());
            }
            (near_clusters(&texts, &FAST32), files)
        })
    };
    let (one, one_files) = run(1);
    let (many, many_files) = run(4);
    assert_eq!(one, many);
    assert_eq!(one_files, many_files);
    assert!(one.iter().enumerate().any(|(i, &k)| k != i));
    // 8 u32 values + a u32 document per record.
    assert!(one_files.iter().all(|f| !f.is_empty() && f.len() % 36 == 0));
}

#[test]
fn fast32_file_stages_match_in_memory_on_any_shards() {
    let texts = synthetic(17, 30, 80);
    let mem = near_clusters(&texts, &FAST32);
    assert!(mem.iter().enumerate().filter(|(i, k)| i != *k).count() > 15);
    let want: Vec<Option<usize>> = mem.iter().map(|&k| Some(k)).collect();
    for (cuts, buffered) in [
        (vec![], 1 << 20),
        (vec![13, 40, 41], 1 << 20),
        (vec![20], 30),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let opts = SignatureOptions::default().with_max_buffered(buffered);
        let got = file_pipeline(
            &texts,
            &cuts,
            &FAST32,
            &opts,
            KeepRule::LowestKey,
            None,
            None,
            tmp.path(),
        );
        assert_eq!(got, want, "cuts {cuts:?}");
    }
}

#[test]
fn signature_files_of_another_family_are_refused() {
    let texts = synthetic(19, 10, 60);
    let opts = SignatureOptions::default();
    let tmp = tempfile::tempdir().unwrap();
    let (fast_dir, dt_dir) = (tmp.path().join("fast"), tmp.path().join("dt"));
    let docs = || texts.iter().map(|t| (t.as_str(), 0.0));
    write_signatures(&fast_dir, 0, docs(), &FAST32, &opts).unwrap();
    write_signatures(&dt_dir, 0, docs(), &DATATROVE, &opts).unwrap();
    let out = tmp.path().join("matches");
    // Each family reads its own files.
    find_matches(&fast_dir, 0, &out, None, FAST32.config()).unwrap();
    find_matches(&dt_dir, 0, &out, None, DATATROVE.config()).unwrap();
    // Reading Fast32 files as datatrove ones (or the reverse) is a typed error, not garbage.
    let err = find_matches(&fast_dir, 0, &out, None, DATATROVE.config()).unwrap_err();
    assert!(
        matches!(&err, Error::IncompatibleSignatures { found, .. } if found.contains("fast32")),
        "{err}"
    );
    let err = find_matches(&dt_dir, 3, &out, None, FAST32.config()).unwrap_err();
    assert!(matches!(err, Error::IncompatibleSignatures { .. }), "{err}");
    // An index of the other family too.
    let ix = IndexRef {
        dir: dt_dir.clone(),
    };
    let err = find_matches(&fast_dir, 0, &out, Some(&ix), FAST32.config()).unwrap_err();
    assert!(matches!(err, Error::IncompatibleSignatures { .. }), "{err}");
    // Same family, other seed or shape: refused as well.
    let other = fast32_config().with_seed(5);
    let err = find_matches(&fast_dir, 0, &out, None, &other).unwrap_err();
    assert!(matches!(err, Error::IncompatibleSignatures { .. }), "{err}");
    // A second shard of the other family in the same folder is refused.
    write_signatures(&fast_dir, 1, docs(), &DATATROVE, &opts).unwrap();
    let err = find_matches(&fast_dir, 0, &out, None, FAST32.config()).unwrap_err();
    assert!(matches!(err, Error::IncompatibleSignatures { .. }), "{err}");
    // Files without a manifest are a format error.
    std::fs::remove_dir_all(dt_dir.join("meta")).unwrap();
    let err = find_matches(&dt_dir, 0, &out, None, DATATROVE.config()).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err}");
}
