//! The types shared by the decoders and the prober: decoded [`Audio`], [`DecodeLimits`], the
//! decoding [`Backend`] and a header's [`AudioProbe`]. They sit below `decode`, `probe` and
//! `ffmpeg` (which re-export them), so those modules form layers.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Limits applied while decoding. Exceeding one is an [`Error::Limit`], checked before and
/// during decoding so a hostile file cannot make us allocate unbounded memory.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecodeLimits {
    /// Maximum encoded size in bytes (default 512 MiB).
    pub max_bytes: u64,
    /// Maximum decoded duration in seconds (default 3 hours).
    pub max_duration_s: f64,
    /// Maximum number of channels (default 32).
    pub max_channels: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_bytes: 512 << 20,
            max_duration_s: 3.0 * 3600.0,
            max_channels: 32,
        }
    }
}

impl DecodeLimits {
    /// Refuses a stated duration (from a header, before decoding) over `max_duration_s`.
    ///
    /// # Errors
    /// [`Error::Limit`] naming `duration_s`.
    pub fn check_stated_duration(&self, duration_s: Option<f64>) -> Result<()> {
        match duration_s {
            Some(d) if d > self.max_duration_s => Err(Error::Limit {
                what: "duration_s",
                actual: d,
                limit: self.max_duration_s,
            }),
            _ => Ok(()),
        }
    }

    /// Sets the maximum encoded size in bytes.
    pub fn with_max_bytes(mut self, v: u64) -> Self {
        self.max_bytes = v;
        self
    }
    /// Sets the maximum decoded duration in seconds.
    pub fn with_max_duration_s(mut self, v: f64) -> Self {
        self.max_duration_s = v;
        self
    }
    /// Sets the maximum channel count.
    pub fn with_max_channels(mut self, v: usize) -> Self {
        self.max_channels = v;
        self
    }
}

/// Facts about a decoded stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioInfo {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: usize,
    /// Decoded frames (samples per channel).
    pub frames: u64,
    /// Duration in seconds (`frames / sample_rate`).
    pub duration_s: f64,
    /// Codec short name as symphonia reports it (`pcm_s16le`, `flac`, `mp3`, `vorbis`, `aac`, …).
    pub codec: String,
}

/// Decoded audio: one `Vec<f32>` per channel (planar), samples in −1..1.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Planar samples, one vector per channel, all of the same length.
    pub channels: Vec<Vec<f32>>,
    /// Codec short name (`pcm_s16le`, `flac`, …), or `raw` for audio built in memory.
    pub codec: String,
}

impl Audio {
    /// Mono audio built in memory.
    pub fn mono(samples: Vec<f32>, sample_rate: u32) -> Self {
        Audio {
            sample_rate,
            channels: vec![samples],
            codec: "raw".into(),
        }
    }

    /// Frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        if self.sample_rate == 0 {
            0.0
        } else {
            self.frames() as f64 / f64::from(self.sample_rate)
        }
    }

    /// Metadata of this audio.
    pub fn info(&self) -> AudioInfo {
        AudioInfo {
            sample_rate: self.sample_rate,
            channels: self.channels.len(),
            frames: self.frames() as u64,
            duration_s: self.duration_s(),
            codec: self.codec.clone(),
        }
    }
}

/// Which decoder [`decode_with`](crate::decode::decode_with) and [`decode_file_with`](crate::decode::decode_file_with) use.
///
/// | codec | [`Backend::Auto`] decodes with |
/// |---|---|
/// | PCM and IMA ADPCM WAV, FLAC, MP3, Vorbis, AAC-LC (ADTS, MP4), ALAC | symphonia |
/// | MS-ADPCM WAV (format tag 2) | symphonia's WAV demuxer and this crate's MS-ADPCM decoder |
/// | Opus (Ogg, WebM/Matroska), WMA, AMR, HE-AAC, anything else FFmpeg reads | FFmpeg (`ffmpeg` feature) |
///
/// MS-ADPCM is decoded here because symphonia and FFmpeg both round its prediction toward zero
/// where Windows' decoder and libsndfile round toward −∞: on files from encoders that use every
/// predictor (libsndfile's, Windows') they drift several percent away. This crate's decoder is
/// bit-exact with libsndfile, frame count included (a partial last block is dropped, as libsndfile
/// does; FFmpeg decodes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Backend {
    /// symphonia first; FFmpeg (with the `ffmpeg` feature) when symphonia cannot open or decode
    /// the stream. Without the feature this is [`Backend::Symphonia`].
    #[default]
    Auto,
    /// symphonia only (pure Rust; MS-ADPCM with this crate's decoder).
    Symphonia,
    /// FFmpeg only; an [`Error::Unsupported`] when built without the `ffmpeg` feature.
    Ffmpeg,
}

impl Backend {
    /// Whether this build has the FFmpeg decoder (the `ffmpeg` feature).
    pub const FFMPEG_AVAILABLE: bool = cfg!(feature = "ffmpeg");
}

/// What [`probe_file`](crate::probe::probe_file) learns from a file's header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AudioProbe {
    /// Container as the probing library names it: symphonia (`wave`, `flac`, `ogg`, `isomp4`,
    /// `mp3`, `mkv`, …) or FFmpeg (`ogg`, `matroska,webm`, `asf`, `amr`, …).
    pub format: String,
    /// Codec of the default audio track (`pcm_s16le`, `flac`, `vorbis`, `mp3`, `aac`, `opus`, …).
    pub codec: String,
    /// Sample rate in Hz, when the header states it.
    pub sample_rate: Option<u32>,
    /// Channel count, when the header states it.
    pub channels: Option<usize>,
    /// Duration in seconds, when the header states the frame count.
    pub duration_s: Option<f64>,
    /// The decoder [`decode_file`](crate::decode_file) will use: [`Backend::Symphonia`] or
    /// [`Backend::Ffmpeg`].
    pub backend: Backend,
}
