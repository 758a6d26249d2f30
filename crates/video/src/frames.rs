//! Frame extraction in a bounded-memory decode loop: every frame, every Nth, at a target fps,
//! keyframes only, or at given timestamps. Frames come out as [`image::RgbImage`] with their
//! exact presentation timestamps; only the frame being handed over is held in memory.

use std::path::{Path, PathBuf};

use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg_next as ffmpeg;
use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::probe::{Limits, VideoInfo, best_video_stream, open_input, probe_checked, stream_start};

/// Which frames to extract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Sampling {
    /// Every decoded frame.
    All,
    /// Frames 0, n, 2n, … (by decoded-frame index).
    EveryNth(u64),
    /// At most `fps` frames per second: the first frame at or after each instant `k / fps`
    /// (a frame is never repeated).
    Fps(f64),
    /// Keyframes only; non-key frames are not decoded at all (fast).
    Keyframes,
    /// The frame on screen at each of these times in seconds from the stream start: the last
    /// frame whose timestamp is ≤ t (the first frame for t before it). Sorted internally; a
    /// time past the end gives the last frame.
    Timestamps(Vec<f64>),
}

/// How [`FrameReader`] decodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExtractConfig {
    /// Which frames (every frame).
    pub sampling: Sampling,
    /// Scale frames to this `(width, height)` while converting to RGB (None keeps the size).
    /// For aspect-preserving modes see the `standardize` module.
    pub size: Option<(u32, u32)>,
    /// Limits checked on the header before decoding (default [`Limits`]).
    pub limits: Limits,
    /// Decoder threads (0 = FFmpeg's automatic choice). Output does not depend on it.
    pub threads: usize,
    /// Give up after this many packets FFmpeg rejects as invalid (100).
    pub max_corrupt_packets: u64,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        ExtractConfig {
            sampling: Sampling::All,
            size: None,
            limits: Limits::default(),
            threads: 0,
            max_corrupt_packets: 100,
        }
    }
}

impl ExtractConfig {
    /// Extract with `sampling`.
    pub fn new(sampling: Sampling) -> Self {
        ExtractConfig {
            sampling,
            ..Default::default()
        }
    }
    /// Sets the output size.
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.size = Some((width, height));
        self
    }
    /// Sets the limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
    /// Sets the decoder thread count.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }
}

/// One extracted frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Index among decoded frames (presentation order, 0-based). In [`Sampling::Keyframes`]
    /// mode, where other frames are skipped, it is `round(time_s × avg fps)`.
    pub index: u64,
    /// Presentation timestamp in stream time-base units (`best_effort_timestamp`).
    pub pts: i64,
    /// Presentation time in seconds from the stream's start time.
    pub time_s: f64,
    /// Whether the frame is a keyframe.
    pub keyframe: bool,
    /// The pixels.
    pub image: RgbImage,
}

/// The decode loop over the best video stream, yielding raw FFmpeg frames.
pub(crate) struct RawDecoder {
    path: PathBuf,
    ictx: ffmpeg::format::context::Input,
    dec: ffmpeg::decoder::Video,
    stream: usize,
    tb: f64,
    start: i64,
    packet: ffmpeg::Packet,
    frame: ffmpeg::frame::Video,
    eof_sent: bool,
    done: bool,
    decoded: u64,
    max_frames: Option<u64>,
    corrupt: u64,
    max_corrupt: u64,
}

impl std::fmt::Debug for RawDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawDecoder")
            .field("path", &self.path)
            .field("stream", &self.stream)
            .field("decoded", &self.decoded)
            .finish_non_exhaustive()
    }
}

/// Metadata of the frame last returned by [`RawDecoder::next`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawMeta {
    pub(crate) index: u64,
    pub(crate) pts: i64,
    pub(crate) time_s: f64,
    pub(crate) keyframe: bool,
}

impl RawDecoder {
    pub(crate) fn open(
        path: &Path,
        limits: &Limits,
        threads: usize,
        keyframes_only: bool,
        max_corrupt: u64,
    ) -> Result<(Self, VideoInfo)> {
        let info = probe_checked(path, limits)?;
        let ictx = open_input(path)?;
        let st = best_video_stream(&ictx, path)?;
        let stream = st.index();
        let tbr = st.time_base();
        let tb = if tbr.denominator() == 0 {
            0.0
        } else {
            f64::from(tbr.numerator()) / f64::from(tbr.denominator())
        };
        let start = stream_start(&st);
        let par = st.parameters();
        let id = par.id();
        if ffmpeg::decoder::find(id).is_none() {
            return Err(Error::UnsupportedCodec {
                path: path.to_path_buf(),
                codec: id.name().to_string(),
            });
        }
        let mut ctx =
            ffmpeg::codec::Context::from_parameters(par).map_err(|e| Error::decode(path, e))?;
        ctx.set_threading(ffmpeg::threading::Config {
            kind: ffmpeg::threading::Type::Frame,
            count: threads,
            ..Default::default()
        });
        let mut d = ctx.decoder();
        d.set_packet_time_base(tbr);
        if keyframes_only {
            d.skip_frame(ffmpeg::Discard::NonKey);
        }
        let dec = d.video().map_err(|e| match e {
            ffmpeg::Error::DecoderNotFound => Error::UnsupportedCodec {
                path: path.to_path_buf(),
                codec: id.name().to_string(),
            },
            e => Error::decode(path, e),
        })?;
        if dec.width() == 0 || dec.height() == 0 {
            return Err(Error::Probe {
                path: path.to_path_buf(),
                message: "video stream has no frame size".into(),
            });
        }
        Ok((
            RawDecoder {
                path: path.to_path_buf(),
                ictx,
                dec,
                stream,
                tb,
                start,
                packet: ffmpeg::Packet::empty(),
                frame: ffmpeg::frame::Video::empty(),
                eof_sent: false,
                done: false,
                decoded: 0,
                max_frames: limits.max_frames,
                corrupt: 0,
                max_corrupt,
            },
            info,
        ))
    }

    pub(crate) fn decoded(&self) -> u64 {
        self.decoded
    }

    /// Time of a pts in seconds from the stream start.
    pub(crate) fn seconds(&self, pts: i64) -> f64 {
        (pts - self.start) as f64 * self.tb
    }

    /// Decodes the next frame; `Ok(None)` at the end of the stream.
    pub(crate) fn next(&mut self) -> Result<Option<(RawMeta, &ffmpeg::frame::Video)>> {
        if self.done {
            return Ok(None);
        }
        loop {
            match self.dec.receive_frame(&mut self.frame) {
                Ok(()) => {
                    if let Some(l) = self.max_frames
                        && self.decoded >= l
                    {
                        self.done = true;
                        return Err(Error::Limit {
                            path: self.path.clone(),
                            what: "frames",
                            actual: (self.decoded + 1) as f64,
                            limit: l as f64,
                        });
                    }
                    let pts = self
                        .frame
                        .timestamp()
                        .or(self.frame.pts())
                        .unwrap_or(self.start);
                    let meta = RawMeta {
                        index: self.decoded,
                        pts,
                        time_s: self.seconds(pts),
                        keyframe: self.frame.is_key(),
                    };
                    self.decoded += 1;
                    return Ok(Some((meta, &self.frame)));
                }
                Err(ffmpeg::Error::Eof) => {
                    self.done = true;
                    return Ok(None);
                }
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::error::EAGAIN => {}
                Err(ffmpeg::Error::InvalidData) => {
                    self.note_corrupt()?;
                    continue;
                }
                Err(e) => {
                    self.done = true;
                    return Err(Error::decode(&self.path, e));
                }
            }
            if self.eof_sent {
                self.done = true;
                return Ok(None);
            }
            self.feed()?;
        }
    }

    /// Like [`RawDecoder::next`] but hands the frame over (the decoder receives the next one
    /// into a fresh frame), so it can be sent to another thread without copying pixels.
    pub(crate) fn next_owned(&mut self) -> Result<Option<(RawMeta, ffmpeg::frame::Video)>> {
        let meta = match self.next()? {
            Some((meta, _)) => meta,
            None => return Ok(None),
        };
        let frame = std::mem::replace(&mut self.frame, ffmpeg::frame::Video::empty());
        Ok(Some((meta, frame)))
    }

    fn note_corrupt(&mut self) -> Result<()> {
        self.corrupt += 1;
        if self.corrupt > self.max_corrupt {
            self.done = true;
            return Err(Error::Decode {
                path: self.path.clone(),
                message: format!("more than {} corrupt packets", self.max_corrupt),
            });
        }
        Ok(())
    }

    /// Sends the next packet of our stream (or EOF) to the decoder.
    fn feed(&mut self) -> Result<()> {
        loop {
            match self.packet.read(&mut self.ictx) {
                Ok(()) => {
                    if self.packet.stream() != self.stream {
                        continue;
                    }
                    match self.dec.send_packet(&self.packet) {
                        Ok(()) => return Ok(()),
                        Err(ffmpeg::Error::InvalidData) => self.note_corrupt()?,
                        Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::error::EAGAIN => {
                            return Ok(());
                        }
                        Err(e) => {
                            // Other decoder errors on one packet (concealment failed): skip it.
                            self.note_corrupt()
                                .map_err(|_| Error::decode(&self.path, e))?
                        }
                    }
                }
                Err(ffmpeg::Error::InvalidData) => self.note_corrupt()?,
                // End of file, or a read error on a truncated file: flush what was decoded.
                Err(_) => {
                    let _ = self.dec.send_eof();
                    self.eof_sent = true;
                    return Ok(());
                }
            }
        }
    }
}

/// Converts decoded frames to RGB24 (optionally scaled), caching the swscale context.
pub(crate) struct RgbConverter {
    flags: scaling::Flags,
    key: Option<(Pixel, u32, u32, u32, u32)>,
    ctx: Option<scaling::Context>,
    out: ffmpeg::frame::Video,
}

impl std::fmt::Debug for RgbConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RgbConverter")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl RgbConverter {
    /// Bicubic is what OpenCV's FFmpeg capture uses (and so what PySceneDetect sees).
    pub(crate) fn new() -> Self {
        RgbConverter {
            flags: scaling::Flags::BICUBIC,
            key: None,
            ctx: None,
            out: ffmpeg::frame::Video::empty(),
        }
    }

    /// Converts `frame` to RGB24 at its own size and returns the converter's buffer and its row
    /// stride in bytes (rows may be padded), without copying.
    pub(crate) fn convert_in_place(
        &mut self,
        path: &Path,
        frame: &ffmpeg::frame::Video,
    ) -> Result<(&[u8], usize)> {
        self.run(path, frame, None)?;
        Ok((self.out.data(0), self.out.stride(0)))
    }

    fn run(
        &mut self,
        path: &Path,
        frame: &ffmpeg::frame::Video,
        size: Option<(u32, u32)>,
    ) -> Result<(u32, u32)> {
        let (w, h) = (frame.width(), frame.height());
        let (ow, oh) = size.unwrap_or((w, h));
        let key = (frame.format(), w, h, ow, oh);
        if self.key != Some(key) {
            let ctx = scaling::Context::get(frame.format(), w, h, Pixel::RGB24, ow, oh, self.flags)
                .map_err(|e| Error::decode(path, format!("pixel conversion: {e}")))?;
            self.ctx = Some(ctx);
            self.key = Some(key);
            self.out = ffmpeg::frame::Video::empty();
        }
        let ctx = self
            .ctx
            .as_mut()
            .ok_or_else(|| Error::decode(path, "no scaler"))?;
        ctx.run(frame, &mut self.out)
            .map_err(|e| Error::decode(path, format!("pixel conversion: {e}")))?;
        Ok((ow, oh))
    }

    pub(crate) fn convert(
        &mut self,
        path: &Path,
        frame: &ffmpeg::frame::Video,
        size: Option<(u32, u32)>,
    ) -> Result<RgbImage> {
        let (ow, oh) = self.run(path, frame, size)?;
        let stride = self.out.stride(0);
        let data = self.out.data(0);
        let row = ow as usize * 3;
        let mut buf = Vec::with_capacity(row * oh as usize);
        for y in 0..oh as usize {
            buf.extend_from_slice(&data[y * stride..y * stride + row]);
        }
        RgbImage::from_raw(ow, oh, buf).ok_or_else(|| Error::decode(path, "frame size"))
    }
}

/// An iterator over the selected frames of a file's best video stream.
///
/// ```no_run
/// use dataprep_video::{ExtractConfig, FrameReader, Sampling};
/// for frame in FrameReader::open("clip.mp4", &ExtractConfig::new(Sampling::Fps(1.0)))? {
///     let frame = frame?;
///     println!("{} s: {}x{}", frame.time_s, frame.image.width(), frame.image.height());
/// }
/// # Ok::<(), dataprep_video::Error>(())
/// ```
pub struct FrameReader {
    raw: RawDecoder,
    conv: RgbConverter,
    info: VideoInfo,
    sampling: Sampling,
    size: Option<(u32, u32)>,
    next_time: f64,
    targets: Vec<f64>,
    target_pos: usize,
    held: Option<(RawMeta, ffmpeg::frame::Video)>,
    lookahead: Option<(RawMeta, ffmpeg::frame::Video)>,
    path: PathBuf,
    fps: f64,
    yielded: u64,
    finished: bool,
}

impl std::fmt::Debug for FrameReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameReader")
            .field("path", &self.path)
            .field("sampling", &self.sampling)
            .field("size", &self.size)
            .field("yielded", &self.yielded)
            .finish_non_exhaustive()
    }
}

impl FrameReader {
    /// Opens `path` (probing it and checking the limits first).
    ///
    /// # Errors
    /// Open/probe errors, [`Error::Limit`], [`Error::NoStream`],
    /// [`Error::UnsupportedCodec`], [`Error::InvalidParam`] for a bad sampling.
    pub fn open(path: impl AsRef<Path>, cfg: &ExtractConfig) -> Result<Self> {
        match &cfg.sampling {
            Sampling::EveryNth(0) => {
                return Err(Error::InvalidParam("EveryNth(0)".into()));
            }
            Sampling::Fps(f) if !(f.is_finite() && *f > 0.0) => {
                return Err(Error::InvalidParam(format!("fps {f}")));
            }
            Sampling::Timestamps(t) if t.iter().any(|x| !x.is_finite()) => {
                return Err(Error::InvalidParam("non-finite timestamp".into()));
            }
            _ => {}
        }
        if let Some((w, h)) = cfg.size
            && (w == 0 || h == 0)
        {
            return Err(Error::InvalidParam(format!("size {w}x{h}")));
        }
        let keyframes = matches!(cfg.sampling, Sampling::Keyframes);
        let (raw, info) = RawDecoder::open(
            path.as_ref(),
            &cfg.limits,
            cfg.threads,
            keyframes,
            cfg.max_corrupt_packets,
        )?;
        let mut targets = match &cfg.sampling {
            Sampling::Timestamps(t) => t.clone(),
            _ => Vec::new(),
        };
        targets.sort_by(f64::total_cmp);
        let fps = info.video().and_then(|v| v.fps).unwrap_or(0.0);
        Ok(FrameReader {
            raw,
            conv: RgbConverter::new(),
            info,
            sampling: cfg.sampling.clone(),
            size: cfg.size,
            next_time: 0.0,
            targets,
            target_pos: 0,
            held: None,
            lookahead: None,
            path: path.as_ref().to_path_buf(),
            fps,
            yielded: 0,
            finished: false,
        })
    }

    /// What the probe found.
    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    fn step(&mut self) -> Result<Option<Frame>> {
        loop {
            if matches!(self.sampling, Sampling::Timestamps(_)) {
                return self.step_timestamps();
            }
            let Some((meta, frame)) = self.raw.next()? else {
                if self.yielded == 0 && self.raw.decoded() == 0 {
                    return Err(Error::NoFrames {
                        path: self.path.clone(),
                    });
                }
                return Ok(None);
            };
            let (take, index) = match &self.sampling {
                Sampling::All => (true, meta.index),
                Sampling::EveryNth(n) => (meta.index % n == 0, meta.index),
                Sampling::Fps(f) => {
                    // A tiny tolerance so 1/30 s steps land on the frame at k/fps exactly.
                    if meta.time_s + 1e-9 >= self.next_time {
                        self.next_time = ((meta.time_s + 1e-9) * f).floor() / f + 1.0 / f;
                        (true, meta.index)
                    } else {
                        (false, meta.index)
                    }
                }
                Sampling::Keyframes => (true, (meta.time_s * self.fps).round().max(0.0) as u64),
                Sampling::Timestamps(_) => (false, meta.index),
            };
            if take {
                // Re-borrow: `frame` borrows `self.raw`, convert needs `self.conv`.
                let image = self.conv.convert(&self.path, frame, self.size)?;
                self.yielded += 1;
                return Ok(Some(Frame {
                    index,
                    pts: meta.pts,
                    time_s: meta.time_s,
                    keyframe: meta.keyframe,
                    image,
                }));
            }
        }
    }

    fn step_timestamps(&mut self) -> Result<Option<Frame>> {
        if self.target_pos >= self.targets.len() {
            return Ok(None);
        }
        let t = self.targets[self.target_pos] + 1e-9;
        // Read until the look-ahead frame starts after t (or the stream ends); the frame on
        // screen at t is then the last one at or before t.
        loop {
            if let Some(la) = &self.lookahead {
                if la.0.time_s > t {
                    break;
                }
                self.held = self.lookahead.take();
                continue;
            }
            match self.raw.next()? {
                Some((m, f)) => self.lookahead = Some((m, f.clone())),
                None => break,
            }
        }
        let Some((m, f)) = self.held.as_ref().or(self.lookahead.as_ref()) else {
            return Err(Error::NoFrames {
                path: self.path.clone(),
            });
        };
        let image = self.conv.convert(&self.path, f, self.size)?;
        self.target_pos += 1;
        self.yielded += 1;
        Ok(Some(Frame {
            index: m.index,
            pts: m.pts,
            time_s: m.time_s,
            keyframe: m.keyframe,
            image,
        }))
    }
}

impl Iterator for FrameReader {
    type Item = Result<Frame>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.step() {
            Ok(Some(f)) => Some(Ok(f)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

/// Collects the selected frames of `path` into a vector (memory grows with the selection; use
/// [`FrameReader`] to stream).
///
/// # Errors
/// As [`FrameReader::open`], plus decode errors.
pub fn extract_frames(path: impl AsRef<Path>, cfg: &ExtractConfig) -> Result<Vec<Frame>> {
    FrameReader::open(path, cfg)?.collect()
}
