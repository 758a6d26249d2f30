//! Text quality for dataprep: heuristic filters with scores, exact/near/span dedup, decontamination and PII.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod dedup;
mod error;
pub mod filters;
mod generated;
pub mod pii;
mod pyuni;
pub mod words;

pub use error::{Error, Result};
