//! Probing: is a file audio that [`decode_file`](crate::decode_file) can decode? Reads only the
//! container header and builds the decoder, without decoding a packet. With the `ffmpeg` feature,
//! what symphonia cannot open is probed with FFmpeg (Opus, WMA, AMR, …), as `decode_file` would
//! decode it.

use std::path::Path;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use crate::error::{Error, Result};
use crate::types::{Backend, DecodeLimits};

pub use crate::types::AudioProbe;

/// Opens `path` with symphonia's probe (content sniffing decides; the extension is a hint),
/// finds the default audio track and creates its decoder, and checks the header against the
/// size, channel and duration limits — what a folder walker needs to take or skip a file
/// (`dataprep_storage::MediaFolderBuilder::with_probe`). Work is bounded by the header.
///
/// With the `ffmpeg` feature, a file symphonia cannot open, or whose codec it has no decoder for,
/// is probed with `ffmpeg::probe_file_ffmpeg`: Opus, WMA, AMR
/// and the rest of what FFmpeg reads are accepted; files without an audio stream (video only,
/// images) are still refused.
///
/// # Errors
/// [`Error::Io`], [`Error::Empty`], [`Error::Unsupported`] (not a known container,
/// no audio track, or a codec without a decoder here, such as Opus without the `ffmpeg` feature),
/// [`Error::Corrupt`], [`Error::Limit`]. A panic inside symphonia on a hostile header is
/// a `Corrupt` error.
pub fn probe_file(path: &Path, limits: &DecodeLimits) -> Result<AudioProbe> {
    let first = probe_symphonia(path, limits);
    #[cfg(feature = "ffmpeg")]
    if let Err(e @ (Error::Unsupported(_) | Error::Corrupt { .. })) = first {
        return match crate::ffmpeg::probe_file_ffmpeg(path, limits) {
            Err(Error::Unsupported(_)) => Err(e),
            r => r,
        };
    }
    first
}

fn probe_symphonia(path: &Path, limits: &DecodeLimits) -> Result<AudioProbe> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len == 0 {
        return Err(Error::Empty);
    }
    if len > limits.max_bytes {
        return Err(Error::Limit {
            what: "bytes",
            actual: len as f64,
            limit: limits.max_bytes as f64,
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let ext = path.extension().and_then(|e| e.to_str());
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        probe_inner(file, ext, limits)
    }))
    .unwrap_or_else(|_| {
        Err(Error::Corrupt {
            message: "probe panicked on malformed input".into(),
            offset: None,
        })
    })
}

fn sym(e: SymError) -> Error {
    match e {
        SymError::Unsupported(m) => Error::Unsupported(m.to_string()),
        other => Error::Corrupt {
            message: other.to_string(),
            offset: None,
        },
    }
}

fn probe_inner(
    file: std::fs::File,
    ext: Option<&str>,
    limits: &DecodeLimits,
) -> Result<AudioProbe> {
    let mss = MediaSourceStream::new(Box::new(file), MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(ext) = ext {
        hint.with_extension(ext);
    }
    let format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(sym)?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| Error::Unsupported("no audio track".into()))?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| Error::Unsupported("track has no audio codec parameters".into()))?;
    let channels = params.channels.as_ref().map(|c| c.count());
    if let Some(n) = channels
        && n > limits.max_channels
    {
        return Err(Error::Limit {
            what: "channels",
            actual: n as f64,
            limit: limits.max_channels as f64,
        });
    }
    let duration_s = match (track.num_frames, params.sample_rate) {
        (Some(n), Some(sr)) if sr > 0 => Some(n as f64 / f64::from(sr)),
        _ => None,
    };
    limits.check_stated_duration(duration_s)?;
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(sym)?;
    Ok(AudioProbe {
        format: format.format_info().short_name.to_string(),
        codec: decoder.codec_info().short_name.to_string(),
        backend: Backend::Symphonia,
        sample_rate: params.sample_rate,
        channels,
        duration_s,
    })
}
