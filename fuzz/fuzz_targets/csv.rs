//! Arbitrary bytes through the CSV reader, with and without type inference and with two
//! delimiters: every row read; inference changes the values, never which rows parse.
#![no_main]

mod common;

use dataprep_core::IterableDataset;
use dataprep_storage::CsvReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch_file("in.csv", data);
    for delimiter in [b',', b';'] {
        let outcomes: Vec<Vec<bool>> = [true, false]
            .into_iter()
            .map(|infer| {
                let reader = CsvReader::new(&path)
                    .with_delimiter(delimiter)
                    .with_infer_types(infer)
                    .build()
                    .expect("valid configuration");
                match reader.iter() {
                    Ok(records) => records.map(|r| r.is_ok()).collect(),
                    Err(_) => vec![false],
                }
            })
            .collect();
        assert_eq!(outcomes[0], outcomes[1], "type inference changed which rows parse");
    }
});
