//! dataprep: collect and prepare training data for generative AI, in Rust.
//!
//! This facade re-exports the dataprep crates, one Cargo feature per crate, so a project can depend
//! on `dataprep` alone and enable what it needs, or depend on the individual crates directly:
//!
//! | module | crate | feature |
//! |---|---|---|
//! | [`core`] | `dataprep-core`: records, datasets, stages, pipeline | always |
//! | `storage` | `dataprep-storage`: JSONL, Parquet, Arrow IPC, CSV, WebDataset, HF layout, sharded writers | `storage` (default) |
//! | `split` | `dataprep-split`: splits, cross-validation, hash splits, leakage, balanced sampling | `split` (default) |
//! | `text` | `dataprep-text`: normalisation, mojibake repair, segmentation, tokenization, token shards | `text` (default) |
//! | `quality` | `dataprep-quality`: datatrove-compatible heuristic quality filters with scores | `quality` (default) |
//! | `audio` | `dataprep-audio`: decoding, resampling, features (mel/MFCC/fbank), VAD, alignment | `audio` (default) |
//! | `audio::ffmpeg` | dataprep-audio's FFmpeg decoder (Opus, WMA, AMR, HE-AAC, …), the fallback of `audio::decode` | `audio-ffmpeg` (default; system FFmpeg) |
//! | `image` | `dataprep-image`: safe decoding, EXIF/orientation, Pillow-parity resizing, perceptual hashes | `image` (default) |
//! | `video` | `dataprep-video`: FFmpeg probing, frame extraction, shot detection, clipping, transcoding | `video` (default) |
//!
//! ```
//! use dataprep::prelude::*;
//! let ds = VecDataset::new(vec![Record::new().with("text", "hello")]);
//! let summary = Pipeline::new(&ds).run()?;
//! assert_eq!(summary.written, 1);
//! # Ok::<(), Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "audio")]
pub use dataprep_audio as audio;
pub use dataprep_core as core;
#[cfg(feature = "image")]
pub use dataprep_image as image;
#[cfg(feature = "quality")]
pub use dataprep_quality as quality;
#[cfg(feature = "split")]
pub use dataprep_split as split;
#[cfg(feature = "storage")]
pub use dataprep_storage as storage;
#[cfg(feature = "text")]
pub use dataprep_text as text;
#[cfg(feature = "video")]
pub use dataprep_video as video;

/// The types most programs use, in one import.
pub mod prelude {
    pub use dataprep_core::{
        Action, Context, DataType, Dataset, DatasetExt, Decision, Error, ErrorBudget, ErrorPolicy,
        Field, FilterStage, FlatMapStage, IterableDataset, IterableDatasetExt, MapStage, Pipeline,
        ReadOnce, Record, RecordError, Result, Schema, Shard, Sink, Stage, StatefulStage, Summary,
        Tee, Value, VecDataset, VecSink,
    };
    #[cfg(feature = "storage")]
    pub use dataprep_storage::{JsonlReader, JsonlWriter, ParquetReader, ParquetWriter};
}

/// The README's code examples, compiled as doctests so they stay true.
#[cfg(all(doctest, feature = "storage"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
