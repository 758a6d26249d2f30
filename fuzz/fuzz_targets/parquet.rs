//! Arbitrary bytes through the Parquet reader (every row group and batch read, with a tiny batch
//! size so batch boundaries fall inside row groups): a record error per problem, never a panic
//! or an unbounded allocation; when nothing failed, the records counted equal the footer's row
//! count.
#![no_main]

mod common;

use dataprep_core::IterableDataset;
use dataprep_storage::ParquetReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::quiet_contained_panics();
    let path = common::scratch_file("in.parquet", data);
    for batch in [3, 8192] {
        let reader = ParquetReader::new(&path)
            .with_batch_size(batch)
            .build()
            .expect("valid configuration");
        let rows = reader.len_hint();
        let Ok(records) = reader.iter() else { continue };
        let (mut ok, mut failed) = (0u64, 0u64);
        for r in records {
            if r.is_ok() {
                ok += 1;
            } else {
                failed += 1;
            }
        }
        if failed == 0 && let Some(rows) = rows {
            assert_eq!(ok, rows, "records read differ from the footer's row count");
        }
    }
});
