//! The shared layer of dataprep: records, schemas, datasets, stages and the pipeline engine.
//!
//! Every dataprep crate (text, image, audio, video, split, quality, storage) speaks these types, so a
//! project pulls in only the modalities it needs and composes them in its own code.
//!
//! - [`Record`] is one sample: named, typed [`Value`]s and a stable key. It converts losslessly to
//!   and from Arrow ([`arrow`]), which is how it reaches Parquet, Arrow IPC, Polars and DataFusion.
//! - [`IterableDataset`] (streaming, shardable by rank / world size) and [`Dataset`] (random
//!   access) are the two ways to read data; [`VecDataset`] holds records in memory.
//! - [`Stage`] (stateless, parallel) and [`StatefulStage`] (in order) transform, filter and expand
//!   records; a filter drops with a reason and may attach scores. Each has a config whose hash is
//!   its [`Fingerprint`].
//! - [`Pipeline`] runs source → stages → [`Sink`] in bounded parallel batches with deterministic
//!   output, an [`ErrorPolicy`] for bad records, and a [`Summary`] of per-stage counters.
//!
//! ## Design decisions
//! - **Two error levels.** A fatal [`Error`] stops the job; a [`RecordError`] sets one record aside
//!   with its stage, key, location and reason, and the job goes on within an [`ErrorBudget`].
//!   Readers yield `Err(Error::Record(..))` for a bad line or row and keep going.
//! - **Stages mutate in place.** `process(&self, &mut Record, &Context)` keeps ownership with the
//!   pipeline, so a failed record can be quarantined as it was, and a no-op stage costs nothing.
//! - **Determinism by construction.** Parallel work is split into contiguous chunks whose results
//!   are merged in input order; stateful stages see records in input order; randomness comes from
//!   [`Context::rng`], derived from (seed, stage, record key), never from a thread-local RNG.
//! - **Scores are data.** [`Record::set_score`] writes under the `scores` struct field, so scores are
//!   stored with the record in any format and can be re-thresholded without recomputing.
//!
//! ```
//! use dataprep_core::*;
//! let docs = VecDataset::new(vec![
//!     Record::new().with("text", "  hello   world  "),
//!     Record::new().with("text", "hello world"),
//!     Record::new().with("text", "hi"),
//! ]);
//! let squash = MapStage::new("squash", (), |r: &mut Record, _: &Context| {
//!     let t = r.str("text")?.split_whitespace().collect::<Vec<_>>().join(" ");
//!     r.set("text", t);
//!     Ok(())
//! });
//! let mut out = VecSink::default();
//! let summary = Pipeline::new(&docs)
//!     .stage(squash)
//!     .stateful(stages::DistinctStage::new("text"))
//!     .sink(&mut out)
//!     .run()?;
//! assert_eq!(out.records().len(), 2);
//! assert_eq!((summary.read, summary.written, summary.dropped), (3, 2, 1));
//! # Ok::<(), Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod arrow;
pub mod atomic;
pub mod dataset;
pub mod error;
pub mod json;
pub mod media_input;
pub mod metrics;
pub mod pipeline;
pub mod read_once;
pub mod record;
pub mod rng;
pub mod schema;
pub mod stage;
pub mod stages;
pub mod subtitles;
#[cfg(feature = "testing")]
pub mod testing;
pub mod value;

pub use atomic::write_atomic;
pub use dataset::{
    Dataset, DatasetExt, FnDataset, IterableDataset, IterableDatasetExt, Records, Shard, VecDataset,
};
pub use error::{BoxError, Error, FieldError, Location, RecordError, RecordErrorKind, Result};
pub use metrics::{StageMetrics, Summary};
pub use pipeline::{ErrorBudget, ErrorPolicy, NullSink, Pipeline, Sink, Tee, VecSink};
pub use read_once::ReadOnce;
pub use record::{Record, SCORES_FIELD};
pub use schema::{DataType, Field, Schema};
pub use stage::{
    Action, Context, Decision, FilterStage, Fingerprint, FlatMapStage, MapStage, Stage,
    StatefulStage, config_json,
};
pub use value::{Tensor, TensorData, TensorElem, TimeUnit, Value};
