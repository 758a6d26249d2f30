//! Decoding with symphonia: WAV (PCM, IMA ADPCM; MS-ADPCM with this crate's decoder), FLAC, MP3,
//! OGG/Vorbis, AAC/M4A (ADTS and MP4), ALAC; with the `ffmpeg` feature, FFmpeg for the rest (Opus,
//! WMA, AMR, HE-AAC, …). [`Backend`] picks one or lets [`decode`] choose.

use std::io::Cursor;

use serde::{Deserialize, Serialize};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::codecs::audio::well_known::CODEC_ID_ADPCM_MS;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use crate::adpcm::MsAdpcm;
use crate::error::{Error, Result};

pub use crate::types::{Audio, AudioInfo, Backend, DecodeLimits};

fn corrupt(e: SymError, offset: Option<u64>) -> Error {
    match e {
        SymError::Unsupported(m) => Error::Unsupported(m.to_string()),
        SymError::LimitError(m) => Error::Corrupt {
            message: format!("decoder limit: {m}"),
            offset,
        },
        other => Error::Corrupt {
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
/// [`Error::Empty`], [`Error::Unsupported`], [`Error::Corrupt`],
/// [`Error::NoSamples`], [`Error::Limit`].
///
/// ```
/// use dataprep_audio::{decode, wav, DecodeLimits};
/// let bytes = wav::encode_pcm16(&[vec![0.0, 0.5, -0.5, 0.25]], 8000)?;
/// let audio = decode(&bytes, Some("wav"), &DecodeLimits::default())?;
/// assert_eq!((audio.sample_rate, audio.frames()), (8000, 4));
/// assert_eq!(audio.codec, "pcm_s16le");
/// # Ok::<(), dataprep_audio::Error>(())
/// ```
pub fn decode(bytes: &[u8], ext_hint: Option<&str>, limits: &DecodeLimits) -> Result<Audio> {
    decode_with(bytes, ext_hint, limits, Backend::Auto)
}

/// [`decode`] with a chosen [`Backend`].
///
/// # Errors
/// As [`decode`]; [`Error::Unsupported`] for [`Backend::Ffmpeg`] in a build without the
/// `ffmpeg` feature.
///
/// ```
/// use dataprep_audio::{Backend, decode_with, wav, DecodeLimits};
/// let bytes = wav::encode_pcm16(&[vec![0.0, 0.5, -0.5, 0.25]], 8000)?;
/// let audio = decode_with(&bytes, None, &DecodeLimits::default(), Backend::Symphonia)?;
/// assert_eq!(audio.frames(), 4);
/// # Ok::<(), dataprep_audio::Error>(())
/// ```
pub fn decode_with(
    bytes: &[u8],
    ext_hint: Option<&str>,
    limits: &DecodeLimits,
    backend: Backend,
) -> Result<Audio> {
    match backend {
        Backend::Symphonia => decode_symphonia(bytes, ext_hint, limits),
        Backend::Ffmpeg => decode_ffmpeg_bytes(bytes, limits),
        Backend::Auto => {
            let first = decode_symphonia(bytes, ext_hint, limits);
            match first {
                Err(e) if Backend::FFMPEG_AVAILABLE && falls_back(&e) => {
                    pick_error(e, decode_ffmpeg_bytes(bytes, limits))
                }
                r => r,
            }
        }
    }
}

/// Whether [`Backend::Auto`] tries FFmpeg after symphonia failed with `e`: not for what FFmpeg
/// would refuse the same way (no bytes, a limit, an I/O error).
fn falls_back(e: &Error) -> bool {
    matches!(
        e,
        Error::Unsupported(_) | Error::Corrupt { .. } | Error::NoSamples
    )
}

/// The result of the FFmpeg fallback; when FFmpeg does not recognise the input either, the
/// symphonia error, which says more about a file neither reads.
fn pick_error(symphonia: Error, ffmpeg: Result<Audio>) -> Result<Audio> {
    match ffmpeg {
        Err(Error::Unsupported(_)) => Err(symphonia),
        r => r,
    }
}

#[cfg(feature = "ffmpeg")]
fn decode_ffmpeg_bytes(bytes: &[u8], limits: &DecodeLimits) -> Result<Audio> {
    crate::ffmpeg::decode_ffmpeg(bytes, limits)
}

#[cfg(not(feature = "ffmpeg"))]
fn decode_ffmpeg_bytes(_: &[u8], _: &DecodeLimits) -> Result<Audio> {
    Err(no_ffmpeg())
}

#[cfg(not(feature = "ffmpeg"))]
pub(crate) fn no_ffmpeg() -> Error {
    Error::Unsupported("FFmpeg decoding needs dataprep-audio's `ffmpeg` feature".into())
}

fn decode_symphonia(bytes: &[u8], ext_hint: Option<&str>, limits: &DecodeLimits) -> Result<Audio> {
    // symphonia 0.6.1 can panic on hostile headers (for example an arithmetic overflow in the
    // WAV `fmt ` chunk parser with a huge channel count); contain that as a typed error.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode_inner(bytes, ext_hint, limits)
    }))
    .unwrap_or_else(|_| {
        Err(Error::Corrupt {
            message: "decoder panicked on malformed input".into(),
            offset: None,
        })
    })
}

fn decode_inner(bytes: &[u8], ext_hint: Option<&str>, limits: &DecodeLimits) -> Result<Audio> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(Error::Limit {
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
            SymError::Unsupported(m) => Error::Unsupported(m.to_string()),
            other => corrupt(other, Some(0)),
        })?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| Error::Unsupported("no audio track".into()))?;
    let track_id = track.id;
    let num_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| Error::Unsupported("track has no audio codec parameters".into()))?
        .clone();
    if let Some(ch) = &params.channels
        && ch.count() > limits.max_channels
    {
        return Err(Error::Limit {
            what: "channels",
            actual: ch.count() as f64,
            limit: limits.max_channels as f64,
        });
    }
    // Reject from the header when the container states a duration over the limit.
    limits.check_stated_duration(match (track.num_frames, params.sample_rate) {
        (Some(n), Some(sr)) if sr > 0 => Some(n as f64 / f64::from(sr)),
        _ => None,
    })?;
    let mut decoder = if params.codec == CODEC_ID_ADPCM_MS {
        // symphonia's MS-ADPCM rounds the prediction differently from libsndfile (crate::adpcm).
        let nch = params.channels.as_ref().map_or(0, |c| c.count());
        let fpb = params.frames_per_block.unwrap_or(0) as usize;
        PacketDecoder::MsAdpcm(MsAdpcm::new(nch, fpb)?, params.sample_rate.unwrap_or(0))
    } else {
        PacketDecoder::Symphonia(
            symphonia::default::get_codecs()
                .make_audio_decoder(&params, &AudioDecoderOptions::default())
                .map_err(|e| corrupt(e, None))?,
        )
    };
    let codec = match &decoder {
        PacketDecoder::Symphonia(d) => d.codec_info().short_name.to_string(),
        PacketDecoder::MsAdpcm(..) => "adpcm_ms".to_string(),
    };

    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut sample_rate = params.sample_rate.unwrap_or(0);
    let mut scratch: Vec<Vec<f32>> = Vec::new();
    let mut decoded_packets = 0usize;
    let mut last_err: Option<Error> = None;
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
        let (spec_rate, nch) = match decoder.decode(&packet, &mut scratch) {
            Step::Decoded { rate, channels } => (rate, channels),
            Step::Skip(e) => {
                last_err = Some(e);
                continue;
            }
            Step::Stop => break,
            Step::Fatal(e) => return Err(e),
        };
        if nch == 0 {
            continue;
        }
        if nch > limits.max_channels {
            return Err(Error::Limit {
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
        for (dst, src) in channels.iter_mut().zip(&scratch) {
            dst.extend_from_slice(src);
        }
        decoded_packets += 1;
        let n = channels[0].len() as u64;
        if n > max_frames {
            return Err(Error::Limit {
                what: "duration_s",
                actual: n as f64 / f64::from(sample_rate.max(1)),
                limit: limits.max_duration_s,
            });
        }
    }
    if sample_rate == 0 {
        return Err(Error::Corrupt {
            message: "sample rate unknown or zero".into(),
            offset: None,
        });
    }
    if channels.is_empty() || channels[0].is_empty() {
        return Err(last_err.unwrap_or(Error::NoSamples));
    }
    Ok(Audio {
        sample_rate,
        channels,
        codec,
    })
}

/// The decoder of a symphonia track: symphonia's own, or this crate's MS-ADPCM.
enum PacketDecoder {
    Symphonia(Box<dyn symphonia::core::codecs::audio::AudioDecoder>),
    /// The decoder and the stream's sample rate.
    MsAdpcm(MsAdpcm, u32),
}

/// What decoding one packet gave.
enum Step {
    /// Samples in the scratch planes.
    Decoded { rate: u32, channels: usize },
    /// A corrupt packet, skipped as players do.
    Skip(Error),
    /// The stream ended early.
    Stop,
    /// An error that ends decoding.
    Fatal(Error),
}

impl PacketDecoder {
    fn decode(
        &mut self,
        packet: &symphonia::core::packet::Packet,
        out: &mut Vec<Vec<f32>>,
    ) -> Step {
        match self {
            PacketDecoder::Symphonia(d) => match d.decode(packet) {
                Ok(buf) => {
                    let (rate, channels) = (buf.spec().rate(), buf.spec().channels().count());
                    buf.copy_to_vecs_planar::<f32>(out);
                    Step::Decoded { rate, channels }
                }
                Err(SymError::DecodeError(m)) => Step::Skip(Error::Corrupt {
                    message: m.to_string(),
                    offset: None,
                }),
                Err(SymError::IoError(_)) => Step::Stop,
                Err(e) => Step::Fatal(corrupt(e, None)),
            },
            PacketDecoder::MsAdpcm(d, rate) => {
                let blocks = (packet.block_dur().get() / d.frames_per_block() as u64) as usize;
                match d.decode(&packet.data, blocks, out) {
                    Ok(()) => Step::Decoded {
                        rate: *rate,
                        channels: out.len(),
                    },
                    Err(e) => Step::Skip(e),
                }
            }
        }
    }
}

/// Reads and decodes a file; the extension is used as a hint. With the `ffmpeg` feature, a file
/// symphonia cannot decode is decoded by FFmpeg in place (see [`Backend::Auto`]).
///
/// # Errors
/// [`Error::Io`] or any error of [`decode`].
pub fn decode_file(path: &std::path::Path, limits: &DecodeLimits) -> Result<Audio> {
    decode_file_with(path, limits, Backend::Auto)
}

/// [`decode_file`] with a chosen [`Backend`].
///
/// # Errors
/// As [`decode_file`] and [`decode_with`].
pub fn decode_file_with(
    path: &std::path::Path,
    limits: &DecodeLimits,
    backend: Backend,
) -> Result<Audio> {
    if backend == Backend::Ffmpeg {
        return decode_file_ffmpeg(path, limits);
    }
    let meta = std::fs::metadata(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() > limits.max_bytes {
        return Err(Error::Limit {
            what: "bytes",
            actual: meta.len() as f64,
            limit: limits.max_bytes as f64,
        });
    }
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let ext = path.extension().and_then(|e| e.to_str());
    if backend == Backend::Symphonia {
        return decode_symphonia(&bytes, ext, limits);
    }
    match decode_symphonia(&bytes, ext, limits) {
        Err(e) if Backend::FFMPEG_AVAILABLE && falls_back(&e) => {
            drop(bytes);
            pick_error(e, decode_file_ffmpeg(path, limits))
        }
        r => r,
    }
}

#[cfg(feature = "ffmpeg")]
fn decode_file_ffmpeg(path: &std::path::Path, limits: &DecodeLimits) -> Result<Audio> {
    crate::ffmpeg::decode_file_ffmpeg(path, limits)
}

#[cfg(not(feature = "ffmpeg"))]
fn decode_file_ffmpeg(_: &std::path::Path, _: &DecodeLimits) -> Result<Audio> {
    Err(no_ffmpeg())
}

/// How to treat NaN and infinite samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NonFinitePolicy {
    /// Reject the audio with [`Error::NonFinite`] (default).
    #[default]
    Reject,
    /// Replace NaN by 0 and ±∞ by ±1.
    Replace,
}

/// Checks (or repairs, per `policy`) non-finite samples in place.
///
/// # Errors
/// [`Error::NonFinite`] under [`NonFinitePolicy::Reject`].
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
        return Err(Error::NonFinite { count, first });
    }
    Ok(())
}
