//! Object storage through one URL API (feature `object-store`): local paths, `file://` and
//! `memory://` always; a real S3-compatible server when `DATAPREP_S3_TEST_URL` is set.

use dataprep_core::*;
use dataprep_storage::object::{ObjectStorage, StorageOptions};
use dataprep_storage::*;

use super::{docs, tmp};

/// Round trip, ranges, streaming, multipart, listing, download, shards + manifest upload.
fn exercise(store: &ObjectStorage) {
    store.write("x/small.bin", b"0123456789").unwrap();
    assert_eq!(store.read("x/small.bin").unwrap(), b"0123456789");
    assert_eq!(store.read_range("x/small.bin", 2..5).unwrap(), b"234");
    // Larger than one part: multipart upload, streaming read.
    let big: Vec<u8> = (0..(20 << 20) as u32)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    store.write("x/big.bin", &big).unwrap();
    let mut back = Vec::new();
    std::io::Read::read_to_end(&mut store.reader("x/big.bin").unwrap(), &mut back).unwrap();
    assert!(back == big, "streamed read differs");
    let listed = store.list("x").unwrap();
    let keys: Vec<(&str, u64)> = listed.iter().map(|o| (o.key.as_str(), o.size)).collect();
    assert_eq!(keys, [("x/big.bin", big.len() as u64), ("x/small.bin", 10)]);
    // Download crash-safely to a local file.
    let d = tmp();
    let local = d.path().join("big.bin");
    assert_eq!(
        store.download("x/big.bin", &local).unwrap(),
        big.len() as u64
    );
    assert!(std::fs::read(&local).unwrap() == big);
    // Missing objects are errors naming them.
    let e = store.read("x/missing").unwrap_err();
    assert!(e.to_string().contains("x/missing"), "{e}");
    // Shards with their manifest, uploaded manifest last, read back and verified by checksum.
    let shards = tmp();
    let mut w = ShardedWriter::new(shards.path(), JsonlShards::default())
        .with_max_records(Some(10))
        .build()
        .unwrap();
    for r in docs(25, 5) {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    let keys = store.upload_dir(shards.path(), "ds").unwrap();
    assert_eq!(keys.last().map(String::as_str), Some("ds/manifest.json"));
    let m: Manifest = serde_json::from_slice(&store.read("ds/manifest.json").unwrap()).unwrap();
    for s in &m.shards {
        let bytes = store.read(&format!("ds/{}", s.file)).unwrap();
        assert_eq!(blake3::hash(&bytes).to_hex().as_str(), s.blake3);
    }
    for k in ["x/small.bin", "x/big.bin"] {
        store.delete(k).unwrap();
    }
    assert!(store.list("x").unwrap().is_empty());
}

#[test]
fn object_storage_on_local_paths_file_urls_and_memory() {
    let d = tmp();
    let plain = d.path().join("plain");
    exercise(&ObjectStorage::open(plain.to_str().unwrap()).unwrap());
    let url = format!("file://{}/viaurl", d.path().display());
    std::fs::create_dir_all(d.path().join("viaurl")).unwrap();
    exercise(&ObjectStorage::open(&url).unwrap());
    exercise(&ObjectStorage::open("memory:///").unwrap());
    assert!(matches!(
        ObjectStorage::open("ftp://example.invalid/x"),
        Err(Error::Config(_))
    ));
}

#[test]
fn object_storage_on_a_real_s3_server() {
    let Ok(url) = std::env::var("DATAPREP_S3_TEST_URL") else {
        eprintln!(
            "SKIPPED object_storage_on_a_real_s3_server: set DATAPREP_S3_TEST_URL=s3://bucket/prefix \
             and AWS_* (endpoint, keys, AWS_ALLOW_HTTP) to run it against an S3-compatible server"
        );
        return;
    };
    let opts = StorageOptions::default().with_max_retries(3);
    exercise(&ObjectStorage::open_with(&url, &opts).unwrap());
}
