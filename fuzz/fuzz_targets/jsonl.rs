//! Arbitrary bytes through the JSONL reader: as a plain file, gzip- and zstd-compressed by the
//! target (the records must be the same as plain), and taken as a gzip and a zstd stream
//! themselves (corrupt/truncated streams, decompression bombs under a 1 MiB limit). Small line
//! and block limits so the over-long-line and block paths run too. Every record is read.
#![no_main]

mod common;

use std::io::Write;

use dataprep_core::{IterableDataset, Record, Result};
use dataprep_storage::{Compression, JsonlReader};
use libfuzzer_sys::fuzz_target;

fn read(data: &[u8], compression: Compression) -> Vec<Result<Record>> {
    let path = common::scratch_file("in.jsonl", data);
    let reader = JsonlReader::new(&path)
        .with_compression(compression)
        .with_max_line_bytes(1024)
        .with_max_decompressed_bytes(Some(1 << 20))
        .with_block_lines(7)
        .build()
        .expect("valid configuration");
    match reader.iter() {
        Ok(records) => records.collect(),
        Err(e) => vec![Err(e)],
    }
}

/// Records equal, errors at the same places (their messages name offsets that differ).
fn same(a: &[Result<Record>], b: &[Result<Record>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Ok(x), Ok(y)) => x == y,
            (Err(_), Err(_)) => true,
            _ => false,
        })
}

fuzz_target!(|data: &[u8]| {
    let plain = read(data, Compression::None);

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    let gzipped = read(&gz.finish().unwrap(), Compression::gzip());
    assert!(same(&plain, &gzipped), "gzip changed the records");

    let zst = zstd::encode_all(data, 1).unwrap();
    let zstded = read(&zst, Compression::zstd());
    assert!(same(&plain, &zstded), "zstd changed the records");

    let _ = read(data, Compression::gzip());
    let _ = read(data, Compression::zstd());
});
