//! Decoding with symphonia: WAV, FLAC, MP3, OGG/Vorbis, AAC/M4A (ADTS and MP4), ALAC.

use std::io::Cursor;

use serde::{Deserialize, Serialize};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use crate::error::{AudioError, Result};

/// Limits applied while decoding. Exceeding one is an [`AudioError::Limit`], checked before and
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

fn corrupt(e: SymError, offset: Option<u64>) -> AudioError {
    match e {
        SymError::Unsupported(m) => AudioError::Unsupported(m.to_string()),
        SymError::LimitError(m) => AudioError::Corrupt {
            message: format!("decoder limit: {m}"),
            offset,
        },
        other => AudioError::Corrupt {
            message: other.to_string(),
            offset,
        },
    }
}

/// Decodes a whole file held in memory. `ext_hint` (a file extension such as `"mp3"`, without the
/// dot) helps the probe, but content sniffing decides.
///
/// A packet that fails to decode in the middle of a stream is skipped (as players do) unless no
/// packet decodes at all; a stream that ends early keeps what was decoded before the break, so a
/// truncated file yields its intact prefix — unless nothing was decoded, which is an error.
///
/// # Errors
/// [`AudioError::Empty`], [`AudioError::Unsupported`], [`AudioError::Corrupt`],
/// [`AudioError::NoSamples`], [`AudioError::Limit`].
///
/// ```
/// use dataprep_audio::{decode, wav, DecodeLimits};
/// let bytes = wav::encode_pcm16(&[vec![0.0, 0.5, -0.5, 0.25]], 8000)?;
/// let audio = decode(&bytes, Some("wav"), &DecodeLimits::default())?;
/// assert_eq!((audio.sample_rate, audio.frames()), (8000, 4));
/// assert_eq!(audio.codec, "pcm_s16le");
/// # Ok::<(), dataprep_audio::AudioError>(())
/// ```
pub fn decode(bytes: &[u8], ext_hint: Option<&str>, limits: &DecodeLimits) -> Result<Audio> {
    // symphonia 0.6.1 can panic on hostile headers (for example an arithmetic overflow in the
    // WAV `fmt ` chunk parser with a huge channel count); contain that as a typed error.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode_inner(bytes, ext_hint, limits)
    }))
    .unwrap_or_else(|_| {
        Err(AudioError::Corrupt {
            message: "decoder panicked on malformed input".into(),
            offset: None,
        })
    })
}

fn decode_inner(bytes: &[u8], ext_hint: Option<&str>, limits: &DecodeLimits) -> Result<Audio> {
    if bytes.is_empty() {
        return Err(AudioError::Empty);
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(AudioError::Limit {
            what: "bytes",
            actual: bytes.len() as f64,
            limit: limits.max_bytes as f64,
        });
    }
    let mss = MediaSourceStream::new(
        Box::new(Cursor::new(bytes)),
        MediaSourceStreamOptions::default(),
    );
    let mut hint = Hint::new();
    if let Some(ext) = ext_hint {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymError::Unsupported(m) => AudioError::Unsupported(m.to_string()),
            other => corrupt(other, Some(0)),
        })?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| AudioError::Unsupported("no audio track".into()))?;
    let track_id = track.id;
    let num_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| AudioError::Unsupported("track has no audio codec parameters".into()))?
        .clone();
    if let Some(ch) = &params.channels
        && ch.count() > limits.max_channels
    {
        return Err(AudioError::Limit {
            what: "channels",
            actual: ch.count() as f64,
            limit: limits.max_channels as f64,
        });
    }
    // Reject from the header when the container states a duration over the limit.
    if let (Some(n), Some(sr)) = (track.num_frames, params.sample_rate)
        && sr > 0
        && n as f64 / f64::from(sr) > limits.max_duration_s
    {
        return Err(AudioError::Limit {
            what: "duration_s",
            actual: n as f64 / f64::from(sr),
            limit: limits.max_duration_s,
        });
    }
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| corrupt(e, None))?;
    let codec = decoder.codec_info().short_name.to_string();

    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut sample_rate = params.sample_rate.unwrap_or(0);
    let mut scratch: Vec<Vec<f32>> = Vec::new();
    let mut decoded_packets = 0usize;
    let mut last_err: Option<AudioError> = None;
    let mut max_frames = u64::MAX;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => {
                // A broken container after some good audio: keep the prefix.
                if decoded_packets > 0 {
                    break;
                }
                return Err(corrupt(e, None));
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                let spec_rate = buf.spec().rate();
                let nch = buf.spec().channels().count();
                if nch == 0 {
                    continue;
                }
                if nch > limits.max_channels {
                    return Err(AudioError::Limit {
                        what: "channels",
                        actual: nch as f64,
                        limit: limits.max_channels as f64,
                    });
                }
                if sample_rate == 0 {
                    sample_rate = spec_rate;
                }
                if channels.is_empty() {
                    if sample_rate > 0 {
                        max_frames = (limits.max_duration_s * f64::from(sample_rate)).ceil() as u64;
                    }
                    // Reserve what the container states, so the planes are written once rather
                    // than regrown and copied. A header can lie, so the reservation is also capped
                    // by the duration limit and by 4 frames per input byte and channel (16× the
                    // input size in all; PCM needs at most 1); beyond that the planes just grow.
                    let cap = (4 * bytes.len() / nch) as u64;
                    let reserve = num_frames.unwrap_or(0).min(max_frames).min(cap) as usize;
                    channels = (0..nch).map(|_| Vec::with_capacity(reserve)).collect();
                } else if channels.len() != nch {
                    // The layout changed mid-stream; stop at the change.
                    break;
                }
                buf.copy_to_vecs_planar::<f32>(&mut scratch);
                for (dst, src) in channels.iter_mut().zip(&scratch) {
                    dst.extend_from_slice(src);
                }
                decoded_packets += 1;
                let n = channels[0].len() as u64;
                if n > max_frames {
                    return Err(AudioError::Limit {
                        what: "duration_s",
                        actual: n as f64 / f64::from(sample_rate.max(1)),
                        limit: limits.max_duration_s,
                    });
                }
            }
            Err(SymError::DecodeError(m)) => {
                last_err = Some(AudioError::Corrupt {
                    message: m.to_string(),
                    offset: None,
                });
            }
            Err(SymError::IoError(_)) => break,
            Err(e) => return Err(corrupt(e, None)),
        }
    }
    if sample_rate == 0 {
        return Err(AudioError::Corrupt {
            message: "sample rate unknown or zero".into(),
            offset: None,
        });
    }
    if channels.is_empty() || channels[0].is_empty() {
        return Err(last_err.unwrap_or(AudioError::NoSamples));
    }
    Ok(Audio {
        sample_rate,
        channels,
        codec,
    })
}

/// Reads and decodes a file; the extension is used as a hint.
///
/// # Errors
/// [`AudioError::Io`] or any error of [`decode`].
pub fn decode_file(path: &std::path::Path, limits: &DecodeLimits) -> Result<Audio> {
    let meta = std::fs::metadata(path).map_err(|source| AudioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() > limits.max_bytes {
        return Err(AudioError::Limit {
            what: "bytes",
            actual: meta.len() as f64,
            limit: limits.max_bytes as f64,
        });
    }
    let bytes = std::fs::read(path).map_err(|source| AudioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let ext = path.extension().and_then(|e| e.to_str());
    decode(&bytes, ext, limits)
}

/// How to treat NaN and infinite samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NonFinitePolicy {
    /// Reject the audio with [`AudioError::NonFinite`] (default).
    #[default]
    Reject,
    /// Replace NaN by 0 and ±∞ by ±1.
    Replace,
}

/// Checks (or repairs, per `policy`) non-finite samples in place.
///
/// # Errors
/// [`AudioError::NonFinite`] under [`NonFinitePolicy::Reject`].
pub fn sanitize(samples: &mut [f32], policy: NonFinitePolicy) -> Result<()> {
    let mut count = 0;
    let mut first = usize::MAX;
    for (i, s) in samples.iter_mut().enumerate() {
        if !s.is_finite() {
            count += 1;
            first = first.min(i);
            if policy == NonFinitePolicy::Replace {
                *s = if s.is_nan() { 0.0 } else { s.signum() };
            }
        }
    }
    if count > 0 && policy == NonFinitePolicy::Reject {
        return Err(AudioError::NonFinite { count, first });
    }
    Ok(())
}
