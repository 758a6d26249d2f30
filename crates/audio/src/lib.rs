//! Audio preparation for dataprep: decoding, resampling, loudness, noise reduction,
//! spectrogram/mel/MFCC/fbank presets, VAD and alignment.
//!
//! Plain functions first, thin [`dataprep_core::Stage`] adapters in [`stages`]:
//! - [`decode()`] / [`decode_file`]: symphonia (WAV, FLAC, MP3, OGG/Vorbis, AAC/M4A, ALAC; MS-ADPCM
//!   with this crate's libsndfile-exact decoder) with [`DecodeLimits`] and typed [`Error`]s —
//!   never a panic on hostile bytes; with the `ffmpeg` feature, the `ffmpeg` module decodes what
//!   symphonia cannot (Opus, WMA, AMR, HE-AAC, …), as a fallback or forced with [`Backend`];
//!   [`probe_file`] checks a file's header and codec without decoding (for folder walkers);
//! - [`signal`]: downmix, rubato resampling, peak / RMS / EBU R128 normalisation, trimming;
//! - [`features`]: STFT, mel, dB, MFCC, Kaldi fbank, with [`Preset::Librosa`],
//!   [`Preset::Torchaudio`] and [`Preset::Kaldi`] tested against the reference libraries;
//! - [`denoise`] (noisereduce's spectral gating), [`vad`], [`subtitles`], [`ctc`] forced
//!   alignment, seeded [`augment`]ation, [`npy`] and [`wav`] writers.
//!
//! Feature matrices are `ndarray::Array2<f32>`, frames × bins. See `docs/audio.md` for the guide.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod adpcm;
pub mod decode;
pub mod error;
pub mod features;
#[cfg(feature = "ffmpeg")]
pub mod ffmpeg;
pub mod probe;
pub mod wav;

pub use decode::{
    Audio, AudioInfo, Backend, DecodeLimits, NonFinitePolicy, decode, decode_file,
    decode_file_with, decode_with, sanitize,
};
pub use error::{Error, Result};
/// The crate's error under its old name.
#[deprecated(
    since = "0.1.0",
    note = "renamed to `dataprep_audio::Error` (one `Error` per crate)"
)]
pub type AudioError = Error;
pub use features::{FeatureConfig, FeatureExtractor, Preset};
pub use probe::{AudioProbe, probe_file};
pub mod augment;
pub mod ctc;
pub mod denoise;
pub mod npy;
pub mod signal;
pub mod stages;
pub mod subtitles;
mod types;
pub mod vad;
