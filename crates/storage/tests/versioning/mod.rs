//! Snapshots, diff, verify, copy and backup.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use dataprep_core::*;
use dataprep_storage::versioning::{ProblemKind, Snapshot, diff, record_hash, verify};
use dataprep_storage::*;
use proptest::prelude::*;

use super::tmp;

fn doc(i: usize, text: &str) -> Record {
    Record::new()
        .with("id", format!("doc-{i:03}"))
        .with("text", text.to_owned())
        .with("n", i as i64)
}

fn docs(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| doc(i, &format!("payload-{i:03}-abcdefghij")))
        .collect()
}

fn write<F: ShardFormat>(dir: &Path, fmt: F, recs: &[Record], per_shard: u64) -> Manifest {
    let mut w = ShardedWriter::new(dir, fmt)
        .with_max_records(Some(per_shard))
        .build()
        .unwrap();
    for r in recs {
        w.write(r.clone()).unwrap();
    }
    w.finish().unwrap();
    w.manifest().clone()
}

fn flip(path: &Path, at: usize) {
    let mut b = std::fs::read(path).unwrap();
    b[at] ^= 0x01;
    std::fs::write(path, &b).unwrap();
}

#[test]
fn verify_names_the_corrupt_shard_and_record() {
    // WebDataset: one byte of one sample's image member.
    let d = tmp();
    let recs: Vec<Record> = (0..50)
        .map(|i| {
            Record::new()
                .with_key(format!("s{i:04}"))
                .with("jpg", vec![(i * 3) as u8; 700])
                .with("label", i as i64)
        })
        .collect();
    let m = write(d.path(), WebDatasetShards::default(), &recs, 10);
    let snap = Snapshot::of_shards(d.path()).unwrap();
    assert_eq!(snap.len(), 50);
    assert_eq!(snap.shards, m.shards);
    assert!(verify(d.path(), Some(&snap)).unwrap().is_ok());
    let tar = d.path().join("shard-000002.tar");
    let idx = WebDatasetIndex::open([&tar], WdsMapping::default()).unwrap();
    let (_, entry) = idx.entry(3).unwrap();
    assert_eq!(entry.key, "s0023");
    flip(&tar, entry.offset as usize + 512 + 100); // inside s0023.jpg's data
    let report = verify(d.path(), Some(&snap)).unwrap();
    assert_eq!(report.bad_shards(), ["shard-000002.tar"], "{report}");
    let kinds: Vec<(ProblemKind, Option<&str>)> = report
        .problems
        .iter()
        .map(|p| (p.kind, p.key.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            (ProblemKind::ShardChecksum, None),
            (ProblemKind::ChangedRecord, Some("s0023"))
        ],
        "{report}"
    );
    assert_eq!(report.records, 50);
    // Without a snapshot the shard is still named.
    let report = verify(d.path(), None).unwrap();
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].kind, ProblemKind::ShardChecksum);
    assert!(report.to_string().contains("shard-000002.tar"));

    // Plain JSONL: a changed byte in a value names the record; a broken line names the line.
    let d = tmp();
    let recs = docs(40);
    write(
        d.path(),
        JsonlShards {
            compression: Compression::None,
        },
        &recs,
        10,
    );
    let snap = Snapshot::of_shards(d.path()).unwrap();
    let shard = d.path().join("shard-000001.jsonl");
    let text = std::fs::read_to_string(&shard).unwrap();
    flip(&shard, text.find("payload-013-").unwrap() + 13);
    let line_17 = text.match_indices('\n').nth(5).unwrap().0 + 1; // start of doc-016's line
    flip(&shard, line_17); // `{` → `z`
    let report = verify(d.path(), Some(&snap)).unwrap();
    let got: Vec<(ProblemKind, Option<&str>, Option<&str>)> = report
        .problems
        .iter()
        .map(|p| (p.kind, p.key.as_deref(), p.location.as_deref()))
        .collect();
    let shard_path = shard.display().to_string();
    assert_eq!(
        got,
        [
            (ProblemKind::ShardChecksum, None, None),
            (ProblemKind::RecordCount, None, Some(shard_path.as_str())),
            (ProblemKind::ChangedRecord, Some("doc-013"), None),
            (ProblemKind::MissingRecord, Some("doc-016"), None),
            (
                ProblemKind::UnreadableRecord,
                Some("shard-000001.jsonl:7"),
                Some("line 7")
            ),
        ],
        "{report}"
    );
    assert_eq!(report.bad_shards(), ["shard-000001.jsonl"]);

    // Parquet: a damaged page names its shard.
    let d = tmp();
    write(d.path(), ParquetShards::default(), &docs(300), 100);
    let pq = d.path().join("shard-000001.parquet");
    let len = std::fs::metadata(&pq).unwrap().len() as usize;
    flip(&pq, len / 3);
    let report = verify(d.path(), None).unwrap();
    assert_eq!(report.bad_shards(), ["shard-000001.parquet"], "{report}");
    // A missing shard.
    std::fs::remove_file(d.path().join("shard-000002.parquet")).unwrap();
    let report = verify(d.path(), None).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::MissingShard && p.shard == "shard-000002.parquet")
    );
}

#[test]
fn diff_finds_planted_changes_across_formats_and_shardings() {
    let d = tmp();
    let v1 = docs(100);
    let mut v2: Vec<Record> = v1
        .iter()
        .filter(|r| !["doc-003", "doc-050"].contains(&r.str("id").unwrap()))
        .cloned()
        .collect();
    for r in &mut v2 {
        if ["doc-010", "doc-077"].contains(&r.str("id").unwrap()) {
            r.set("text", "edited");
        }
    }
    v2.push(doc(200, "new"));
    v2.insert(0, doc(201, "new too"));
    // Same records in three layouts: identical snapshot ids.
    let a = d.path().join("a");
    let a_pq = d.path().join("a-parquet");
    let b = d.path().join("b");
    write(&a, JsonlShards::default(), &v1, 30);
    write(&a_pq, ParquetShards::default(), &v1, 7);
    write(&b, ParquetShards::default(), &v2, 25);
    let sa = Snapshot::of_shards(&a).unwrap();
    let sa_pq = Snapshot::of_shards(&a_pq).unwrap();
    let sv = Snapshot::of_dataset(&VecDataset::new(
        v1.iter()
            .map(|r| r.clone().with_key(r.str("id").unwrap().to_owned()))
            .collect(),
    ))
    .unwrap();
    assert_eq!(sa.id, sa_pq.id);
    assert_eq!(sa.id, sv.id);
    assert!(diff(&sa, &sa_pq).is_empty());
    let sb = Snapshot::of_shards(&b).unwrap();
    assert_ne!(sa.id, sb.id);
    let dd = diff(&sa, &sb);
    assert_eq!(dd.added, ["doc-200", "doc-201"]);
    assert_eq!(dd.removed, ["doc-003", "doc-050"]);
    assert_eq!(dd.changed, ["doc-010", "doc-077"]);
    assert_eq!(dd.to_string(), "2 added, 2 removed, 2 changed");
    let back = diff(&sb, &sa);
    assert_eq!((back.added, back.removed), (dd.removed, dd.added));
    // Snapshots are files: written and read back (locally and in an object store), and a
    // damaged one is refused.
    let f = d.path().join("snap-a.json");
    sa.write(&f).unwrap();
    assert_eq!(Snapshot::read(&f).unwrap(), sa);
    #[cfg(feature = "object-store")]
    {
        sb.write("memory:///versioning-test/snap-b.json").unwrap();
        assert_eq!(
            Snapshot::read("memory:///versioning-test/snap-b.json").unwrap(),
            sb
        );
    }
    let text = std::fs::read_to_string(&f).unwrap();
    let h = record_hash(&v1[5]);
    std::fs::write(&f, text.replace(&h, &"0".repeat(h.len()))).unwrap();
    assert!(Snapshot::read(&f).is_err());
    // Repeated keys are kept, with suffixes.
    let dup = Snapshot::of_dataset(&VecDataset::new(vec![
        Record::new().with("x", 1_i64).with_key("k"),
        Record::new().with("x", 2_i64).with_key("k"),
    ]))
    .unwrap();
    assert_eq!(dup.len(), 2);
    assert!(dup.get("k").is_some() && dup.get("k#2").is_some());
}

#[cfg(feature = "object-store")]
fn copy_round_trip(remote: &str) {
    use dataprep_storage::sharded::MANIFEST_FILE;
    use dataprep_storage::versioning::{backup, copy};
    let d = tmp();
    let src = d.path().join("src");
    let recs: Vec<Record> = (0..60)
        .map(|i| {
            Record::new()
                .with_key(format!("s{i:03}"))
                .with("bin", vec![i as u8; 5000])
                .with("label", i as i64)
        })
        .collect();
    let m = write(&src, WebDatasetShards::default(), &recs, 25);
    let snap = Snapshot::of_shards(&src).unwrap();
    snap.write(src.join("snapshot.json")).unwrap();
    // Subdirectories are copied too; hidden files and directories are not.
    std::fs::create_dir_all(src.join("extra/deeper")).unwrap();
    std::fs::write(src.join("extra/deeper/notes.txt"), b"provenance").unwrap();
    std::fs::create_dir_all(src.join(".staging")).unwrap();
    std::fs::write(src.join(".staging/part"), b"half-written").unwrap();
    std::fs::write(src.join("extra/.tmp"), b"temp").unwrap();
    // Local → store: shards, their indices, the snapshot, the subdirectory's file, and the
    // manifest last.
    let r = copy(&src, remote).unwrap();
    assert_eq!(r.copied.len(), 3 + 3 + 1 + 1 + 1, "{:?}", r.copied);
    assert!(r.copied.contains(&"extra/deeper/notes.txt".to_owned()));
    assert_eq!(r.copied.last().unwrap(), MANIFEST_FILE);
    assert!(r.skipped.is_empty());
    assert!(verify(remote, Some(&snap)).unwrap().is_ok());
    assert_eq!(Manifest::open(remote).unwrap(), m);
    // Again: every shard is already there and is skipped.
    let r = copy(&src, remote).unwrap();
    assert_eq!(r.skipped.len(), 3);
    // Store → local.
    let back = d.path().join("back");
    copy(remote, &back).unwrap();
    for s in &m.shards {
        assert!(
            std::fs::read(back.join(&s.file)).unwrap() == std::fs::read(src.join(&s.file)).unwrap()
        );
    }
    assert_eq!(
        Snapshot::read(back.join("snapshot.json")).unwrap().id,
        snap.id
    );
    assert_eq!(
        std::fs::read(back.join("extra/deeper/notes.txt")).unwrap(),
        b"provenance"
    );
    assert!(!back.join(".staging").exists() && !back.join("extra/.tmp").exists());
    // A corrupt source shard is never copied into a backup.
    flip(&src.join("shard-000001.tar"), 3000);
    let e = copy(&src, d.path().join("other")).unwrap_err();
    assert!(
        e.to_string().contains("shard-000001.tar") && e.to_string().contains("manifest"),
        "{e}"
    );
    assert!(!d.path().join("other").join("shard-000001.tar").exists());
    assert!(!d.path().join("other").join(MANIFEST_FILE).exists());
    // Backups are named by content: the same dataset maps to the same backup.
    let fresh = d.path().join("fresh");
    write(&fresh, JsonlShards::default(), &docs(30), 10);
    let root = format!("{}/backups", remote.trim_end_matches('/'));
    let b1 = backup(&fresh, &root).unwrap();
    let b2 = backup(&fresh, &root).unwrap();
    assert_eq!(b1.destination, b2.destination);
    assert_eq!((b1.copied.len(), b2.skipped.len()), (4, 3));
    assert!(verify(&b1.destination, None).unwrap().is_ok());
}

#[cfg(feature = "object-store")]
#[test]
fn copy_and_backup_between_local_and_object_stores_verify() {
    copy_round_trip("memory:///copy-test/ds");
}

#[cfg(feature = "object-store")]
#[test]
fn copy_and_backup_on_a_real_s3_server() {
    let Ok(url) = std::env::var("DATAPREP_S3_TEST_URL") else {
        eprintln!(
            "SKIPPED copy_and_backup_on_a_real_s3_server: set DATAPREP_S3_TEST_URL=s3://bucket/prefix \
             and AWS_* to run it against an S3 server"
        );
        return;
    };
    copy_round_trip(&format!(
        "{}/copy-{}",
        url.trim_end_matches('/'),
        std::process::id()
    ));
}

fn snapshot_of(map: &BTreeMap<String, u8>) -> Snapshot {
    Snapshot::of_dataset(&VecDataset::new(
        map.iter()
            .map(|(k, v)| Record::new().with("v", i64::from(*v)).with_key(k.clone()))
            .collect(),
    ))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn diff_is_empty_on_itself_and_matches_set_operations(
        a in prop::collection::btree_map("[a-e]{1,3}", 0u8..3, 0..30),
        b in prop::collection::btree_map("[a-e]{1,3}", 0u8..3, 0..30),
    ) {
        let (sa, sb) = (snapshot_of(&a), snapshot_of(&b));
        prop_assert!(diff(&sa, &sa).is_empty());
        let d = diff(&sa, &sb);
        let ka: BTreeSet<&String> = a.keys().collect();
        let kb: BTreeSet<&String> = b.keys().collect();
        let added: Vec<String> = kb.difference(&ka).map(|k| (*k).clone()).collect();
        let removed: Vec<String> = ka.difference(&kb).map(|k| (*k).clone()).collect();
        let changed: Vec<String> =
            ka.intersection(&kb).filter(|k| a[**k] != b[**k]).map(|k| (*k).clone()).collect();
        prop_assert_eq!(&d.added, &added);
        prop_assert_eq!(&d.removed, &removed);
        prop_assert_eq!(&d.changed, &changed);
        let r = diff(&sb, &sa);
        prop_assert_eq!((r.added, r.removed, r.changed), (removed, added, changed));
        prop_assert_eq!(d.is_empty(), sa.id == sb.id);
    }
}
