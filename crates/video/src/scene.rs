//! Shot (scene cut) detection computed as PySceneDetect 0.7 does.
//!
//! Frames are decoded to RGB with FFmpeg's bicubic converter (what OpenCV's capture uses),
//! downscaled like `SceneManager`'s auto downscale (factor = larger side / 256 when that side is at
//! least 256, new size `round(side / factor)`, OpenCV `INTER_LINEAR` in its fixed-point form),
//! converted to 8-bit HSV exactly as `cv2.cvtColor(.., COLOR_BGR2HSV)` does (H in 0..180), and
//! scored by the mean absolute difference of each channel between consecutive frames, weighted
//! (1, 1, 1; edges 0). [`ContentDetector`] cuts when the score reaches the threshold (27) subject
//! to PySceneDetect's flash filter (minimum scene length 15 frames, merge mode);
//! [`AdaptiveDetector`] cuts when a frame's score is at least `ratio` (3) times the mean of its
//! `window` (2) neighbours on each side and at least `min_content_val` (15).
//!
//! A cut is the index of the first frame of a new scene.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::frames::{RawDecoder, RgbConverter};
use crate::probe::Limits;

/// OpenCV's `hsv_shift`.
const HSV_SHIFT: u32 = 12;

/// Lookup tables of OpenCV's 8-bit RGB→HSV conversion (`sdiv_table`, `hdiv_table180`).
#[derive(Debug, Clone)]
pub struct HsvTables {
    sdiv: [i32; 256],
    hdiv: [i32; 256],
}

impl Default for HsvTables {
    fn default() -> Self {
        let mut sdiv = [0i32; 256];
        let mut hdiv = [0i32; 256];
        for i in 1..256 {
            // saturate_cast<int>(double) rounds half to even (cvRound).
            sdiv[i] = (f64::from(255u32 << HSV_SHIFT) / i as f64).round_ties_even() as i32;
            hdiv[i] = (f64::from(180u32 << HSV_SHIFT) / (6.0 * i as f64)).round_ties_even() as i32;
        }
        HsvTables { sdiv, hdiv }
    }
}

impl HsvTables {
    /// HSV of one pixel, bit-exact with OpenCV (`H` in 0..=180, `S`, `V` in 0..=255).
    #[inline]
    pub fn hsv(&self, r: u8, g: u8, b: u8) -> [u8; 3] {
        let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
        let v = r.max(g).max(b);
        let vmin = r.min(g).min(b);
        let diff = v - vmin;
        let half = 1 << (HSV_SHIFT - 1);
        let s = (diff * self.sdiv[v as usize] + half) >> HSV_SHIFT;
        let h = if v == r {
            g - b
        } else if v == g {
            b - r + 2 * diff
        } else {
            r - g + 4 * diff
        };
        let mut h = (h * self.hdiv[diff as usize] + half) >> HSV_SHIFT;
        if h < 0 {
            h += 180;
        }
        [h.clamp(0, 255) as u8, s as u8, v as u8]
    }

    /// Splits an interleaved RGB buffer into H, S and V planes.
    pub fn planes(&self, rgb: &[u8], h: &mut Vec<u8>, s: &mut Vec<u8>, v: &mut Vec<u8>) {
        let n = rgb.len() / 3;
        for p in [&mut *h, &mut *s, &mut *v] {
            p.clear();
            p.resize(n, 0);
        }
        let planes = h.iter_mut().zip(s.iter_mut()).zip(v.iter_mut());
        for (px, ((hh, ss), vv)) in rgb.chunks_exact(3).zip(planes) {
            [*hh, *ss, *vv] = self.hsv(px[0], px[1], px[2]);
        }
    }
}

/// PySceneDetect's auto-downscale target size for a `width × height` frame with effective width
/// `effective` (256): unchanged when the larger side is smaller than `effective`.
pub fn downscale_size(width: u32, height: u32, effective: u32) -> (u32, u32) {
    let m = width.max(height);
    if m < effective || effective == 0 {
        return (width, height);
    }
    let f = f64::from(m) / f64::from(effective);
    if f <= 1.0 {
        return (width, height);
    }
    let r = |x: u32| ((f64::from(x) / f).round_ties_even() as u32).max(1);
    (r(width), r(height))
}

/// OpenCV `INTER_RESIZE_COEF_SCALE` (11-bit coefficients).
const COEF_SCALE: f32 = 2048.0;

fn linear_taps(src: u32, dst: u32) -> Vec<(usize, [i32; 2])> {
    let scale = f64::from(src) / f64::from(dst);
    (0..dst)
        .map(|d| {
            let mut fx = ((f64::from(d) + 0.5) * scale - 0.5) as f32;
            let mut sx = fx.floor() as i64;
            fx -= sx as f32;
            if sx < 0 {
                fx = 0.0;
                sx = 0;
            }
            if sx >= i64::from(src) - 1 {
                fx = 0.0;
                sx = i64::from(src) - 1;
            }
            let a0 = ((1.0 - fx) * COEF_SCALE).round_ties_even() as i32;
            (sx as usize, [a0, (COEF_SCALE as i32) - a0])
        })
        .collect()
}

/// OpenCV `cv2.resize(.., INTER_LINEAR)` of an 8-bit 3-channel image, in OpenCV's fixed-point
/// arithmetic (11-bit coefficients; the vertical pass as its SIMD path computes it), bit-exact
/// with `cv2.resize` on our fixtures.
pub fn resize_linear_rgb(src: &[u8], sw: u32, sh: u32, dw: u32, dh: u32) -> Vec<u8> {
    resize_linear_rgb_strided(src, sw as usize * 3, sw, sh, dw, dh)
}

/// [`resize_linear_rgb`] of rows `stride` bytes apart (FFmpeg's padded frame buffers), so a
/// converted frame is read in place instead of being copied first.
pub(crate) fn resize_linear_rgb_strided(
    src: &[u8],
    stride: usize,
    sw: u32,
    sh: u32,
    dw: u32,
    dh: u32,
) -> Vec<u8> {
    let (sw_, dw_) = (sw as usize, dw as usize);
    if (sw, sh) == (dw, dh) {
        return (0..sh as usize)
            .flat_map(|y| &src[y * stride..y * stride + sw_ * 3])
            .copied()
            .collect();
    }
    let xt = linear_taps(sw, dw);
    let yt = linear_taps(sh, dh);
    // Byte offsets of the two horizontal taps of each destination pixel, and their weights.
    let taps: Vec<(usize, usize, i32, i32)> = xt
        .iter()
        .map(|&(sx, [a0, a1])| (sx * 3, (sx + 1).min(sw_ - 1) * 3, a0, a1))
        .collect();
    // Horizontal pass of one source row, cached for the two rows a destination row needs.
    let hrow = |y: usize, out: &mut [i32]| {
        let row = &src[y * stride..y * stride + sw_ * 3];
        for (o, &(p0, p1, a0, a1)) in out.chunks_exact_mut(3).zip(&taps) {
            let (q0, q1) = (&row[p0..p0 + 3], &row[p1..p1 + 3]);
            o[0] = i32::from(q0[0]) * a0 + i32::from(q1[0]) * a1;
            o[1] = i32::from(q0[1]) * a0 + i32::from(q1[1]) * a1;
            o[2] = i32::from(q0[2]) * a0 + i32::from(q1[2]) * a1;
        }
    };
    let n = dw_ * 3;
    let mut out = vec![0u8; n * dh as usize];
    let (mut r0, mut r1) = (vec![0i32; n], vec![0i32; n]);
    let mut cached: (usize, usize) = (usize::MAX, usize::MAX);
    for (orow, &(sy, [b0, b1])) in out.chunks_exact_mut(n).zip(&yt) {
        let y1 = (sy + 1).min(sh as usize - 1);
        if cached != (sy, y1) {
            if cached.1 == sy {
                std::mem::swap(&mut r0, &mut r1);
            } else {
                hrow(sy, &mut r0);
            }
            hrow(y1, &mut r1);
            cached = (sy, y1);
        }
        for ((o, &a), &b) in orow.iter_mut().zip(&r0).zip(&r1) {
            // OpenCV's vectorised vertical pass (`VResizeLinearVec_32s8u`): 16-bit products
            // of the horizontally filtered values shifted by 4, high halves, then >> 2 rounded.
            let v = (((a >> 4) * b0) >> 16) + (((b >> 4) * b1) >> 16);
            *o = ((v + 2) >> 2).clamp(0, 255) as u8;
        }
    }
    out
}

/// Mean absolute difference of two equal-length planes (`_mean_pixel_distance`).
pub fn mean_pixel_distance(a: &[u8], b: &[u8]) -> f64 {
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.len().max(1) as f64
}

/// Channel weights of the content score (PySceneDetect's `Components`; edges are not supported
/// and must be 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Hue.
    pub hue: f64,
    /// Saturation.
    pub sat: f64,
    /// Value (luma).
    pub lum: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            hue: 1.0,
            sat: 1.0,
            lum: 1.0,
        }
    }
}

impl Weights {
    /// Luma only (`luma_only=True`).
    pub fn luma_only() -> Self {
        Weights {
            hue: 0.0,
            sat: 0.0,
            lum: 1.0,
        }
    }
}

/// How the flash filter enforces the minimum scene length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterMode {
    /// Merge cuts closer than the minimum length (PySceneDetect's default).
    Merge,
    /// Suppress cuts until the minimum length has passed.
    Suppress,
}

/// PySceneDetect's `FlashFilter` with a length in frames.
#[derive(Debug, Clone)]
struct FlashFilter {
    mode: FilterMode,
    length: u64,
    last_above: Option<u64>,
    merge_enabled: bool,
    merge_triggered: bool,
    merge_start: Option<u64>,
}

impl FlashFilter {
    fn new(mode: FilterMode, length: u64) -> Self {
        FlashFilter {
            mode,
            length,
            last_above: None,
            merge_enabled: false,
            merge_triggered: false,
            merge_start: None,
        }
    }

    fn filter(&mut self, frame: u64, above: bool) -> Option<u64> {
        if self.length == 0 {
            return above.then_some(frame);
        }
        let last = *self.last_above.get_or_insert(frame);
        let met = |from: u64, to: u64| to.saturating_sub(from) >= self.length;
        let min_length_met = met(last, frame);
        match self.mode {
            FilterMode::Suppress => {
                if above && min_length_met {
                    self.last_above = Some(frame);
                    Some(frame)
                } else {
                    None
                }
            }
            FilterMode::Merge => {
                if above {
                    self.last_above = Some(frame);
                }
                let last = self.last_above.unwrap_or(frame);
                if self.merge_triggered {
                    let start = self.merge_start.unwrap_or(frame);
                    if min_length_met && !above && met(start, last) {
                        self.merge_triggered = false;
                        return Some(last);
                    }
                    return None;
                }
                if !above {
                    return None;
                }
                if min_length_met {
                    self.merge_enabled = true;
                    return Some(frame);
                }
                if self.merge_enabled {
                    self.merge_triggered = true;
                    self.merge_start = Some(frame);
                }
                None
            }
        }
    }
}

/// HSV planes of the previous frame and the score computation shared by both detectors.
#[derive(Debug, Clone, Default)]
struct Scorer {
    weights: Weights,
    last: Option<[Vec<u8>; 3]>,
    cur: [Vec<u8>; 3],
    tables: HsvTables,
}

impl Scorer {
    fn new(weights: Weights) -> Self {
        Scorer {
            weights,
            ..Default::default()
        }
    }

    /// Score of this frame against the previous one (0 for the first frame).
    fn score(&mut self, rgb: &[u8]) -> f64 {
        let [h, s, v] = &mut self.cur;
        self.tables.planes(rgb, h, s, v);
        let score = match &self.last {
            None => 0.0,
            Some(last) => {
                let w = self.weights;
                let comps = [(w.hue, 0usize), (w.sat, 1), (w.lum, 2)];
                let total: f64 = comps.iter().map(|(x, _)| x.abs()).sum();
                let mut acc = 0.0;
                for (wt, i) in comps {
                    if wt != 0.0 {
                        acc += mean_pixel_distance(&self.cur[i], &last[i]) * wt;
                    }
                }
                if total > 0.0 { acc / total } else { 0.0 }
            }
        };
        match &mut self.last {
            Some(last) => std::mem::swap(last, &mut self.cur),
            None => self.last = Some(std::mem::take(&mut self.cur)),
        }
        score
    }
}

/// PySceneDetect's `ContentDetector` over a sequence of frames.
#[derive(Debug, Clone)]
pub struct ContentDetector {
    threshold: f64,
    scorer: Scorer,
    filter: FlashFilter,
}

/// Settings of [`ContentDetector`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContentConfig {
    /// Score threshold (27).
    pub threshold: f64,
    /// Minimum scene length in frames (15).
    pub min_scene_len: u64,
    /// Channel weights (1, 1, 1).
    pub weights: Weights,
    /// Flash filter mode (merge).
    pub filter_mode: FilterMode,
}

impl Default for ContentConfig {
    fn default() -> Self {
        ContentConfig {
            threshold: 27.0,
            min_scene_len: 15,
            weights: Weights::default(),
            filter_mode: FilterMode::Merge,
        }
    }
}

impl ContentConfig {
    /// Sets the threshold.
    pub fn with_threshold(mut self, t: f64) -> Self {
        self.threshold = t;
        self
    }
    /// Sets the minimum scene length in frames.
    pub fn with_min_scene_len(mut self, n: u64) -> Self {
        self.min_scene_len = n;
        self
    }
}

impl ContentDetector {
    /// A detector with `cfg`.
    pub fn new(cfg: ContentConfig) -> Self {
        ContentDetector {
            threshold: cfg.threshold,
            scorer: Scorer::new(cfg.weights),
            filter: FlashFilter::new(cfg.filter_mode, cfg.min_scene_len),
        }
    }

    /// Feeds frame `index` (interleaved RGB, already downscaled); returns its score and a cut
    /// if one is detected now.
    pub fn process(&mut self, index: u64, rgb: &[u8]) -> (f64, Option<u64>) {
        let score = self.scorer.score(rgb);
        (score, self.filter.filter(index, score >= self.threshold))
    }
}

/// Settings of [`AdaptiveDetector`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AdaptiveConfig {
    /// Ratio of a frame's score to its neighbours' mean (3.0).
    pub adaptive_threshold: f64,
    /// Minimum scene length in frames (15).
    pub min_scene_len: u64,
    /// Neighbours on each side (2).
    pub window_width: usize,
    /// Minimum content score (15).
    pub min_content_val: f64,
    /// Channel weights (1, 1, 1).
    pub weights: Weights,
}

impl Default for AdaptiveConfig {
    fn default() -> Self {
        AdaptiveConfig {
            adaptive_threshold: 3.0,
            min_scene_len: 15,
            window_width: 2,
            min_content_val: 15.0,
            weights: Weights::default(),
        }
    }
}

/// PySceneDetect's `AdaptiveDetector`: cuts lag `window_width` frames behind the input.
#[derive(Debug, Clone)]
pub struct AdaptiveDetector {
    cfg: AdaptiveConfig,
    scorer: Scorer,
    buffer: std::collections::VecDeque<(u64, f64)>,
    last_cut: Option<u64>,
}

impl AdaptiveDetector {
    /// A detector with `cfg`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `window_width` is 0.
    pub fn new(cfg: AdaptiveConfig) -> Result<Self> {
        if cfg.window_width == 0 {
            return Err(Error::InvalidParam(
                "window_width must be at least 1".into(),
            ));
        }
        Ok(AdaptiveDetector {
            cfg,
            scorer: Scorer::new(cfg.weights),
            buffer: Default::default(),
            last_cut: None,
        })
    }

    /// Feeds frame `index`; returns its content score and a cut (for an earlier frame) if any.
    pub fn process(&mut self, index: u64, rgb: &[u8]) -> (f64, Option<u64>) {
        let score = self.scorer.score(rgb);
        let last_cut = *self.last_cut.get_or_insert(index);
        let w = self.cfg.window_width;
        let need = 1 + 2 * w;
        self.buffer.push_back((index, score));
        if self.buffer.len() < need {
            return (score, None);
        }
        while self.buffer.len() > need {
            self.buffer.pop_front();
        }
        let (target, target_score) = self.buffer[w];
        let avg: f64 = self
            .buffer
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != w)
            .map(|(_, (_, s))| s)
            .sum::<f64>()
            / (2.0 * w as f64);
        let ratio = if avg.abs() >= 1e-5 {
            (target_score / avg).min(255.0)
        } else if target_score >= self.cfg.min_content_val {
            255.0
        } else {
            0.0
        };
        let threshold_met =
            ratio >= self.cfg.adaptive_threshold && target_score >= self.cfg.min_content_val;
        if threshold_met && target.saturating_sub(last_cut) >= self.cfg.min_scene_len {
            self.last_cut = Some(target);
            return (score, Some(target));
        }
        (score, None)
    }
}

/// Which detector [`detect_shots`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "detector", rename_all = "snake_case")]
pub enum Detector {
    /// [`ContentDetector`].
    Content(ContentConfig),
    /// [`AdaptiveDetector`].
    Adaptive(AdaptiveConfig),
}

impl Default for Detector {
    fn default() -> Self {
        Detector::Content(ContentConfig::default())
    }
}

/// Settings of [`detect_shots`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShotConfig {
    /// The detector (content, PySceneDetect defaults).
    pub detector: Detector,
    /// Effective width of the auto downscale (256); 0 disables downscaling.
    pub effective_width: u32,
    /// Limits checked before decoding.
    pub limits: Limits,
    /// Decoder threads (0 = automatic).
    pub threads: usize,
    /// Keep every frame's content score in the result (false).
    pub keep_scores: bool,
}

impl Default for ShotConfig {
    fn default() -> Self {
        ShotConfig {
            detector: Detector::default(),
            effective_width: 256,
            limits: Limits::default(),
            threads: 0,
            keep_scores: false,
        }
    }
}

impl ShotConfig {
    /// Uses `detector`.
    pub fn with_detector(mut self, detector: Detector) -> Self {
        self.detector = detector;
        self
    }
    /// The adaptive detector with PySceneDetect's defaults.
    pub fn adaptive() -> Self {
        ShotConfig::default().with_detector(Detector::Adaptive(AdaptiveConfig::default()))
    }
    /// Sets the limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
    /// Keeps per-frame scores.
    pub fn with_scores(mut self, keep: bool) -> Self {
        self.keep_scores = keep;
        self
    }
}

/// Result of [`detect_shots`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shots {
    /// Frame rate used to convert frames to seconds (average fps of the stream).
    pub fps: f64,
    /// Frames decoded.
    pub frames: u64,
    /// Cuts: index of the first frame of each new scene, ascending.
    pub cuts_frames: Vec<u64>,
    /// Presentation time (seconds from the stream start) of each cut frame.
    pub cuts_seconds: Vec<f64>,
    /// Per-frame content scores, when asked for.
    pub scores: Vec<f64>,
    /// Time of the end of the last frame, in seconds.
    pub duration_s: f64,
}

impl Shots {
    /// Scenes as half-open frame ranges `[start, end)` covering every frame.
    pub fn scenes_frames(&self) -> Vec<(u64, u64)> {
        let mut b = vec![0];
        b.extend(self.cuts_frames.iter().copied());
        b.push(self.frames);
        b.windows(2)
            .filter(|w| w[1] > w[0])
            .map(|w| (w[0], w[1]))
            .collect()
    }
    /// Scenes as `(start_s, end_s)` in seconds.
    pub fn scenes_seconds(&self) -> Vec<(f64, f64)> {
        let mut b = vec![0.0];
        b.extend(self.cuts_seconds.iter().copied());
        b.push(self.duration_s);
        b.windows(2)
            .filter(|w| w[1] > w[0])
            .map(|w| (w[0], w[1]))
            .collect()
    }
}

enum Running {
    Content(ContentDetector),
    Adaptive(AdaptiveDetector),
}

/// Decodes `path` and detects shot cuts as PySceneDetect does (see the module docs).
///
/// Like PySceneDetect, it overlaps decoding with the per-frame work: one thread decodes, one
/// converts to RGB and downscales, the calling thread scores; stages hand frames over through
/// bounded queues of 4 (memory stays bounded) and in order, so the result does not depend on
/// timing or thread count.
///
/// # Errors
/// Open/probe/limit/decode errors; [`Error::NoFrames`] for an empty stream.
pub fn detect_shots(path: impl AsRef<Path>, cfg: &ShotConfig) -> Result<Shots> {
    let path = path.as_ref();
    let (mut raw, info) = RawDecoder::open(path, &cfg.limits, cfg.threads, false, 100)?;
    let fps = info.video().and_then(|v| v.fps).unwrap_or(0.0);
    let mut det = match cfg.detector {
        Detector::Content(c) => Running::Content(ContentDetector::new(c)),
        Detector::Adaptive(a) => Running::Adaptive(AdaptiveDetector::new(a)?),
    };
    let mut cuts = Vec::new();
    let mut times: Vec<(u64, f64)> = Vec::new();
    let mut scores = Vec::new();
    let mut frames = 0u64;
    let mut last_time = 0.0;
    let mut index = 0u64;
    std::thread::scope(|s| -> Result<()> {
        type Raw = Result<(crate::frames::RawMeta, ffmpeg_next::frame::Video)>;
        type Small = Result<(crate::frames::RawMeta, Vec<u8>)>;
        // Stage 1: decode. Stage 2: RGB conversion and downscale. This thread: HSV and score.
        // A failed send means the next stage stopped (it returned an error): stop too.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Raw>(4);
        let (tx2, rx2) = std::sync::mpsc::sync_channel::<Small>(4);
        s.spawn(move || {
            loop {
                let (msg, end) = match raw.next_owned() {
                    Ok(Some(x)) => (Ok(x), false),
                    Ok(None) => break,
                    Err(e) => (Err(e), true),
                };
                if tx.send(msg).is_err() || end {
                    break;
                }
            }
        });
        let effective_width = cfg.effective_width;
        s.spawn(move || {
            let mut conv = RgbConverter::new();
            let mut frame_size: Option<(u32, u32)> = None;
            for msg in rx {
                let small = msg.and_then(|(meta, frame)| {
                    let (w, h) = (frame.width(), frame.height());
                    // PySceneDetect skips frames whose size differs from the first one.
                    match frame_size {
                        None => frame_size = Some((w, h)),
                        Some(s) if s != (w, h) => return Ok(None),
                        _ => {}
                    }
                    let (rgb, stride) = conv.convert_in_place(path, &frame)?;
                    let (dw, dh) = downscale_size(w, h, effective_width);
                    Ok(Some((
                        meta,
                        resize_linear_rgb_strided(rgb, stride, w, h, dw, dh),
                    )))
                });
                let (msg, end) = match small {
                    Ok(Some(x)) => (Ok(x), false),
                    Ok(None) => continue,
                    Err(e) => (Err(e), true),
                };
                if tx2.send(msg).is_err() || end {
                    break;
                }
            }
        });
        for msg in rx2 {
            let (meta, small) = msg?;
            let (score, cut) = match &mut det {
                Running::Content(d) => d.process(index, &small),
                Running::Adaptive(d) => d.process(index, &small),
            };
            if cfg.keep_scores {
                scores.push(score);
            }
            times.push((index, meta.time_s));
            if let Some(c) = cut {
                cuts.push(c);
            }
            last_time = meta.time_s;
            frames += 1;
            index += 1;
        }
        Ok(())
    })?;
    if frames == 0 {
        return Err(Error::NoFrames {
            path: path.to_path_buf(),
        });
    }
    cuts.sort_unstable();
    cuts.dedup();
    let cuts_seconds = cuts
        .iter()
        .map(|&c| times.get(c as usize).map(|t| t.1).unwrap_or(0.0))
        .collect();
    let dur = last_time + if fps > 0.0 { 1.0 / fps } else { 0.0 };
    Ok(Shots {
        fps,
        frames,
        cuts_frames: cuts,
        cuts_seconds,
        scores,
        duration_s: dur,
    })
}
