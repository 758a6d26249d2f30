//! Video preparation for dataprep, on the system FFmpeg through `ffmpeg-next`'s safe API.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod probe;

pub use error::{Error, Result};
/// The crate's error under its old name.
#[deprecated(
    since = "0.1.0",
    note = "renamed to `dataprep_video::Error` (one `Error` per crate)"
)]
pub type VideoError = Error;
pub use ffmpeg_next as ffmpeg;
pub use image;
pub use probe::{
    FrameTiming, Limits, Ratio, StreamInfo, StreamKind, VideoInfo, frame_timing, probe,
    probe_checked, probe_video,
};
pub mod frames;
pub use frames::{ExtractConfig, Frame, FrameReader, Sampling, extract_frames};
pub mod scene;
pub use scene::{AdaptiveConfig, ContentConfig, Detector, ShotConfig, Shots, detect_shots};
pub mod standardize;
pub use standardize::{ResizeConfig, ResizeMode, Retimer, resize, retime};
pub mod transcode;
pub use transcode::{EncodeConfig, TimeRange, extract_audio_wav, has_encoder, remux, transcode};
pub mod clips;
pub use clips::{
    ClipConfig, ClipPrecision, ClipReport, MaxLengthStrategy, plan_clips, write_clips,
};
pub mod subtitles;
pub use subtitles::{SubtitleTrack, align_to_frames, cues_for_clips, read_subtitle_streams};
pub mod timeline;
pub use timeline::FrameTimes;
pub mod stages;
