//! Crash safety of the token writers with real processes (SIGKILL), see
//! `dataprep_core::testing::crash`: `TokenShardWriter` (shards, packed arrays, `index.json`) and
//! `TokenParquetWriter` have no resume, so a rerun writes everything again; it must end
//! byte-identical to an uninterrupted run with no temporary file left.

use std::path::Path;

use dataprep_core::testing::crash;
#[cfg(feature = "parquet")]
use dataprep_text::token_parquet::TokenParquetWriter;
use dataprep_text::tokenize::{PackConfig, TokenDtype, TokenShardWriter, pack};

/// Deterministic documents of 20 to 120 token ids.
fn token_docs(n: usize) -> Vec<Vec<u32>> {
    let mut s = 0x1234_5678_u64;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = 20 + (s >> 33) as usize % 100;
            (0..len)
                .map(|_| {
                    s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    1 + (s >> 40) as u32 % 50_000
                })
                .collect()
        })
        .collect()
}

fn token_workload(dir: &Path) {
    let docs = token_docs(40_000);
    let mut w = TokenShardWriter::create(dir.join("bin"), TokenDtype::Uint16)
        .unwrap()
        .with_eos(Some(0))
        .with_max_shard_tokens(50_000);
    for (i, d) in docs.iter().enumerate() {
        w.push(&format!("doc-{i}"), d).unwrap();
    }
    let packed = pack(
        docs.iter().take(4000).map(Vec::as_slice),
        PackConfig::new(512),
    )
    .unwrap();
    w.write_packed(512, &packed).unwrap();
    w.finish().unwrap();
    // The Parquet token writer exists only with the `parquet` feature (on in CI's all-features).
    #[cfg(feature = "parquet")]
    {
        let mut p = TokenParquetWriter::create(dir.join("tokens.parquet")).unwrap();
        for (i, d) in docs.iter().enumerate() {
            p.push(&format!("doc-{i}"), d).unwrap();
        }
        p.finish().unwrap();
    }
}

/// The child process of `token_writers_killed_and_rerun_are_byte_identical_without_litter`; a
/// no-op unless started by it.
#[test]
fn crash_child_token_writers() {
    if let Some(dir) = crash::child_dir() {
        token_workload(&dir);
    }
}

#[test]
fn token_writers_killed_and_rerun_are_byte_identical_without_litter() {
    let (reference, crashed) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let run = crash::kill_and_rerun(
        "crash::crash_child_token_writers",
        reference.path(),
        crashed.path(),
        12,
        0x5eed_0002,
        crash::Rerun::Restarts,
    )
    .unwrap();
    eprintln!("{run:?}");
    assert!(
        run.killed_running >= 6 && run.litter_seen > 0,
        "the kills must land mid-write: {run:?}"
    );
    let a = crash::assert_same_output_without_litter(reference.path(), crashed.path(), &run);
    assert!(a.len() > 20, "{} files", a.len());
}

#[test]
fn token_shard_writer_removes_its_stale_temps_and_older_shards_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A dead process's temporaries of this layout (pid past Linux's pid_max), an older, longer
    // run's shard, and files that are not the writer's.
    let dead = 4_194_305;
    let own = [
        format!(".shard_00000.bin.{dead}.0.0000abcd.tmp"),
        format!(".index.json.{dead}.1.0000abce.tmp"),
        format!(".packed_input_ids.bin.{dead}.2.0000abcf.tmp"),
    ];
    let foreign = [
        format!(".notes.txt.{dead}.3.0000abd0.tmp"),
        ".shard_00000.bin.tmp".to_owned(),
        ".foo.tmp".to_owned(),
        "shard_0000x.bin".to_owned(),
        "notes.txt".to_owned(),
    ];
    for n in own.iter().chain(&foreign) {
        std::fs::write(d.join(n), b"x").unwrap();
    }
    std::fs::write(d.join("shard_00007.bin"), b"old").unwrap();
    let mut w = TokenShardWriter::create(d, TokenDtype::Uint32)
        .unwrap()
        .with_max_shard_tokens(4);
    for n in &own {
        assert!(!d.join(n).exists(), "{n} was not removed");
    }
    w.push("a", &[1, 2, 3, 4]).unwrap();
    w.push("b", &[5]).unwrap();
    let index = w.finish().unwrap();
    assert_eq!(index.shards.len(), 2);
    let mut names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = foreign.to_vec();
    want.extend(["index.json", "shard_00000.bin", "shard_00001.bin"].map(String::from));
    want.sort();
    assert_eq!(names, want);
}

#[test]
fn two_token_shard_writers_of_one_directory_do_not_share_temporaries() {
    // Before the shared implementation both wrote `.shard_00000.bin.tmp` and the first rename
    // took the other's half-written file.
    let dir = tempfile::tempdir().unwrap();
    let mut a = TokenShardWriter::create(dir.path(), TokenDtype::Uint32).unwrap();
    let mut b = TokenShardWriter::create(dir.path(), TokenDtype::Uint32).unwrap();
    a.push("a", &[1, 1, 1]).unwrap();
    b.push("b", &[2, 2]).unwrap();
    a.push("a2", &[1]).unwrap();
    let ia = a.finish().unwrap();
    b.push("b2", &[2, 2]).unwrap();
    let ib = b.finish().unwrap();
    assert_eq!((ia.shards[0].tokens, ib.shards[0].tokens), (4, 4));
    let bytes = std::fs::read(dir.path().join("shard_00000.bin")).unwrap();
    let words: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(words, [2, 2, 2, 2], "the last writer's whole shard wins");
}
