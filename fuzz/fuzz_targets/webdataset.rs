//! Arbitrary bytes as a WebDataset tar shard: the streaming reader (default and a 64-byte member
//! limit) and the random-access index, which scans the tar when it has no sidecar index; every
//! sample read. The index never lists more samples than the tar has members.
#![no_main]

mod common;

use dataprep_core::{Dataset, IterableDataset};
use dataprep_storage::{WdsMapping, WebDatasetIndex, WebDatasetReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch_file("in.tar", data);
    let mapping = WdsMapping::default().with_member("caption", "txt");
    for max in [dataprep_storage::webdataset::DEFAULT_MAX_MEMBER_BYTES, 64] {
        let reader = WebDatasetReader::new(&path)
            .with_mapping(mapping.clone())
            .with_max_member_bytes(max)
            .build()
            .expect("valid configuration");
        if let Ok(records) = reader.iter() {
            for r in records {
                let _ = r;
            }
        }
    }
    if let Ok(index) = WebDatasetIndex::open([&path], mapping) {
        // a tar member takes at least one 512-byte header block
        assert!(index.len() <= data.len() / 512, "more samples than members");
        for i in 0..index.len() {
            let _ = index.get(i);
        }
    }
});
