//! Crash safety of the MinHash file stages with real processes (SIGKILL), see
//! `dataprep_core::testing::crash`: a rerun of the stages (signatures with spilled runs, band
//! matches, clusters) after any number of kills ends byte-identical to an uninterrupted run, with
//! no temporary file or spill run left.

use std::path::Path;

use dataprep_core::testing::crash;
use dataprep_quality::dedup::minhash::{
    KeepRule, MinHashConfig, MinHasher, SignatureOptions, build_clusters, find_matches,
    write_signatures,
};

/// Deterministic documents; every seventh repeats an earlier one with one word changed.
fn corpus(n: usize) -> Vec<String> {
    let mut s = 0x9e37_79b9_u64;
    let mut docs: Vec<String> = Vec::with_capacity(n);
    for i in 0..n {
        if i % 7 == 6 {
            let mut words: Vec<&str> = docs[i / 2].split(' ').collect();
            words[3] = "changed";
            let d = words.join(" ");
            docs.push(d);
            continue;
        }
        let words: Vec<String> = (0..80)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1442695040888963407);
                format!("w{}", (s >> 40) % 3000)
            })
            .collect();
        docs.push(words.join(" "));
    }
    docs
}

fn minhash_workload(dir: &Path) {
    let texts = corpus(2000);
    let h = MinHasher::new(MinHashConfig::datatrove()).unwrap();
    // A small spill threshold, so that every shard spills sorted runs and merges them.
    let opts = SignatureOptions::default().with_max_buffered(8000);
    let sig_dir = dir.join("sigs");
    for (shard, chunk) in texts.chunks(500).enumerate() {
        let docs = chunk
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), i as f64));
        write_signatures(&sig_dir, shard as u32, docs, &h, &opts).unwrap();
    }
    for band in 0..h.config().bands {
        find_matches(&sig_dir, band, &dir.join("matches"), None, h.config()).unwrap();
    }
    let stats = build_clusters(
        &dir.join("matches"),
        &sig_dir,
        &dir.join("clusters"),
        KeepRule::HighestScore,
    )
    .unwrap();
    assert!(stats.removed > 0);
}

/// The child process of `minhash_stages_killed_and_rerun_are_byte_identical_without_litter`; a
/// no-op unless started by it.
#[test]
fn crash_child_minhash_stages() {
    if let Some(dir) = crash::child_dir() {
        minhash_workload(&dir);
    }
}

#[test]
fn minhash_stages_killed_and_rerun_are_byte_identical_without_litter() {
    let (reference, crashed) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let run = crash::kill_and_rerun(
        "quality::crash::crash_child_minhash_stages",
        reference.path(),
        crashed.path(),
        10,
        0x5eed_0003,
        crash::Rerun::Restarts,
    )
    .unwrap();
    eprintln!("{run:?}");
    assert!(
        run.killed_running >= 5 && run.litter_seen > 0,
        "the kills must land mid-write: {run:?}"
    );
    let a = crash::assert_same_output_without_litter(reference.path(), crashed.path(), &run);
    assert!(
        !a.keys().any(|p| p.to_string_lossy().contains(".run")),
        "spill runs are removed"
    );
}
