//! Transcoding and format unification: stream-copy remux (MP4 / MKV / …, optionally a time
//! range), re-encoding to H.264 with libx264 (CRF and preset) or another encoder FFmpeg has,
//! and audio-track extraction to 16-bit PCM WAV.

use std::io::Write;
use std::path::Path;

use ffmpeg::format::Pixel;
use ffmpeg::media::Type as MediaType;
use ffmpeg::{Dictionary, Packet, Rational};
use ffmpeg_next as ffmpeg;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::probe::{Limits, best_video_stream, init, open_input, probe_checked, stream_start};

fn enc_err(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::Encode {
        path: path.to_path_buf(),
        message: format!("{what}: {e}"),
    }
}

/// Opens `path` as an FFmpeg output that writes that file only: a `file:` URL
/// ([`dataprep_core::media_input::file_url`]), `protocol_whitelist=file`, and a muxer that does
/// not open files of its own (FFmpeg's `AVFMT_NOFILE`: HLS, DASH, segment, tee, image2 …), which
/// is [`Error::Refused`]. Every FFmpeg output of this crate is opened here.
fn open_output(path: &Path) -> Result<ffmpeg::format::context::Output> {
    use dataprep_core::media_input::{FFMPEG_OUTPUT_OPTIONS, Refusal, file_url};
    init();
    let url = file_url(path)?;
    let mut opts = Dictionary::new();
    for (k, v) in FFMPEG_OUTPUT_OPTIONS {
        opts.set(k, v);
    }
    let octx = ffmpeg::format::output_with(&url, opts)
        .map_err(|e| enc_err(path, "cannot create output", e))?;
    if octx
        .format()
        .flags()
        .contains(ffmpeg::format::Flags::NO_FILE)
    {
        drop(octx);
        // Opening created the (temporary) file empty; the muxer wrote nothing yet.
        let _ = std::fs::remove_file(path);
        return Err(Error::Refused {
            path: path.to_path_buf(),
            why: Refusal::MultiFileOutput,
        });
    }
    Ok(octx)
}

/// Writes the header with `strict=unofficial`: stream-copied parameters keep the source
/// container's codec tag (`avc1`, `mp4a`), which another container's tag table may not list;
/// at normal strictness FFmpeg rejects it (the CLI clears the tag, which the safe API cannot).
fn write_header(octx: &mut ffmpeg::format::context::Output, output: &Path) -> Result<()> {
    let mut opts = Dictionary::new();
    opts.set("strict", "unofficial");
    octx.write_header_with(opts).map(|_| ()).map_err(|e| {
        enc_err(
            output,
            "write header (codec not allowed in this container?)",
            e,
        )
    })
}

/// Whether this FFmpeg build has an encoder called `name` (e.g. `libx264`).
pub fn has_encoder(name: &str) -> bool {
    init();
    ffmpeg::encoder::find_by_name(name).is_some()
}

/// A time range in seconds from the start of the input, `end` exclusive (`None` = to the end).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Start in seconds.
    pub start_s: f64,
    /// End in seconds, exclusive.
    pub end_s: Option<f64>,
}

impl TimeRange {
    /// `[start_s, end_s)`.
    pub fn new(start_s: f64, end_s: f64) -> Self {
        TimeRange {
            start_s,
            end_s: Some(end_s),
        }
    }
    fn end(&self) -> f64 {
        self.end_s.unwrap_or(f64::INFINITY)
    }
}

fn secs(ts: i64, tb: Rational) -> f64 {
    ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1))
}

/// Seeks `ictx` to the keyframe at or before `start_s` (nothing for 0); a failed seek just reads
/// from the top, and the packet loop drops what comes before the start. The target is rounded
/// and moved 100 µs later so a keyframe exactly at `start_s` is not missed by float noise in
/// the seconds-to-microseconds conversion (frames are always much further apart).
fn seek_to(ictx: &mut ffmpeg::format::context::Input, start_s: f64) {
    if start_s > 0.0 {
        let ts = (start_s * f64::from(ffmpeg::ffi::AV_TIME_BASE)).round() as i64 + 100;
        let _ = ictx.seek(ts, ..ts);
    }
}

/// What [`remux`] wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemuxReport {
    /// Packets written per output stream.
    pub packets: Vec<u64>,
    /// Actual start of the output in input seconds (the keyframe at or before the range start).
    pub start_s: f64,
    /// Time of the end of the last video packet written, in input seconds.
    pub end_s: f64,
}

/// Copies the video, audio and subtitle streams of `input` into `output` without re-encoding
/// (the container follows `output`'s extension: `.mp4`, `.mkv`, `.mov`, `.webm`, …). With a
/// `range`, starts at the keyframe at or before `range.start_s` (stream copy cannot start
/// elsewhere) and stops before `range.end_s`; timestamps are shifted so the output starts at 0.
/// The file is written under a temporary name and renamed when complete.
///
/// # Errors
/// Open errors, [`Error::Encode`] when the container cannot hold a stream's codec.
pub fn remux(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    range: Option<TimeRange>,
) -> Result<RemuxReport> {
    let input = input.as_ref();
    write_atomically(output.as_ref(), |tmp| remux_to(input, tmp, range, None))
}

/// [`remux`] where the first video keyframe copied is the one at `first_key_s` (a keyframe
/// time from the timeline): keyframes before it are skipped even when the container's seek
/// lands earlier (an index-less file).
pub(crate) fn remux_from_keyframe(
    input: &Path,
    output: &Path,
    range: TimeRange,
    first_key_s: f64,
) -> Result<RemuxReport> {
    write_atomically(output, |tmp| {
        remux_to(input, tmp, Some(range), Some(first_key_s))
    })
}

fn remux_to(
    input: &Path,
    output: &Path,
    range: Option<TimeRange>,
    first_key_s: Option<f64>,
) -> Result<RemuxReport> {
    let mut ictx = open_input(input)?;
    let mut octx = open_output(output)?;
    let n = ictx.nb_streams() as usize;
    let mut map: Vec<Option<usize>> = vec![None; n];
    let mut itb = vec![Rational(0, 1); n];
    let mut istart = vec![0i64; n];
    let mut video: Option<usize> = None;
    let best_video = ictx.streams().best(MediaType::Video).map(|s| s.index());
    let mut k = 0;
    for ist in ictx.streams() {
        let m = ist.parameters().medium();
        if !matches!(m, MediaType::Video | MediaType::Audio | MediaType::Subtitle) {
            continue;
        }
        if m == MediaType::Video && Some(ist.index()) != best_video {
            continue;
        }
        let mut ost = octx
            .add_stream(ffmpeg::encoder::find(ffmpeg::codec::Id::None))
            .map_err(|e| enc_err(output, "add stream", e))?;
        ost.set_parameters(ist.parameters());
        ost.set_time_base(ist.time_base());
        map[ist.index()] = Some(k);
        itb[ist.index()] = ist.time_base();
        istart[ist.index()] = stream_start(&ist);
        if m == MediaType::Video {
            video = Some(ist.index());
        }
        k += 1;
    }
    if k == 0 {
        return Err(Error::NoStream {
            path: input.to_path_buf(),
            kind: "video/audio",
        });
    }
    octx.set_metadata(ictx.metadata().to_owned());
    write_header(&mut octx, output)?;
    let otb: Vec<Rational> = (0..k)
        .map(|i| {
            octx.stream(i)
                .map(|s| s.time_base())
                .unwrap_or(Rational(1, 1000))
        })
        .collect();
    let range = range.unwrap_or(TimeRange {
        start_s: 0.0,
        end_s: None,
    });
    seek_to(&mut ictx, range.start_s);
    let end = range.end();
    // Offset (seconds) subtracted from every timestamp: the first video keyframe copied.
    let mut offset: Option<f64> = None;
    let mut counts = vec![0u64; k];
    let mut first_s = 0.0;
    let mut last_end = 0.0f64;
    let mut packet = Packet::empty();
    let mut waiting_key = true;
    loop {
        match packet.read(&mut ictx) {
            Ok(()) => {}
            Err(ffmpeg::Error::InvalidData) => continue,
            Err(_) => break,
        }
        let si = packet.stream();
        let Some(oi) = map.get(si).copied().flatten() else {
            continue;
        };
        let tb = itb[si];
        let Some(pts) = packet.pts().or(packet.dts()) else {
            continue;
        };
        let t = secs(pts - istart[si], tb);
        if Some(si) == video {
            if waiting_key {
                if !packet.is_key() || first_key_s.is_some_and(|k| t < k - 1e-4) {
                    continue;
                }
                waiting_key = false;
                if offset.is_none() {
                    offset = Some(t);
                    first_s = t;
                }
            }
            if t >= end - 1e-9 {
                // Keep reading: other streams may still have packets before `end`.
                if packet.dts().map(|d| secs(d - istart[si], tb)).unwrap_or(t) >= end {
                    break;
                }
                continue;
            }
            let dur = secs(packet.duration(), tb);
            last_end = last_end.max(t + dur);
        } else {
            if video.is_some() && offset.is_none() {
                continue;
            }
            let off = *offset.get_or_insert(t);
            if t < off - 1e-9 || t >= end - 1e-9 {
                continue;
            }
        }
        let off = offset.unwrap_or(0.0);
        let shift = ((off + secs(istart[si], tb)) / secs(1, tb)).round() as i64;
        packet.set_pts(packet.pts().map(|p| p - shift));
        packet.set_dts(packet.dts().map(|d| d - shift));
        packet.rescale_ts(tb, otb[oi]);
        packet.set_position(-1);
        packet.set_stream(oi);
        packet
            .write_interleaved(&mut octx)
            .map_err(|e| enc_err(output, "write packet", e))?;
        counts[oi] += 1;
    }
    octx.write_trailer()
        .map_err(|e| enc_err(output, "write trailer", e))?;
    Ok(RemuxReport {
        packets: counts,
        start_s: first_s,
        end_s: last_end,
    })
}

/// Video encoder settings for [`transcode`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EncodeConfig {
    /// Encoder name (`libx264`; any FFmpeg encoder name works, e.g. `libx265`, `mpeg4`).
    pub encoder: String,
    /// Constant rate factor for x264/x265 (23).
    pub crf: Option<u32>,
    /// Encoder preset (`medium`).
    pub preset: Option<String>,
    /// Keyframe interval in frames (None = encoder default).
    pub gop: Option<u32>,
    /// Copy the audio stream alongside (true).
    pub copy_audio: bool,
    /// Encoder threads (0 = automatic). x264 output is deterministic whatever the count.
    pub threads: usize,
    /// Limits checked on the input before decoding.
    pub limits: Limits,
}

impl Default for EncodeConfig {
    fn default() -> Self {
        EncodeConfig {
            encoder: "libx264".into(),
            crf: Some(23),
            preset: Some("medium".into()),
            gop: None,
            copy_audio: true,
            threads: 0,
            limits: Limits::default(),
        }
    }
}

impl EncodeConfig {
    /// Sets the CRF.
    pub fn with_crf(mut self, crf: u32) -> Self {
        self.crf = Some(crf);
        self
    }
    /// Sets the preset.
    pub fn with_preset(mut self, p: impl Into<String>) -> Self {
        self.preset = Some(p.into());
        self
    }
    /// Sets the encoder.
    pub fn with_encoder(mut self, name: impl Into<String>) -> Self {
        self.encoder = name.into();
        self
    }
    /// Sets the keyframe interval.
    pub fn with_gop(mut self, gop: u32) -> Self {
        self.gop = Some(gop);
        self
    }
    /// Whether to copy audio.
    pub fn with_audio(mut self, copy: bool) -> Self {
        self.copy_audio = copy;
        self
    }
}

/// What [`transcode`] wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscodeReport {
    /// Video frames encoded.
    pub frames: u64,
    /// Audio packets copied.
    pub audio_packets: u64,
}

/// Re-encodes the best video stream of `input` (frames with time in `range`, all by default)
/// to `output` with `cfg`'s encoder; copies the audio stream's packets of the same range.
/// Timestamps are shifted so the first frame kept is at time 0: with a range this is the exact
/// (re-encoding, frame-accurate) clipping mode. The file is written under a temporary name
/// and renamed when complete.
///
/// # Errors
/// [`Error::UnsupportedCodec`] when the encoder is missing, decode/encode errors.
pub fn transcode(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    cfg: &EncodeConfig,
    range: Option<TimeRange>,
) -> Result<TranscodeReport> {
    let input = input.as_ref();
    write_atomically(output.as_ref(), |tmp| transcode_to(input, tmp, cfg, range))
}

fn transcode_to(
    input: &Path,
    output: &Path,
    cfg: &EncodeConfig,
    range: Option<TimeRange>,
) -> Result<TranscodeReport> {
    probe_checked(input, &cfg.limits)?;
    let codec =
        ffmpeg::encoder::find_by_name(&cfg.encoder).ok_or_else(|| Error::UnsupportedCodec {
            path: output.to_path_buf(),
            codec: cfg.encoder.clone(),
        })?;
    let mut ictx = open_input(input)?;
    let (vi, vtb, vstart, vpar, rate) = {
        let st = best_video_stream(&ictx, input)?;
        (
            st.index(),
            st.time_base(),
            stream_start(&st),
            st.parameters(),
            st.avg_frame_rate(),
        )
    };
    let audio = if cfg.copy_audio {
        ictx.streams()
            .best(MediaType::Audio)
            .map(|s| (s.index(), s.time_base(), stream_start(&s), s.parameters()))
    } else {
        None
    };
    let mut dctx = ffmpeg::codec::Context::from_parameters(vpar.clone())
        .map_err(|e| Error::decode(input, e))?;
    dctx.set_threading(ffmpeg::threading::Config {
        kind: ffmpeg::threading::Type::Frame,
        count: 0,
        ..Default::default()
    });
    let mut dec = dctx
        .decoder()
        .video()
        .map_err(|_| Error::UnsupportedCodec {
            path: input.to_path_buf(),
            codec: vpar.id().name().to_string(),
        })?;
    let mut octx = open_output(output)?;
    let global = octx
        .format()
        .flags()
        .contains(ffmpeg::format::Flags::GLOBAL_HEADER);
    let pix = codec
        .video()
        .ok()
        .and_then(|v| v.formats().and_then(|mut f| f.next()))
        .unwrap_or(Pixel::YUV420P);
    let pix = if codec
        .video()
        .ok()
        .and_then(|v| v.formats())
        .map(|mut f| f.any(|p| p == Pixel::YUV420P))
        .unwrap_or(true)
    {
        Pixel::YUV420P
    } else {
        pix
    };
    let mut ectx = ffmpeg::codec::Context::new_with_codec(codec);
    ectx.set_threading(ffmpeg::threading::Config {
        kind: ffmpeg::threading::Type::Frame,
        count: cfg.threads,
        ..Default::default()
    });
    let mut enc = ectx
        .encoder()
        .video()
        .map_err(|e| enc_err(output, "encoder", e))?;
    let (w, h) = (dec.width(), dec.height());
    enc.set_width(w);
    enc.set_height(h);
    enc.set_format(pix);
    enc.set_aspect_ratio(dec.aspect_ratio());
    enc.set_time_base(vtb);
    if rate.numerator() > 0 {
        enc.set_frame_rate(Some(rate));
    }
    if let Some(g) = cfg.gop {
        enc.set_gop(g);
    }
    if global {
        enc.set_flags(ffmpeg::codec::Flags::GLOBAL_HEADER);
    }
    let mut opts = Dictionary::new();
    if let Some(c) = cfg.crf {
        opts.set("crf", &c.to_string());
    }
    if let Some(p) = &cfg.preset {
        opts.set("preset", p);
    }
    let mut enc = enc
        .open_with(opts)
        .map_err(|e| enc_err(output, "open encoder", e))?;
    {
        let mut ost = octx
            .add_stream(codec)
            .map_err(|e| enc_err(output, "add stream", e))?;
        ost.set_parameters(&enc);
        ost.set_time_base(vtb);
    }
    let aout = if let Some((_, atb, _, apar)) = &audio {
        let mut ost = octx
            .add_stream(ffmpeg::encoder::find(ffmpeg::codec::Id::None))
            .map_err(|e| enc_err(output, "add stream", e))?;
        ost.set_parameters(apar.clone());
        ost.set_time_base(*atb);
        Some(1usize)
    } else {
        None
    };
    write_header(&mut octx, output)?;
    let votb = octx.stream(0).map(|s| s.time_base()).unwrap_or(vtb);
    let aotb = aout.and_then(|i| octx.stream(i).map(|s| s.time_base()));
    let range = range.unwrap_or(TimeRange {
        start_s: 0.0,
        end_s: None,
    });
    seek_to(&mut ictx, range.start_s);
    // The first frame kept is shifted to 0 (set when it is decoded).
    let mut start_pts: Option<i64> = None;
    let end = range.end();
    let mut scaler: Option<ffmpeg::software::scaling::Context> = None;
    let mut frame = ffmpeg::frame::Video::empty();
    let mut conv = ffmpeg::frame::Video::empty();
    let mut frames = 0u64;
    let mut apackets = 0u64;
    let mut out_pkt = Packet::empty();
    let mut packet = Packet::empty();
    let mut eof = false;
    let mut last_pts: Option<i64> = None;
    // One frame's duration in the stream time base (FFmpeg 5.1 frames carry none).
    let frame_dur = if rate.numerator() > 0 && vtb.numerator() > 0 {
        ((f64::from(rate.denominator()) * f64::from(vtb.denominator()))
            / (f64::from(rate.numerator()) * f64::from(vtb.numerator())))
        .round() as i64
    } else {
        0
    };
    let write_encoded = |enc: &mut ffmpeg::encoder::Video,
                         octx: &mut ffmpeg::format::context::Output,
                         out_pkt: &mut Packet|
     -> Result<()> {
        while enc.receive_packet(out_pkt).is_ok() {
            out_pkt.set_stream(0);
            if out_pkt.duration() == 0 {
                out_pkt.set_duration(frame_dur);
            }
            out_pkt.rescale_ts(vtb, votb);
            out_pkt
                .write_interleaved(octx)
                .map_err(|e| enc_err(output, "write packet", e))?;
        }
        Ok(())
    };
    loop {
        // Drain decoded frames.
        while dec.receive_frame(&mut frame).is_ok() {
            let pts = frame.timestamp().or(frame.pts()).unwrap_or(0);
            let t = secs(pts - vstart, vtb);
            if t < range.start_s - 1e-9 || t >= end - 1e-9 {
                continue;
            }
            // Strictly increasing output timestamps (drop duplicates a broken stream may carry).
            if last_pts.is_some_and(|l| pts <= l) {
                continue;
            }
            last_pts = Some(pts);
            let shift = *start_pts.get_or_insert(pts);
            let src = if frame.format() != pix {
                if scaler.is_none() {
                    scaler = Some(
                        ffmpeg::software::scaling::Context::get(
                            frame.format(),
                            frame.width(),
                            frame.height(),
                            pix,
                            w,
                            h,
                            ffmpeg::software::scaling::Flags::BICUBIC,
                        )
                        .map_err(|e| enc_err(output, "pixel conversion", e))?,
                    );
                }
                if let Some(s) = scaler.as_mut() {
                    s.run(&frame, &mut conv)
                        .map_err(|e| enc_err(output, "pixel conversion", e))?;
                }
                &mut conv
            } else {
                &mut frame
            };
            src.set_pts(Some(pts - shift));
            src.set_kind(ffmpeg::picture::Type::None);
            enc.send_frame(src)
                .map_err(|e| enc_err(output, "encode", e))?;
            frames += 1;
            write_encoded(&mut enc, &mut octx, &mut out_pkt)?;
        }
        if eof {
            break;
        }
        match packet.read(&mut ictx) {
            Ok(()) => {
                let si = packet.stream();
                if si == vi {
                    if let Some(d) = packet.dts().or(packet.pts())
                        && secs(d - vstart, vtb) >= end + 1.0
                    {
                        let _ = dec.send_eof();
                        eof = true;
                        continue;
                    }
                    // A corrupt packet is skipped; the decoder conceals what it can.
                    let _ = dec.send_packet(&packet);
                } else if let (Some((ai, atb, astart, _)), Some(oi), Some(aotb)) =
                    (&audio, aout, aotb)
                    && si == *ai
                {
                    let Some(p) = packet.pts() else { continue };
                    let t = secs(p - astart, *atb);
                    if t < range.start_s - 1e-9 || t >= end - 1e-9 {
                        continue;
                    }
                    let shift = astart + (range.start_s / secs(1, *atb)).round() as i64;
                    packet.set_pts(Some(p - shift));
                    packet.set_dts(packet.dts().map(|d| d - shift));
                    packet.rescale_ts(*atb, aotb);
                    packet.set_position(-1);
                    packet.set_stream(oi);
                    packet
                        .write_interleaved(&mut octx)
                        .map_err(|e| enc_err(output, "write audio", e))?;
                    apackets += 1;
                }
            }
            Err(ffmpeg::Error::InvalidData) => {}
            Err(_) => {
                let _ = dec.send_eof();
                eof = true;
            }
        }
    }
    enc.send_eof()
        .map_err(|e| enc_err(output, "flush encoder", e))?;
    write_encoded(&mut enc, &mut octx, &mut out_pkt)?;
    octx.write_trailer()
        .map_err(|e| enc_err(output, "write trailer", e))?;
    if frames == 0 {
        return Err(Error::NoFrames {
            path: input.to_path_buf(),
        });
    }
    Ok(TranscodeReport {
        frames,
        audio_packets: apackets,
    })
}

/// What [`extract_audio_wav`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WavReport {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// Frames (samples per channel) written.
    pub frames: u64,
}

fn sample_to_i16(fmt: ffmpeg::format::Sample, b: &[u8]) -> i16 {
    use ffmpeg::format::Sample as S;
    let f = |x: f64| (x.clamp(-1.0, 1.0) * 32767.0).round() as i16;
    match fmt {
        S::U8(_) => (i16::from(b[0]) - 128) << 8,
        S::I16(_) => i16::from_ne_bytes([b[0], b[1]]),
        S::I32(_) => (i32::from_ne_bytes([b[0], b[1], b[2], b[3]]) >> 16) as i16,
        S::I64(_) => (i64::from_ne_bytes(b[..8].try_into().unwrap_or([0; 8])) >> 48) as i16,
        S::F32(_) => f(f64::from(f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))),
        S::F64(_) => f(f64::from_ne_bytes(b[..8].try_into().unwrap_or([0; 8]))),
        S::None => 0,
    }
}

/// Decodes the best audio stream of `input` to 16-bit PCM and writes a WAV file (all channels,
/// the stream's own sample rate; resample afterwards with dataprep-audio if needed).
///
/// # Errors
/// [`Error::NoStream`] without audio, decode and I/O errors.
pub fn extract_audio_wav(input: impl AsRef<Path>, output: impl AsRef<Path>) -> Result<WavReport> {
    let input = input.as_ref();
    write_atomically(output.as_ref(), |tmp| extract_wav_to(input, tmp))
}

fn extract_wav_to(input: &Path, output: &Path) -> Result<WavReport> {
    let mut ictx = open_input(input)?;
    let (ai, par) = {
        let st = ictx
            .streams()
            .best(MediaType::Audio)
            .ok_or_else(|| Error::NoStream {
                path: input.to_path_buf(),
                kind: "audio",
            })?;
        (st.index(), st.parameters())
    };
    let id = par.id();
    let mut dec = ffmpeg::codec::Context::from_parameters(par)
        .and_then(|c| c.decoder().audio())
        .map_err(|_| Error::UnsupportedCodec {
            path: input.to_path_buf(),
            codec: id.name().to_string(),
        })?;
    let mut pcm: Vec<u8> = Vec::new();
    let mut frame = ffmpeg::frame::Audio::empty();
    let mut packet = Packet::empty();
    let (mut rate, mut channels) = (dec.rate(), dec.channels());
    let mut frames = 0u64;
    let mut eof = false;
    loop {
        while dec.receive_frame(&mut frame).is_ok() {
            let fmt = frame.format();
            let bps = fmt.bytes();
            let ch = frame.channels() as usize;
            let n = frame.samples();
            if bps == 0 || ch == 0 {
                continue;
            }
            rate = frame.rate();
            channels = ch as u16;
            for i in 0..n {
                for c in 0..ch {
                    let b = if frame.is_planar() {
                        &frame.data(c)[i * bps..(i + 1) * bps]
                    } else {
                        let o = (i * ch + c) * bps;
                        &frame.data(0)[o..o + bps]
                    };
                    pcm.extend_from_slice(&sample_to_i16(fmt, b).to_le_bytes());
                }
            }
            frames += n as u64;
        }
        if eof {
            break;
        }
        match packet.read(&mut ictx) {
            Ok(()) => {
                if packet.stream() == ai {
                    let _ = dec.send_packet(&packet);
                }
            }
            Err(ffmpeg::Error::InvalidData) => {}
            Err(_) => {
                let _ = dec.send_eof();
                eof = true;
            }
        }
    }
    if frames == 0 {
        return Err(Error::NoFrames {
            path: input.to_path_buf(),
        });
    }
    let mut f = std::fs::File::create(output).map_err(|e| Error::io(output, e))?;
    let data_len = pcm.len() as u32;
    let block = channels * 2;
    let mut hdr = Vec::with_capacity(44);
    hdr.extend_from_slice(b"RIFF");
    hdr.extend_from_slice(&(36 + data_len).to_le_bytes());
    hdr.extend_from_slice(b"WAVEfmt ");
    hdr.extend_from_slice(&16u32.to_le_bytes());
    hdr.extend_from_slice(&1u16.to_le_bytes());
    hdr.extend_from_slice(&channels.to_le_bytes());
    hdr.extend_from_slice(&rate.to_le_bytes());
    hdr.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    hdr.extend_from_slice(&block.to_le_bytes());
    hdr.extend_from_slice(&16u16.to_le_bytes());
    hdr.extend_from_slice(b"data");
    hdr.extend_from_slice(&data_len.to_le_bytes());
    f.write_all(&hdr)
        .and_then(|_| f.write_all(&pcm))
        .map_err(|e| Error::io(output, e))?;
    Ok(WavReport {
        sample_rate: rate,
        channels,
        frames,
    })
}

/// Writes `path` through a temporary sibling with the same extension, renamed into place when
/// `f` succeeds (removed when it fails): a crash never leaves a truncated clip under its name.
pub(crate) fn write_atomically<T>(path: &Path, f: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp_name = match path.extension() {
        Some(ext) => format!(
            ".{}.{}.tmp.{}",
            name,
            std::process::id(),
            ext.to_string_lossy()
        ),
        None => format!(".{}.{}.tmp", name, std::process::id()),
    };
    let tmp = path.with_file_name(tmp_name);
    match f(&tmp) {
        Ok(v) => {
            std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
            Ok(v)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
