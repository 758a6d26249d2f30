//! Integration tests for dataprep-quality (one binary for the crate).

mod quality {
    pub(crate) mod common;
    mod crash;
    mod decontam;
    mod dedup;
    mod hostile;
    mod language;
    mod parity;
    mod pathological;
    mod pii;
    mod span;
    mod words;
}
