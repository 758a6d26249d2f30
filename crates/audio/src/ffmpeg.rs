//! Decoding with the system FFmpeg (feature `ffmpeg`): Opus (Ogg, WebM/Matroska), WMA, AMR,
//! HE-AAC and anything else FFmpeg's demuxers and decoders read.
//!
//! [`decode`](crate::decode()) and [`decode_file`](crate::decode_file) come here on their own when
//! symphonia cannot decode a stream (see [`Backend::Auto`](crate::Backend::Auto)); the functions of
//! this module force FFmpeg.
//!
//! Design decisions:
//! - **Input.** A file is opened by FFmpeg directly (`file:` protocol only, so a hostile name or
//!   playlist cannot reach the network). Bytes in memory are written to a private
//!   temporary file (removed on drop, also on error) and opened the same way: FFmpeg's custom I/O
//!   (`AVIOContext` over a slice) needs `unsafe`, which this workspace forbids, and `ffmpeg-next`
//!   has no safe wrapper for it. Playlists and manifests (HLS `#EXTM3U`, `ffconcat`, DASH/IMF XML,
//!   SDP, …) are refused before FFmpeg sees them, since their demuxers open further files; the
//!   rule and the options are `dataprep_core::media_input`, shared with dataprep-video.
//! - **Decoders.** Opus goes through `libopus` with float output (the decoder libsndfile and
//!   `soundfile` use), so the samples equal theirs bit for bit; the Opus pre-skip and the end
//!   trimming of the last Ogg page are honoured by libavcodec, so the sample count is theirs too.
//!   Other codecs use FFmpeg's default decoder, with float output requested where it offers one.
//! - **Samples.** Every FFmpeg sample format (u8, s16, s32, s64, flt, dbl; packed or planar) is
//!   converted exactly as libsndfile normalises it: `s16 / 32768`, `s32 / 2³¹`, `(u8 − 128) / 128`.
//! - **Limits.** [`DecodeLimits`] are checked on the header (channels, stated duration) and again
//!   after every decoded frame, so a decompression bomb or a lying header stops at the limit.
//!   A corrupt packet is skipped, as players do; a stream that breaks keeps its decoded prefix.

use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use dataprep_core::media_input;
use ffmpeg::media::Type as MediaType;
use ffmpeg::util::format::Sample;
use ffmpeg::{Dictionary, Packet};
use ffmpeg_next as ffmpeg;

use crate::error::{Error, Result};
use crate::types::AudioProbe;
use crate::types::{Audio, DecodeLimits};

/// Initialises FFmpeg once per process and silences its log (errors come back typed instead).
fn init() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        // `init` only fails when FFmpeg cannot register its components, which does not happen
        // with a linked library; decoding would then report the failure itself.
        let _ = ffmpeg::init();
        ffmpeg::log::set_level(ffmpeg::log::Level::Quiet);
    });
}

/// Decodes encoded audio held in memory with FFmpeg (the best audio stream of the container).
///
/// The bytes are written to a temporary file in [`std::env::temp_dir`] that is removed when
/// decoding ends (see the [module docs](self) for why). The result has the same shape as
/// symphonia's: planar `f32` at the stream's own rate, `codec` named as FFmpeg names it (`opus`,
/// `wmav2`, `adpcm_ms`, `amr_nb`, `aac`, …).
///
/// # Errors
/// [`Error::Empty`]; [`Error::Unsupported`] (not a container FFmpeg recognises, no audio
/// stream, no decoder, a playlist); [`Error::Corrupt`]; [`Error::NoSamples`];
/// [`Error::Limit`]; [`Error::Io`] if the temporary file cannot be written.
///
/// ```
/// use dataprep_audio::{DecodeLimits, ffmpeg::decode_ffmpeg, wav};
/// let bytes = wav::encode_pcm16(&[vec![0.0, 0.5, -0.5, 0.25]], 8000)?;
/// let audio = decode_ffmpeg(&bytes, &DecodeLimits::default())?;
/// assert_eq!((audio.sample_rate, audio.frames(), audio.codec.as_str()), (8000, 4, "pcm_s16le"));
/// assert_eq!(audio.channels[0], [0.0, 0.5, -0.5, 0.25]);
/// # Ok::<(), dataprep_audio::Error>(())
/// ```
pub fn decode_ffmpeg(bytes: &[u8], limits: &DecodeLimits) -> Result<Audio> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    check_bytes(bytes.len() as u64, limits)?;
    refuse_playlists(bytes)?;
    let tmp = temp_copy(bytes)?;
    guarded(|| decode_path(tmp.path(), bytes.len() as u64, limits))
}

/// Decodes a file with FFmpeg, reading it in place (no copy into memory).
///
/// # Errors
/// [`Error::Io`], or any error of [`decode_ffmpeg`].
///
/// ```no_run
/// use dataprep_audio::{DecodeLimits, ffmpeg::decode_file_ffmpeg};
/// let audio = decode_file_ffmpeg("speech.opus".as_ref(), &DecodeLimits::default())?;
/// println!("{} Hz, {} channels, {:.2} s", audio.sample_rate, audio.channels.len(), audio.duration_s());
/// # Ok::<(), dataprep_audio::Error>(())
/// ```
pub fn decode_file_ffmpeg(path: &Path, limits: &DecodeLimits) -> Result<Audio> {
    let len = file_len(path, limits)?;
    let head = media_input::read_head(path).map_err(|source| io_err(path, source))?;
    refuse_playlists(&head)?;
    if path.to_str().is_none() {
        // FFmpeg takes a UTF-8 URL; a file with another name is decoded from a copy.
        let bytes = std::fs::read(path).map_err(|source| io_err(path, source))?;
        return decode_ffmpeg(&bytes, limits);
    }
    guarded(|| decode_path(path, len, limits))
}

/// [`probe_file`](crate::probe_file) with FFmpeg: opens the container, finds the best audio
/// stream and its decoder, and checks the header against `limits` without decoding.
///
/// # Errors
/// As [`decode_file_ffmpeg`]; a file without an audio stream (video only, an image) is
/// [`Error::Unsupported`].
///
/// ```no_run
/// use dataprep_audio::{DecodeLimits, ffmpeg::probe_file_ffmpeg};
/// let p = probe_file_ffmpeg("speech.opus".as_ref(), &DecodeLimits::default())?;
/// assert_eq!((p.format.as_str(), p.codec.as_str()), ("ogg", "opus"));
/// # Ok::<(), dataprep_audio::Error>(())
/// ```
pub fn probe_file_ffmpeg(path: &Path, limits: &DecodeLimits) -> Result<AudioProbe> {
    file_len(path, limits)?;
    let head = media_input::read_head(path).map_err(|source| io_err(path, source))?;
    refuse_playlists(&head)?;
    let tmp;
    let path = if path.to_str().is_some() {
        path
    } else {
        let bytes = std::fs::read(path).map_err(|source| io_err(path, source))?;
        tmp = temp_copy(&bytes)?;
        tmp.path()
    };
    guarded(|| {
        let ictx = open(path)?;
        let opened = open_audio(&ictx, limits)?;
        Ok(AudioProbe {
            format: ictx.format().name().to_string(),
            codec: opened.codec,
            sample_rate: (opened.rate > 0).then_some(opened.rate),
            channels: (opened.channels > 0).then_some(opened.channels),
            duration_s: opened.duration_s,
            backend: crate::types::Backend::Ffmpeg,
        })
    })
}

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn check_bytes(len: u64, limits: &DecodeLimits) -> Result<()> {
    if len > limits.max_bytes {
        return Err(Error::Limit {
            what: "bytes",
            actual: len as f64,
            limit: limits.max_bytes as f64,
        });
    }
    Ok(())
}

/// The size of a regular file, checked against the byte limit.
fn file_len(path: &Path, limits: &DecodeLimits) -> Result<u64> {
    let meta = std::fs::metadata(path).map_err(|source| io_err(path, source))?;
    if !meta.is_file() {
        return Err(Error::Unsupported(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    if meta.len() == 0 {
        return Err(Error::Empty);
    }
    check_bytes(meta.len(), limits)?;
    Ok(meta.len())
}

/// Refuses the formats whose FFmpeg demuxers open other files or URLs (HLS, ffconcat, DASH,
/// IMF, SDP, VobSub, MLV): the one rule of the workspace, [`media_input::sniff_reference`].
fn refuse_playlists(head: &[u8]) -> Result<()> {
    match media_input::sniff_reference(head) {
        Some(why) => Err(Error::Unsupported(format!("refused: {why}"))),
        None => Ok(()),
    }
}

fn temp_copy(bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir = std::env::temp_dir();
    let err = |source| io_err(&dir, source);
    let mut tmp = tempfile::Builder::new()
        .prefix(".dataprep-audio-")
        .tempfile_in(&dir)
        .map_err(err)?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.flush())
        .map_err(err)?;
    Ok(tmp)
}

/// Runs `f`, turning a panic in the bindings (a malformed frame they do not expect) into a typed
/// error.
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::Corrupt {
            message: "FFmpeg binding panicked on malformed input".into(),
            offset: None,
        })
    })
}

fn corrupt(e: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        message: e.to_string(),
        offset: None,
    }
}

/// Opens `path` (UTF-8) as an FFmpeg input that reads that file only: its `file:` URL
/// ([`media_input::file_url`], so a name such as `http:x.wav` or `concat:a|b` stays a file
/// name) and [`media_input::FFMPEG_INPUT_OPTIONS`] (`protocol_whitelist=file`, …).
fn open(path: &Path) -> Result<ffmpeg::format::context::Input> {
    init();
    let url = media_input::file_url(path).map_err(|e| match e {
        media_input::MediaInputError::Io { path, source } => Error::Io { path, source },
        other => Error::Unsupported(other.to_string()),
    })?;
    let mut opts = Dictionary::new();
    for (k, v) in media_input::FFMPEG_INPUT_OPTIONS {
        opts.set(k, v);
    }
    ffmpeg::format::input_with_dictionary(&url, opts).map_err(|e| match e {
        ffmpeg::Error::InvalidData | ffmpeg::Error::DemuxerNotFound => {
            Error::Unsupported(format!("FFmpeg does not recognise the container: {e}"))
        }
        ffmpeg::Error::Eof => Error::Corrupt {
            message: format!("truncated before the first packet: {e}"),
            offset: Some(0),
        },
        other => corrupt(other),
    })
}

/// The best audio stream of an input with its opened decoder.
struct Opened {
    stream: usize,
    decoder: ffmpeg::decoder::Audio,
    codec: String,
    rate: u32,
    channels: usize,
    duration_s: Option<f64>,
    header_frames: Option<u64>,
}

fn open_audio(ictx: &ffmpeg::format::context::Input, limits: &DecodeLimits) -> Result<Opened> {
    let st = ictx
        .streams()
        .best(MediaType::Audio)
        .ok_or_else(|| Error::Unsupported("no audio track".into()))?;
    let par = st.parameters();
    let id = par.id();
    let codec = id.name().to_string();
    let ctx = ffmpeg::codec::Context::from_parameters(par).map_err(corrupt)?;
    // Opus through libopus, as libsndfile decodes it; otherwise FFmpeg's default decoder.
    let found = if id == ffmpeg::codec::Id::OPUS {
        ffmpeg::decoder::find_by_name("libopus").or_else(|| ffmpeg::decoder::find(id))
    } else {
        ffmpeg::decoder::find(id)
    };
    let Some(found) = found else {
        return Err(Error::Unsupported(format!(
            "no FFmpeg decoder for codec {codec}"
        )));
    };
    let mut opts = Dictionary::new();
    opts.set("request_sample_fmt", "flt");
    let decoder = ctx
        .decoder()
        .open_as_with(found, opts)
        .and_then(|o| o.audio())
        .map_err(|e| Error::Unsupported(format!("cannot open the {codec} decoder: {e}")))?;
    let channels = usize::from(decoder.channels());
    if channels > limits.max_channels {
        return Err(Error::Limit {
            what: "channels",
            actual: channels as f64,
            limit: limits.max_channels as f64,
        });
    }
    let rate = decoder.rate();
    let tb = st.time_base();
    let duration_s = (st.duration() > 0 && tb.denominator() != 0)
        .then(|| st.duration() as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator()));
    limits.check_stated_duration(duration_s)?;
    let header_frames = duration_s.map(|d| (d * f64::from(rate)).ceil() as u64);
    Ok(Opened {
        stream: st.index(),
        decoder,
        codec,
        rate,
        channels,
        duration_s,
        header_frames,
    })
}

/// Consecutive unreadable packets after which a stream is given up.
const MAX_BAD_PACKETS: usize = 1000;

fn decode_path(path: &Path, len: u64, limits: &DecodeLimits) -> Result<Audio> {
    let mut ictx = open(path)?;
    let mut opened = open_audio(&ictx, limits)?;
    let mut out = Collector {
        limits,
        channels: Vec::new(),
        rate: 0,
        max_frames: u64::MAX,
        reserve: opened.header_frames.unwrap_or(0),
        input_len: len,
        changed: false,
    };
    let mut packet = Packet::empty();
    let mut frame = ffmpeg::frame::Audio::empty();
    let mut last_err: Option<Error> = None;
    let mut bad = 0usize;
    loop {
        match packet.read(&mut ictx) {
            Ok(()) => {
                bad = 0;
                if packet.stream() != opened.stream {
                    continue;
                }
                if let Err(e) = opened.decoder.send_packet(&packet) {
                    // A corrupt packet is skipped, as players do.
                    last_err = Some(corrupt(e));
                }
            }
            Err(ffmpeg::Error::Eof) => break,
            Err(e) => {
                // A broken container: keep the prefix decoded so far, or give up.
                last_err = Some(corrupt(e));
                bad += 1;
                if out.frames() > 0 || bad >= MAX_BAD_PACKETS {
                    break;
                }
                continue;
            }
        }
        out.drain(&mut opened.decoder, &mut frame, &mut last_err)?;
        if out.changed {
            break;
        }
    }
    if !out.changed && opened.decoder.send_eof().is_ok() {
        out.drain(&mut opened.decoder, &mut frame, &mut last_err)?;
    }
    if out.frames() == 0 {
        return Err(last_err.unwrap_or(Error::NoSamples));
    }
    Ok(Audio {
        sample_rate: out.rate,
        channels: out.channels,
        codec: opened.codec,
    })
}

/// Collects decoded frames into planes, enforcing the limits after every frame.
struct Collector<'a> {
    limits: &'a DecodeLimits,
    channels: Vec<Vec<f32>>,
    rate: u32,
    max_frames: u64,
    reserve: u64,
    input_len: u64,
    /// The layout or rate changed mid-stream: decoding stops at the change.
    changed: bool,
}

impl Collector<'_> {
    fn frames(&self) -> u64 {
        self.channels.first().map_or(0, |c| c.len() as u64)
    }

    fn drain(
        &mut self,
        decoder: &mut ffmpeg::decoder::Audio,
        frame: &mut ffmpeg::frame::Audio,
        last_err: &mut Option<Error>,
    ) -> Result<()> {
        loop {
            match decoder.receive_frame(frame) {
                Ok(()) => {
                    self.push(frame)?;
                    if self.changed {
                        return Ok(());
                    }
                }
                Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    return Ok(());
                }
                Err(e) => {
                    *last_err = Some(corrupt(e));
                    return Ok(());
                }
            }
        }
    }

    fn push(&mut self, frame: &ffmpeg::frame::Audio) -> Result<()> {
        let n = frame.samples();
        let nch = usize::from(frame.channels());
        let rate = frame.rate();
        if n == 0 || nch == 0 || frame.planes() == 0 {
            return Ok(());
        }
        if nch > self.limits.max_channels {
            return Err(Error::Limit {
                what: "channels",
                actual: nch as f64,
                limit: self.limits.max_channels as f64,
            });
        }
        if rate == 0 {
            return Err(Error::Corrupt {
                message: "sample rate unknown or zero".into(),
                offset: None,
            });
        }
        if self.channels.is_empty() {
            self.rate = rate;
            self.max_frames = (self.limits.max_duration_s * f64::from(rate)).ceil() as u64;
            // Reserve what the header states, capped by the duration limit and by 16 frames per
            // input byte and channel; beyond that the planes just grow.
            let cap = 16 * self.input_len / nch as u64;
            let reserve = self.reserve.min(self.max_frames).min(cap) as usize;
            self.channels = (0..nch).map(|_| Vec::with_capacity(reserve)).collect();
        } else if self.channels.len() != nch || self.rate != rate {
            self.changed = true;
            return Ok(());
        }
        let total = self.frames() + n as u64;
        if total > self.max_frames {
            return Err(Error::Limit {
                what: "duration_s",
                actual: total as f64 / f64::from(rate),
                limit: self.limits.max_duration_s,
            });
        }
        append(frame, n, nch, &mut self.channels)
    }
}

/// Appends one frame's samples to the planes, converting as libsndfile normalises.
fn append(frame: &ffmpeg::frame::Audio, n: usize, nch: usize, out: &mut [Vec<f32>]) -> Result<()> {
    let fmt = frame.format();
    let bps = fmt.bytes();
    let convert: fn(&[u8]) -> f32 = match fmt {
        Sample::U8(_) => |b| (f32::from(b[0]) - 128.0) / 128.0,
        Sample::I16(_) => |b| f32::from(i16::from_ne_bytes([b[0], b[1]])) / 32768.0,
        Sample::I32(_) => |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0,
        Sample::I64(_) => {
            |b| i64::from_ne_bytes(b[..8].try_into().unwrap_or([0; 8])) as f32 / 9.223_372e18
        }
        Sample::F32(_) => |b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
        Sample::F64(_) => |b| f64::from_ne_bytes(b[..8].try_into().unwrap_or([0; 8])) as f32,
        Sample::None => {
            return Err(Error::Corrupt {
                message: "decoder produced no sample format".into(),
                offset: None,
            });
        }
    };
    let short = || Error::Corrupt {
        message: "decoded frame shorter than its sample count".into(),
        offset: None,
    };
    if frame.is_planar() {
        if frame.planes() < nch {
            return Err(short());
        }
        for (c, dst) in out.iter_mut().enumerate() {
            let src = frame.data(c).get(..n * bps).ok_or_else(short)?;
            dst.extend(src.chunks_exact(bps).map(convert));
        }
    } else {
        let src = frame.data(0).get(..n * nch * bps).ok_or_else(short)?;
        for (c, dst) in out.iter_mut().enumerate() {
            dst.extend(
                src.chunks_exact(bps * nch)
                    .map(|f| convert(&f[c * bps..(c + 1) * bps])),
            );
        }
    }
    Ok(())
}
