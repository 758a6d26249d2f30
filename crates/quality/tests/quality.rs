//! Integration tests for dataprep-quality (one binary for the crate).

mod quality {
    pub(crate) mod common;
    mod dedup;
    mod parity;
    mod pii;
    mod words;
}
