//! Near-dedup at scale: the four file stages of MinHash LSH (signatures per shard → matches per
//! band → clusters → per-shard duplicate lists) on a synthetic corpus with planted near-duplicates,
//! generated on the fly (no document is held in memory beyond a signature batch). Prints the time
//! of each stage, the peak resident memory (`VmHWM`), and how many planted duplicates were
//! removed.
//!
//! ```text
//! cargo run --release -p dataprep-quality --example near_dedup_scale                 # 2,000 docs
//! cargo run --release -p dataprep-quality --example near_dedup_scale -- \
//!     --docs 1000000 [--shards 8] [--words 120] [--dir target/near-dedup-scale] \
//!     [--family datatrove|fast32]
//! ```
//!
//! Document `i` belongs to family `i / 4`: the first of a family is its base text (`--words`
//! random words from a 20,000-word vocabulary), the second and third are variants with 3% of the
//! words replaced (Jaccard of 5-gram shingles ≈ 0.7–0.8, above datatrove's ≈ 0.72 threshold of
//! 14 × 8 bands only part of the time), the fourth is an unrelated singleton. Documents go to
//! shard `i % shards`. datatrove's preset (word 5-grams, 14 bands × 8 rows), with datatrove's
//! hash family or `HashFamily::Fast32` (`--family fast32`). "Removed" counts
//! the members of a family that go (at most two per family: the lowest key survives).

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use dataprep_quality::dedup::minhash::{
    HashFamily, KeepRule, MinHashConfig, MinHasher, ShardDuplicates, SignatureOptions,
    build_clusters, find_matches, write_signatures,
};

struct Args {
    docs: u64,
    shards: u32,
    words: usize,
    dir: PathBuf,
    family: HashFamily,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut a = Args {
        docs: 2000,
        shards: 4,
        words: 120,
        dir: PathBuf::from("target/near-dedup-scale"),
        family: HashFamily::Datatrove,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--docs" => a.docs = value()?.parse()?,
            "--shards" => a.shards = value()?.parse()?,
            "--words" => a.words = value()?.parse()?,
            "--dir" => a.dir = value()?.into(),
            "--family" => {
                a.family = match value()?.as_str() {
                    "datatrove" => HashFamily::Datatrove,
                    "fast32" => HashFamily::Fast32,
                    other => return Err(format!("unknown --family {other}").into()),
                }
            }
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: near_dedup_scale [--docs N] [--shards S] \
                     [--words W] [--dir DIR] [--family datatrove|fast32]"
                )
                .into());
            }
        }
    }
    if a.shards == 0 || a.words < 5 {
        return Err("--shards must be positive and --words at least 5".into());
    }
    Ok(a)
}

/// SplitMix64.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const VOCAB: u64 = 20_000;

/// A vocabulary word: 3–10 letters derived from its number.
fn word(w: u64, out: &mut String) {
    let mut h = mix(w ^ 0x5151);
    let len = 3 + (h % 8) as usize;
    for _ in 0..len {
        h = mix(h);
        out.push((b'a' + (h % 26) as u8) as char);
    }
}

/// The text of document `i` (see the module docs).
fn document(i: u64, words: usize) -> String {
    let family = i / 4;
    let role = i % 4;
    let seed = if role == 3 {
        mix(i ^ 0xdead_beef)
    } else {
        mix(family)
    };
    let mut out = String::with_capacity(words * 8);
    for k in 0..words as u64 {
        let mut w = mix(seed ^ k) % VOCAB;
        if role == 1 || role == 2 {
            let r = mix(i.wrapping_mul(31) ^ k);
            if r % 100 < 3 {
                w = mix(r) % VOCAB;
            }
        }
        if k > 0 {
            out.push(' ');
        }
        word(w, &mut out);
    }
    out
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    if args.dir.exists() {
        std::fs::remove_dir_all(&args.dir)?;
    }
    let (sig_dir, match_dir, cluster_dir) = (
        args.dir.join("sigs"),
        args.dir.join("matches"),
        args.dir.join("clusters"),
    );
    let config = MinHashConfig::datatrove().with_family(args.family);
    let hasher = MinHasher::new(config)?;
    let t0 = Instant::now();

    let mut signed = 0;
    for shard in 0..args.shards {
        let ids = (u64::from(shard)..args.docs).step_by(args.shards as usize);
        let docs = ids.map(|i| (document(i, args.words), 0.0));
        let stats = write_signatures(&sig_dir, shard, docs, &hasher, &SignatureOptions::default())?;
        signed += stats.signed;
    }
    let t1 = Instant::now();
    let mut pairs = 0;
    for band in 0..config.bands {
        pairs += find_matches(&sig_dir, band, &match_dir, None, &config)?.pairs;
    }
    let t2 = Instant::now();
    let clusters = build_clusters(&match_dir, &sig_dir, &cluster_dir, KeepRule::LowestKey)?;
    let t3 = Instant::now();

    // Removed documents by role: a family's base (0) and variants (1, 2) are near-duplicates of
    // each other (the one with the lowest key survives); singletons (3) must never go.
    let (mut removed, mut removed_planted, mut removed_wrong) = (0u64, 0u64, 0u64);
    for shard in 0..args.shards {
        let dups = ShardDuplicates::load(&cluster_dir, shard)?;
        for doc in dups.removed() {
            let i = u64::from(doc) * u64::from(args.shards) + u64::from(shard);
            removed += 1;
            if i % 4 == 3 {
                removed_wrong += 1;
            } else {
                removed_planted += 1;
            }
        }
    }
    let t4 = Instant::now();
    let planted = (0..args.docs).filter(|i| matches!(i % 4, 1 | 2)).count();

    let secs = |a: Instant, b: Instant| (b - a).as_secs_f64();
    println!(
        "documents {} in {} shards, {} words each; {signed} signed",
        args.docs, args.shards, args.words
    );
    println!(
        "signatures {:.2} s | matches {:.2} s ({pairs} pairs) | clusters {:.2} s ({} clusters, {} removed) | lookup {:.2} s",
        secs(t0, t1),
        secs(t1, t2),
        secs(t2, t3),
        clusters.clusters,
        clusters.removed,
        secs(t3, t4)
    );
    println!(
        "total {:.2} s, {:.0} docs/s",
        secs(t0, t4),
        args.docs as f64 / secs(t0, t4)
    );
    println!(
        "planted near-duplicates {planted}: removed {removed_planted} ({:.1}%); other documents removed: {removed_wrong}",
        100.0 * removed_planted as f64 / planted.max(1) as f64
    );
    if let Some(mib) = peak_rss_mib() {
        println!("peak resident memory {mib:.1} MiB");
    }
    assert_eq!(
        removed, clusters.removed,
        "the per-shard lists add up to the cluster count"
    );
    assert_eq!(
        removed_wrong, 0,
        "an unrelated (singleton) document was removed"
    );
    Ok(())
}
