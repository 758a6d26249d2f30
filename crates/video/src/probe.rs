//! Probing: container, duration, streams, codecs, resolution, frame rates, rotation, bit rate;
//! [`Limits`] checked from the header before anything is decoded.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ffmpeg::codec::packet::side_data::Type as SideDataType;
use ffmpeg::media::Type as MediaType;
use ffmpeg_next as ffmpeg;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Initialises FFmpeg once per process and silences its log (errors come back typed instead).
pub(crate) fn init() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        // `init` only fails when FFmpeg cannot register its components, which never happens with
        // a linked library; there is nothing useful to do with that error here.
        let _ = ffmpeg::init();
        ffmpeg::log::set_level(ffmpeg::log::Level::Quiet);
    });
}

/// The input's best video stream, or [`Error::NoStream`] naming `path`.
pub(crate) fn best_video_stream<'a>(
    ictx: &'a ffmpeg::format::context::Input,
    path: &Path,
) -> Result<ffmpeg::format::stream::Stream<'a>> {
    ictx.streams()
        .best(ffmpeg::media::Type::Video)
        .ok_or_else(|| Error::NoStream {
            path: path.to_path_buf(),
            kind: "video",
        })
}

/// A stream's start time in its time base (0 when unset).
pub(crate) fn stream_start(st: &ffmpeg::format::stream::Stream<'_>) -> i64 {
    if st.start_time() == ffmpeg::ffi::AV_NOPTS_VALUE {
        0
    } else {
        st.start_time()
    }
}

/// Opens a file as an FFmpeg input that reads that file only: the checks of
/// [`dataprep_core::media_input::check_input`] (no playlist or manifest, a regular file), the
/// `file:` URL and the pinned options ([`FFMPEG_INPUT_OPTIONS`], `protocol_whitelist=file`).
/// Every FFmpeg input of this crate is opened here. Failures map to [`Error::Refused`],
/// [`Error::Open`] or [`Error::Io`].
///
/// [`FFMPEG_INPUT_OPTIONS`]: dataprep_core::media_input::FFMPEG_INPUT_OPTIONS
pub(crate) fn open_input(path: &Path) -> Result<ffmpeg::format::context::Input> {
    use dataprep_core::media_input::{FFMPEG_INPUT_OPTIONS, check_input};
    init();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() == 0 {
        return Err(Error::Open {
            path: path.to_path_buf(),
            message: "empty file (zero bytes)".into(),
        });
    }
    let url = check_input(path)?;
    let mut opts = ffmpeg::Dictionary::new();
    for (k, v) in FFMPEG_INPUT_OPTIONS {
        opts.set(k, v);
    }
    ffmpeg::format::input_with_dictionary(&url, opts).map_err(|e| Error::Open {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Size, duration and frame limits. Every one is checked against the header before decoding,
/// and `max_frames` again while decoding. `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Limits {
    /// Largest file size in bytes (2 GiB).
    pub max_bytes: Option<u64>,
    /// Longest duration in seconds (4 h).
    pub max_duration_s: Option<f64>,
    /// Widest frame (8192).
    pub max_width: Option<u32>,
    /// Tallest frame (8192).
    pub max_height: Option<u32>,
    /// Most pixels per frame (7680 × 4320).
    pub max_pixels: Option<u64>,
    /// Most frames decoded from one file (None).
    pub max_frames: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: Some(2 << 30),
            max_duration_s: Some(4.0 * 3600.0),
            max_width: Some(8192),
            max_height: Some(8192),
            max_pixels: Some(7680 * 4320),
            max_frames: None,
        }
    }
}

impl Limits {
    /// No limits at all.
    pub fn none() -> Self {
        Limits {
            max_bytes: None,
            max_duration_s: None,
            max_width: None,
            max_height: None,
            max_pixels: None,
            max_frames: None,
        }
    }
    /// Sets the byte limit.
    pub fn with_max_bytes(mut self, v: u64) -> Self {
        self.max_bytes = Some(v);
        self
    }
    /// Sets the duration limit in seconds.
    pub fn with_max_duration_s(mut self, v: f64) -> Self {
        self.max_duration_s = Some(v);
        self
    }
    /// Sets the width and height limits.
    pub fn with_max_resolution(mut self, width: u32, height: u32) -> Self {
        self.max_width = Some(width);
        self.max_height = Some(height);
        self
    }
    /// Sets the pixel-count limit.
    pub fn with_max_pixels(mut self, v: u64) -> Self {
        self.max_pixels = Some(v);
        self
    }
    /// Sets the decoded-frame limit.
    pub fn with_max_frames(mut self, v: u64) -> Self {
        self.max_frames = Some(v);
        self
    }

    /// Checks a probed file against the limits.
    ///
    /// # Errors
    /// [`Error::Limit`] naming the first limit exceeded.
    pub fn check(&self, info: &VideoInfo) -> Result<()> {
        let fail = |what, actual: f64, limit: f64| Error::Limit {
            path: info.path.clone(),
            what,
            actual,
            limit,
        };
        if let Some(l) = self.max_bytes
            && info.size_bytes > l
        {
            return Err(fail("bytes", info.size_bytes as f64, l as f64));
        }
        if let (Some(l), Some(d)) = (self.max_duration_s, info.duration_s)
            && d > l
        {
            return Err(fail("duration_s", d, l));
        }
        for s in &info.streams {
            if let StreamKind::Video { width, height, .. } = s.kind {
                if let Some(l) = self.max_width
                    && width > l
                {
                    return Err(fail("width", f64::from(width), f64::from(l)));
                }
                if let Some(l) = self.max_height
                    && height > l
                {
                    return Err(fail("height", f64::from(height), f64::from(l)));
                }
                let px = u64::from(width) * u64::from(height);
                if let Some(l) = self.max_pixels
                    && px > l
                {
                    return Err(fail("pixels", px as f64, l as f64));
                }
            }
        }
        if let (Some(l), Some(v)) = (self.max_frames, info.video())
            && let Some(n) = v.frames
            && n > l
        {
            return Err(fail("frames", n as f64, l as f64));
        }
        Ok(())
    }
}

/// A rational number (frame rates, time bases) as FFmpeg stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    /// Numerator.
    pub num: i32,
    /// Denominator.
    pub den: i32,
}

impl Ratio {
    /// The value as `f64`, `None` when the denominator or numerator is zero (unknown).
    pub fn to_f64(self) -> Option<f64> {
        (self.den != 0 && self.num != 0).then(|| f64::from(self.num) / f64::from(self.den))
    }
}

impl From<ffmpeg::Rational> for Ratio {
    fn from(r: ffmpeg::Rational) -> Self {
        Ratio {
            num: r.numerator(),
            den: r.denominator(),
        }
    }
}

/// What a stream carries, with the fields that matter for that kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StreamKind {
    /// A video stream.
    Video {
        /// Coded width in pixels.
        width: u32,
        /// Coded height in pixels.
        height: u32,
        /// Pixel format as FFmpeg names it (`yuv420p`, …).
        pixel_format: String,
        /// Average frame rate (`avg_frame_rate`: frames / duration).
        avg_fps: Option<f64>,
        /// The real base frame rate (`r_frame_rate`: the lowest rate all timestamps fit).
        real_fps: Option<f64>,
        /// Average frame rate as a ratio.
        avg_rate: Ratio,
        /// Real base frame rate as a ratio.
        real_rate: Ratio,
        /// Rotation from the display matrix side data, in degrees counter-clockwise as
        /// `ffprobe` reports it (`-90` for a phone held upright), 0 when absent.
        rotation: f64,
        /// True when the average and real frame rates differ by more than 0.1 %: a sign of
        /// variable frame rate (see [`crate::frame_timing`] for an exact answer).
        variable_fps: bool,
    },
    /// An audio stream.
    Audio {
        /// Sample rate in Hz.
        sample_rate: u32,
        /// Channel count.
        channels: u16,
    },
    /// A subtitle stream.
    Subtitle,
    /// Anything else (data, attachments).
    Other,
}

/// One stream of a probed file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamInfo {
    /// Stream index in the container.
    pub index: usize,
    /// Codec name (`h264`, `aac`, `subrip`, … or `none`).
    pub codec: String,
    /// Stream time base.
    pub time_base: Ratio,
    /// Duration in seconds from the stream header, when known.
    pub duration_s: Option<f64>,
    /// Frame (packet) count from the header, when the container stores it.
    pub frames: Option<u64>,
    /// Bit rate in bits/s from the codec parameters, when known.
    pub bit_rate: Option<u64>,
    /// Language tag, when present.
    pub language: Option<String>,
    /// Kind-specific fields.
    #[serde(flatten)]
    pub kind: StreamKind,
}

/// Everything [`probe`] learns from a file's header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    /// The file.
    pub path: PathBuf,
    /// File size in bytes.
    pub size_bytes: u64,
    /// Container (demuxer) short name, e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `matroska,webm`.
    pub container: String,
    /// Duration in seconds, when known.
    pub duration_s: Option<f64>,
    /// Overall bit rate in bits/s, when known.
    pub bit_rate: Option<u64>,
    /// All streams, in container order.
    pub streams: Vec<StreamInfo>,
    /// Index of the best video stream, if any.
    pub best_video: Option<usize>,
    /// Index of the best audio stream, if any.
    pub best_audio: Option<usize>,
}

/// The video fields of the best video stream, flattened for convenience.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoStreamSummary<'a> {
    /// The stream.
    pub stream: &'a StreamInfo,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Average fps (falls back to the real fps).
    pub fps: Option<f64>,
    /// Frame count from the header.
    pub frames: Option<u64>,
    /// Rotation in degrees.
    pub rotation: f64,
}

impl VideoInfo {
    /// The best video stream's main fields.
    pub fn video(&self) -> Option<VideoStreamSummary<'_>> {
        let s = self
            .streams
            .iter()
            .find(|s| Some(s.index) == self.best_video)?;
        match &s.kind {
            StreamKind::Video {
                width,
                height,
                avg_fps,
                real_fps,
                rotation,
                ..
            } => Some(VideoStreamSummary {
                stream: s,
                width: *width,
                height: *height,
                fps: avg_fps.or(*real_fps),
                frames: s.frames,
                rotation: *rotation,
            }),
            _ => None,
        }
    }
    /// Whether the file has a subtitle stream.
    pub fn has_subtitles(&self) -> bool {
        self.streams
            .iter()
            .any(|s| matches!(s.kind, StreamKind::Subtitle))
    }
}

/// Rotation in degrees from a display matrix (9 native-endian i32 in 16.16 fixed point), as
/// `av_display_rotation_get` computes it, negated the way ffprobe prints it.
pub fn display_matrix_rotation(data: &[u8]) -> Option<f64> {
    if data.len() < 36 {
        return None;
    }
    let m: Vec<f64> = data
        .chunks_exact(4)
        .take(9)
        .map(|c| f64::from(i32::from_ne_bytes([c[0], c[1], c[2], c[3]])) / 65536.0)
        .collect();
    let sx = m[0].hypot(m[3]);
    let sy = m[1].hypot(m[4]);
    if sx == 0.0 || sy == 0.0 {
        return None;
    }
    let r = (m[1] / sy).atan2(m[0] / sx).to_degrees();
    // av_display_rotation_get returns -r; round away float noise like ffprobe's %.2f.
    let v = (-r * 100.0).round() / 100.0;
    Some(if v == 0.0 { 0.0 } else { v })
}

fn seconds(ts: i64, tb: ffmpeg::Rational) -> Option<f64> {
    (ts > 0 && ts != i64::MIN && tb.denominator() != 0)
        .then(|| ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator()))
}

/// Probes a file: container, duration, streams and their codecs, resolution, frame rates,
/// rotation, bit rates. Reads only the header (and what FFmpeg needs to find stream info).
///
/// # Errors
/// [`Error::Open`] for a file FFmpeg cannot open, [`Error::Io`] when it cannot be read.
pub fn probe(path: impl AsRef<Path>) -> Result<VideoInfo> {
    probe_streams(path.as_ref()).map(|(info, _)| info)
}

/// Probes a file and checks that it is a video: FFmpeg opens it (whatever its extension:
/// MPEG-PS `.mpg`, MPEG-TS `.ts`/`.m2ts`, FLV, ASF/WMV, 3GP, Ogg Theora, Matroska, MP4 …) and it
/// has a video stream of moving pictures — not a still image read by one of FFmpeg's image
/// demuxers (`png_pipe`, `image2` …), nor only cover art (an attached picture, as in an MP3 or
/// M4A with artwork). This is the content check a folder walker needs (see
/// `dataprep_storage::MediaFolderBuilder::with_probe`).
///
/// # Errors
/// As [`probe`]; [`Error::NoStream`] (kind `video`) when there is no moving-picture stream.
pub fn probe_video(path: impl AsRef<Path>) -> Result<VideoInfo> {
    let path = path.as_ref();
    let (mut info, still) = probe_streams(path)?;
    let image_demuxer =
        info.container.ends_with("_pipe") || info.container.split(',').any(|n| n == "image2");
    let is_still = |i: usize| still.get(i).copied().unwrap_or(false);
    let moving = |s: &StreamInfo| matches!(s.kind, StreamKind::Video { .. }) && !is_still(s.index);
    if image_demuxer || !info.streams.iter().any(moving) {
        return Err(Error::NoStream {
            path: path.to_path_buf(),
            kind: "video",
        });
    }
    // The best stream FFmpeg picked may be cover art next to the real video: use the first
    // moving one then.
    if info.best_video.is_none_or(is_still) {
        info.best_video = info.streams.iter().find(|s| moving(s)).map(|s| s.index);
    }
    Ok(info)
}

/// [`probe`], plus per stream index whether it is an attached picture (cover art).
fn probe_streams(path: &Path) -> Result<(VideoInfo, Vec<bool>)> {
    let ictx = open_input(path)?;
    let mut still = vec![false; ictx.streams().count()];
    for st in ictx.streams() {
        if let Some(s) = still.get_mut(st.index()) {
            *s = st
                .disposition()
                .contains(ffmpeg::format::stream::Disposition::ATTACHED_PIC);
        }
    }
    let size_bytes = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    let mut streams = Vec::new();
    for st in ictx.streams() {
        let par = st.parameters();
        let id = par.id();
        let tb = st.time_base();
        let kind = match par.medium() {
            MediaType::Video => {
                let dec = ffmpeg::codec::Context::from_parameters(par.clone())
                    .and_then(|c| c.decoder().video());
                let (width, height, pixel_format) = match &dec {
                    Ok(d) => (
                        d.width(),
                        d.height(),
                        d.format()
                            .descriptor()
                            .map(|x| x.name().to_string())
                            .unwrap_or_else(|| "none".into()),
                    ),
                    Err(_) => (0, 0, "none".into()),
                };
                let avg: Ratio = st.avg_frame_rate().into();
                let real: Ratio = st.rate().into();
                let rotation = st
                    .side_data()
                    .find(|sd| sd.kind() == SideDataType::DisplayMatrix)
                    .and_then(|sd| display_matrix_rotation(sd.data()))
                    .unwrap_or(0.0);
                let variable_fps = match (avg.to_f64(), real.to_f64()) {
                    (Some(a), Some(r)) => (a - r).abs() > 1e-3 * r,
                    _ => false,
                };
                StreamKind::Video {
                    width,
                    height,
                    pixel_format,
                    avg_fps: avg.to_f64(),
                    real_fps: real.to_f64(),
                    avg_rate: avg,
                    real_rate: real,
                    rotation,
                    variable_fps,
                }
            }
            MediaType::Audio => {
                match ffmpeg::codec::Context::from_parameters(par.clone())
                    .and_then(|c| c.decoder().audio())
                {
                    Ok(d) => StreamKind::Audio {
                        sample_rate: d.rate(),
                        channels: d.channels(),
                    },
                    Err(_) => StreamKind::Audio {
                        sample_rate: 0,
                        channels: 0,
                    },
                }
            }
            MediaType::Subtitle => StreamKind::Subtitle,
            _ => StreamKind::Other,
        };
        let br = par.bit_rate();
        streams.push(StreamInfo {
            index: st.index(),
            codec: id.name().to_string(),
            time_base: tb.into(),
            duration_s: seconds(st.duration(), tb),
            frames: (st.frames() > 0).then_some(st.frames() as u64),
            bit_rate: (br > 0).then_some(br as u64),
            language: st.metadata().get("language").map(str::to_string),
            kind,
        });
    }
    let d = ictx.duration();
    let br = ictx.bit_rate();
    let info = VideoInfo {
        path: path.to_path_buf(),
        size_bytes,
        container: ictx.format().name().to_string(),
        duration_s: (d > 0).then(|| d as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE)),
        bit_rate: (br > 0).then_some(br as u64),
        best_video: ictx.streams().best(MediaType::Video).map(|s| s.index()),
        best_audio: ictx.streams().best(MediaType::Audio).map(|s| s.index()),
        streams,
    };
    Ok((info, still))
}

/// Probes a file and checks it against `limits`.
///
/// # Errors
/// As [`probe`], plus [`Error::Limit`].
pub fn probe_checked(path: impl AsRef<Path>, limits: &Limits) -> Result<VideoInfo> {
    let path = path.as_ref();
    if let Some(l) = limits.max_bytes {
        let n = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        if n > l {
            return Err(Error::Limit {
                path: path.to_path_buf(),
                what: "bytes",
                actual: n as f64,
                limit: l as f64,
            });
        }
    }
    let info = probe(path)?;
    limits.check(&info)?;
    Ok(info)
}

/// Exact frame timing of the best video stream from a demux-only pass (no decoding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameTiming {
    /// Number of video packets (frames).
    pub frames: u64,
    /// Number of keyframes.
    pub keyframes: u64,
    /// Smallest gap between consecutive presentation timestamps, in seconds.
    pub min_interval_s: f64,
    /// Largest gap, in seconds.
    pub max_interval_s: f64,
    /// Frames / (last pts − first pts + last gap).
    pub mean_fps: f64,
    /// True when gaps differ by more than 1 % of the smallest (variable frame rate).
    pub variable_fps: bool,
}

/// Scans the packet timestamps of the best video stream without decoding, to count frames and
/// tell constant from variable frame rate exactly.
///
/// # Errors
/// Open errors, [`Error::NoStream`], [`Error::NoFrames`].
pub fn frame_timing(path: impl AsRef<Path>) -> Result<FrameTiming> {
    let path = path.as_ref();
    let mut ictx = open_input(path)?;
    let (idx, tb) = {
        let st = best_video_stream(&ictx, path)?;
        (st.index(), st.time_base())
    };
    let mut pts: Vec<i64> = Vec::new();
    let mut keyframes = 0;
    let mut packet = ffmpeg::Packet::empty();
    loop {
        match packet.read(&mut ictx) {
            Ok(()) => {
                if packet.stream() == idx {
                    if let Some(p) = packet.pts().or(packet.dts()) {
                        pts.push(p);
                    }
                    keyframes += u64::from(packet.is_key());
                }
            }
            Err(ffmpeg::Error::Eof) => break,
            Err(ffmpeg::Error::InvalidData) => continue,
            Err(_) => break,
        }
    }
    if pts.is_empty() {
        return Err(Error::NoFrames {
            path: path.to_path_buf(),
        });
    }
    pts.sort_unstable();
    let s = f64::from(tb.numerator()) / f64::from(tb.denominator());
    let gaps: Vec<f64> = pts.windows(2).map(|w| (w[1] - w[0]) as f64 * s).collect();
    let min = gaps.iter().copied().fold(f64::INFINITY, f64::min);
    let max = gaps.iter().copied().fold(0.0, f64::max);
    let (min, max) = if gaps.is_empty() {
        (0.0, 0.0)
    } else {
        (min, max)
    };
    let last_gap = gaps.last().copied().unwrap_or(0.0);
    let span = (pts[pts.len() - 1] - pts[0]) as f64 * s + last_gap;
    Ok(FrameTiming {
        frames: pts.len() as u64,
        keyframes,
        min_interval_s: min,
        max_interval_s: max,
        mean_fps: if span > 0.0 {
            pts.len() as f64 / span
        } else {
            0.0
        },
        variable_fps: !gaps.is_empty() && max - min > 0.01 * min,
    })
}
