//! Arbitrary bytes as Arrow IPC: the file format through `ArrowIpcReader` (every batch read;
//! arrow's decoder panics are contained by the reader and reported as record errors), and the
//! stream format through arrow's `StreamReader`, every batch it accepts converted to records
//! by `dataprep_core::arrow::from_record_batch` (with and without a key column) — the
//! conversion must never panic on a batch arrow considers valid. The stream reader itself is
//! arrow's (dataprep has no stream reader), so a panic inside it is contained here.
#![no_main]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use arrow::ipc::reader::StreamReader;
use dataprep_core::IterableDataset;
use dataprep_core::arrow::{ArrowOptions, from_record_batch};
use dataprep_storage::ArrowIpcReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::quiet_contained_panics();
    let path = common::scratch_file("in.arrow", data);
    let reader = ArrowIpcReader::new(&path).build().expect("valid configuration");
    if let Ok(records) = reader.iter() {
        for r in records {
            let _ = r;
        }
    }

    let batches = catch_unwind(AssertUnwindSafe(|| {
        let Ok(stream) = StreamReader::try_new(data, None) else {
            return Vec::new();
        };
        stream.take(64).filter_map(Result::ok).collect::<Vec<_>>()
    }));
    let Ok(batches) = batches else { return };
    for batch in &batches {
        for opts in [ArrowOptions::default(), ArrowOptions::default().with_key_column("id")] {
            if let Ok(records) = from_record_batch(batch, &opts) {
                assert_eq!(records.len(), batch.num_rows(), "one record per row");
            }
        }
    }
});
