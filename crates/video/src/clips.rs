//! Clipping: split a video into clips by detected scenes or fixed durations, with
//! video2dataset's minimum / maximum clip lengths and its three precision modes.
//!
//! Planning is a plain function on times ([`plan_clips`]); [`write_clips`] then cuts the file.
//!
//! **Lengths** (as video2dataset's `ClippingSubsampler`): a span longer than `max_length_s`
//! is split into consecutive pieces of exactly `max_length_s`, plus the remainder; any piece
//! (a whole span or a remainder) that is not *longer* than `min_length_s` is dropped, never
//! merged into a neighbour. With [`MaxLengthStrategy::First`] only the first piece of each span
//! is kept.
//!
//! **Precision** ([`ClipPrecision`]):
//! - `Low` (video2dataset `"low"`): stream copy; the clip starts at the keyframe at or before
//!   the requested start, so it may begin up to a GOP early. Fast, no quality loss.
//! - `KeyframeAdjusted` (`"keyframe_adjusted"`): the span is first moved *inwards* to keyframes
//!   (start → first keyframe at or after it, end → last keyframe at or before it; a span with
//!   fewer than two keyframes is dropped; [`write_clips`] counts the end of the video as one),
//!   and long spans are split at keyframes (the latest
//!   keyframe within `max_length_s`; when a GOP is longer than `max_length_s` the piece ends at
//!   `start + max_length_s` and the next one starts at the next keyframe). Every clip starts at
//!   a keyframe, so stream copy is exact; the reported times are the adjusted ones.
//! - `Exact` (`"exact"`): re-encoded with [`crate::transcode()`] (H.264 by default), keeping
//!   exactly the frames whose timestamps fall in `[start, end)`; the first frame is at time 0.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::timeline::{FrameTimes, TIME_EPS};
use crate::transcode::{EncodeConfig, TimeRange, remux_from_keyframe, transcode};

/// How exactly clip boundaries are honoured (video2dataset's `precision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClipPrecision {
    /// Stream copy from the keyframe at or before the start (video2dataset `"low"`).
    #[default]
    Low,
    /// Boundaries moved to keyframes, then stream copy, which is then exact.
    KeyframeAdjusted,
    /// Re-encode, frame-accurate.
    Exact,
}

/// What to do with a span longer than the maximum length (video2dataset's
/// `max_length_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxLengthStrategy {
    /// Keep every piece (`"all"`).
    #[default]
    All,
    /// Keep only the first piece (`"first"`).
    First,
}

/// Clip settings. Defaults are video2dataset's: no minimum (0 s), no maximum, every piece,
/// `Low` precision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClipConfig {
    /// Pieces not longer than this (seconds) are dropped (0).
    pub min_length_s: f64,
    /// Spans longer than this (seconds) are split into pieces of at most this length (None).
    pub max_length_s: Option<f64>,
    /// Which pieces of a split span to keep.
    pub max_length_strategy: MaxLengthStrategy,
    /// Precision mode.
    pub precision: ClipPrecision,
    /// Encoder for [`ClipPrecision::Exact`] (libx264, CRF 23, preset medium).
    pub encode: EncodeConfig,
    /// Container extension of the clips (`mp4`, `mkv`, …); None uses the input's extension.
    pub container: Option<String>,
}

impl Default for ClipConfig {
    fn default() -> Self {
        ClipConfig {
            min_length_s: 0.0,
            max_length_s: None,
            max_length_strategy: MaxLengthStrategy::All,
            precision: ClipPrecision::Low,
            encode: EncodeConfig::default(),
            container: None,
        }
    }
}

impl ClipConfig {
    /// Sets the precision.
    pub fn with_precision(mut self, p: ClipPrecision) -> Self {
        self.precision = p;
        self
    }
    /// Sets the minimum and maximum lengths in seconds (video2dataset's preset is 4–10 s).
    pub fn with_lengths(mut self, min_s: f64, max_s: Option<f64>) -> Self {
        self.min_length_s = min_s;
        self.max_length_s = max_s;
        self
    }
    /// Sets the max-length strategy.
    pub fn with_max_length_strategy(mut self, s: MaxLengthStrategy) -> Self {
        self.max_length_strategy = s;
        self
    }
    /// Sets the encoder of exact clips.
    pub fn with_encode(mut self, e: EncodeConfig) -> Self {
        self.encode = e;
        self
    }
    /// Sets the clips' container extension.
    pub fn with_container(mut self, ext: impl Into<String>) -> Self {
        self.container = Some(ext.into());
        self
    }
    /// Checks the lengths.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a negative or non-finite minimum, or a maximum that is
    /// not larger than the minimum.
    pub fn validate(&self) -> Result<()> {
        if !(self.min_length_s.is_finite() && self.min_length_s >= 0.0) {
            return Err(Error::InvalidParam(format!(
                "min_length_s {}",
                self.min_length_s
            )));
        }
        if let Some(m) = self.max_length_s
            && !(m.is_finite() && m > self.min_length_s)
        {
            return Err(Error::InvalidParam(format!(
                "max_length_s {m} must be finite and larger than min_length_s {}",
                self.min_length_s
            )));
        }
        Ok(())
    }
}

/// One planned clip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlannedClip {
    /// Index of the input span (scene) it comes from.
    pub span: usize,
    /// Start in seconds.
    pub start_s: f64,
    /// End in seconds (exclusive).
    pub end_s: f64,
}

/// Scenes of `duration_s` seconds cut at `cuts_s` (ascending cut times, a cut being the start of
/// a new scene), as `(start, end)` spans; empty spans are left out.
pub fn spans_from_cuts(cuts_s: &[f64], duration_s: f64) -> Vec<(f64, f64)> {
    let mut b = vec![0.0];
    b.extend(
        cuts_s
            .iter()
            .copied()
            .filter(|&c| c > 0.0 && c < duration_s),
    );
    b.push(duration_s);
    b.windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| (w[0], w[1]))
        .collect()
}

/// Fixed-duration spans `[0, L), [L, 2L), …` covering `duration_s` (the last one shorter).
///
/// # Errors
/// [`Error::InvalidParam`] for a non-positive length.
pub fn fixed_spans(duration_s: f64, length_s: f64) -> Result<Vec<(f64, f64)>> {
    if !(length_s.is_finite() && length_s > 0.0) {
        return Err(Error::InvalidParam(format!("clip length {length_s}")));
    }
    let mut out = Vec::new();
    let mut s = 0.0;
    let mut k = 0u64;
    while s < duration_s - TIME_EPS {
        k += 1;
        let e = (k as f64 * length_s).min(duration_s);
        out.push((s, e));
        s = e;
    }
    Ok(out)
}

/// video2dataset's `_split_time_frame`: `floor(d / max)` pieces of `max`, then the remainder
/// when it is longer than `min`.
fn split_by_time(s: f64, e: f64, min: f64, max: Option<f64>) -> Vec<(f64, f64)> {
    let d = e - s;
    let Some(max) = max else {
        return if d > min { vec![(s, e)] } else { Vec::new() };
    };
    // A tolerance so 10.000000001 / 10 is one piece, not one piece and a 1e-9 remainder.
    let n = ((d + TIME_EPS) / max).floor() as u64;
    let mut out: Vec<(f64, f64)> = (0..n)
        .map(|i| (s + i as f64 * max, s + (i + 1) as f64 * max))
        .collect();
    let rest_start = s + n as f64 * max;
    if e - rest_start > min && e - rest_start > TIME_EPS {
        out.push((rest_start, e));
    }
    out
}

/// Moves a span inwards to keyframes (video2dataset's `_adjust_clip_spans_to_keyframes`).
fn adjust_to_keyframes(s: f64, e: f64, keyframes: &[f64]) -> Option<(f64, f64)> {
    let a = keyframes.partition_point(|&k| k < s - TIME_EPS);
    let b = keyframes.partition_point(|&k| k <= e + TIME_EPS);
    if b == 0 || a >= b {
        return None;
    }
    let (ks, ke) = (keyframes[a], keyframes[b - 1]);
    (ke > ks).then_some((ks, ke))
}

/// Splits a keyframe-aligned span at keyframes into pieces of at most `max`.
fn split_at_keyframes(s: f64, e: f64, min: f64, max: Option<f64>, kf: &[f64]) -> Vec<(f64, f64)> {
    let Some(max) = max else {
        return if e - s > min {
            vec![(s, e)]
        } else {
            Vec::new()
        };
    };
    let mut out = Vec::new();
    let mut cur = s;
    while e - cur > max + TIME_EPS {
        // The latest keyframe in (cur, cur + max].
        let hi = kf.partition_point(|&k| k <= cur + max + TIME_EPS);
        let k = kf[..hi].last().copied().filter(|&k| k > cur + TIME_EPS);
        match k {
            Some(k) => {
                out.push((cur, k));
                cur = k;
            }
            None => {
                out.push((cur, cur + max));
                let next = kf.partition_point(|&k| k < cur + max - TIME_EPS);
                match kf.get(next) {
                    Some(&k) if k < e - TIME_EPS => cur = k,
                    _ => {
                        cur = e;
                        break;
                    }
                }
            }
        }
    }
    if e - cur > TIME_EPS {
        out.push((cur, e));
    }
    out.retain(|(a, b)| b - a > min);
    out
}

/// Plans the clips of `spans` (scenes or fixed spans, in seconds) under `cfg`'s lengths and
/// precision (see the module docs). `keyframes` (ascending keyframe times, e.g.
/// [`FrameTimes::keyframe_times`]) is used only by [`ClipPrecision::KeyframeAdjusted`].
///
/// ```
/// use dataprep_video::clips::{ClipConfig, plan_clips};
/// // video2dataset's 4–10 s preset: 25 s → 10 + 10 + 5; 3 s is too short; 14 s → 10 (+ 4 dropped).
/// let cfg = ClipConfig::default().with_lengths(4.0, Some(10.0));
/// let p = plan_clips(&[(0.0, 25.0), (25.0, 28.0), (28.0, 42.0)], &[], &cfg)?;
/// let t: Vec<_> = p.iter().map(|c| (c.span, c.start_s, c.end_s)).collect();
/// assert_eq!(t, [(0, 0.0, 10.0), (0, 10.0, 20.0), (0, 20.0, 25.0), (2, 28.0, 38.0)]);
/// # Ok::<(), dataprep_video::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParam`] when the config does not validate.
pub fn plan_clips(
    spans: &[(f64, f64)],
    keyframes: &[f64],
    cfg: &ClipConfig,
) -> Result<Vec<PlannedClip>> {
    cfg.validate()?;
    let mut out = Vec::new();
    for (i, &(s, e)) in spans.iter().enumerate() {
        if !(s.is_finite() && e.is_finite()) || e <= s {
            continue;
        }
        let mut pieces = match cfg.precision {
            ClipPrecision::KeyframeAdjusted => match adjust_to_keyframes(s, e, keyframes) {
                Some((a, b)) => {
                    split_at_keyframes(a, b, cfg.min_length_s, cfg.max_length_s, keyframes)
                }
                None => Vec::new(),
            },
            _ => split_by_time(s, e, cfg.min_length_s, cfg.max_length_s),
        };
        if cfg.max_length_strategy == MaxLengthStrategy::First {
            pieces.truncate(1);
        }
        out.extend(pieces.into_iter().map(|(a, b)| PlannedClip {
            span: i,
            start_s: a,
            end_s: b,
        }));
    }
    Ok(out)
}

/// One clip written by [`write_clips`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipReport {
    /// Clip number (file `clip-NNNN.ext`).
    pub index: usize,
    /// Index of the input span (scene) it comes from.
    pub span: usize,
    /// The file written.
    pub path: PathBuf,
    /// Precision used.
    pub precision: ClipPrecision,
    /// Planned start in input seconds (after keyframe adjustment in that mode).
    pub requested_start_s: f64,
    /// Planned end in input seconds.
    pub requested_end_s: f64,
    /// Actual start in input seconds: the first frame copied or encoded (the keyframe at or
    /// before the planned start in `Low` mode).
    pub start_s: f64,
    /// Actual end in input seconds (exclusive).
    pub end_s: f64,
    /// Index of the first frame in the input.
    pub start_frame: u64,
    /// Number of video frames in the clip.
    pub frames: u64,
}

/// Cuts `input` into the clips [`plan_clips`] plans for `spans`, written to
/// `out_dir/clip-NNNN.<ext>` (numbered in plan order). Each file is written to a temporary
/// name first and renamed when complete. In the stream-copy modes every stream of the input is
/// copied, so the clip container must be able to hold them (e.g. SubRip subtitles need MKV, not
/// MP4); `Exact` clips hold the video and the best audio stream.
///
/// # Errors
/// Config, open and encode errors; the first failing clip stops the call.
pub fn write_clips(
    input: impl AsRef<Path>,
    spans: &[(f64, f64)],
    out_dir: impl AsRef<Path>,
    cfg: &ClipConfig,
) -> Result<Vec<ClipReport>> {
    let (input, out_dir) = (input.as_ref(), out_dir.as_ref());
    cfg.validate()?;
    let timeline = FrameTimes::scan(input)?;
    // The end of the video is a boundary stream copy can stop at exactly, like a keyframe.
    let mut keyframes = timeline.keyframe_times();
    keyframes.push(timeline.end_s);
    let plan = plan_clips(spans, &keyframes, cfg)?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let ext = cfg
        .container
        .clone()
        .or_else(|| {
            input
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
        })
        .unwrap_or_else(|| "mkv".into());
    let mut out = Vec::with_capacity(plan.len());
    for (i, c) in plan.iter().enumerate() {
        let path = out_dir.join(format!("clip-{i:04}.{ext}"));
        let range = TimeRange::new(c.start_s, c.end_s);
        let end_s = c.end_s.min(timeline.end_s);
        let (start_s, frames) = match cfg.precision {
            ClipPrecision::Low | ClipPrecision::KeyframeAdjusted => {
                // The keyframe at or before the start (the start itself when adjusted).
                let k = keyframes
                    .iter()
                    .rev()
                    .find(|&&k| k <= c.start_s + TIME_EPS)
                    .copied()
                    .unwrap_or(0.0);
                let r = remux_from_keyframe(input, &path, range, k)?;
                (
                    r.start_s,
                    timeline.frames_in(r.start_s, c.end_s).len() as u64,
                )
            }
            ClipPrecision::Exact => {
                // Start the range at the first frame kept, so audio is cut where video starts.
                let first = timeline.first_at_or_after(c.start_s);
                let t = timeline.times_s.get(first).copied().unwrap_or(c.start_s);
                let range = TimeRange::new(t.min(c.end_s), c.end_s);
                let r = transcode(input, &path, &cfg.encode, Some(range))?;
                (t, r.frames)
            }
        };
        out.push(ClipReport {
            index: i,
            span: c.span,
            path,
            precision: cfg.precision,
            requested_start_s: c.start_s,
            requested_end_s: c.end_s,
            start_s,
            end_s,
            start_frame: timeline.first_at_or_after(start_s) as u64,
            frames,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(p: &[PlannedClip]) -> Vec<(f64, f64)> {
        p.iter().map(|c| (c.start_s, c.end_s)).collect()
    }

    #[test]
    fn video2dataset_lengths() {
        let cfg = ClipConfig::default().with_lengths(2.0, Some(5.0));
        // 12 s → 5 + 5 + 2 (not longer than min: dropped); 2.5 s kept; 2 s dropped.
        let p = plan_clips(&[(0.0, 12.0), (12.0, 14.5), (14.5, 16.5)], &[], &cfg).unwrap();
        assert_eq!(times(&p), [(0.0, 5.0), (5.0, 10.0), (12.0, 14.5)]);
        assert_eq!(p[2].span, 1);
        let first = cfg.with_max_length_strategy(MaxLengthStrategy::First);
        let p = plan_clips(&[(0.0, 12.0)], &[], &first).unwrap();
        assert_eq!(times(&p), [(0.0, 5.0)]);
        // Exactly 2 × max: two pieces, no empty remainder.
        let p = plan_clips(
            &[(1.0, 11.0)],
            &[],
            &ClipConfig::default().with_lengths(0.0, Some(5.0)),
        )
        .unwrap();
        assert_eq!(times(&p), [(1.0, 6.0), (6.0, 11.0)]);
    }

    #[test]
    fn keyframe_adjusted_moves_inwards_and_splits_at_keyframes() {
        let kf = [0.0, 0.4, 0.8, 1.2, 1.6, 2.0, 2.4, 4.0];
        let cfg = ClipConfig::default().with_precision(ClipPrecision::KeyframeAdjusted);
        let p = plan_clips(&[(0.1, 1.3), (1.3, 1.5), (1.5, 4.0)], &kf, &cfg).unwrap();
        // (0.1, 1.3) → (0.4, 1.2); (1.3, 1.5) has no keyframe: dropped; (1.5, 4.0) → (1.6, 4.0).
        assert_eq!(times(&p), [(0.4, 1.2), (1.6, 4.0)]);
        let cfg = cfg.with_lengths(0.0, Some(1.0));
        let p = plan_clips(&[(0.0, 4.0)], &kf, &cfg).unwrap();
        // 0→0.8 (latest keyframe within 1 s), 0.8→1.6, 1.6→2.4, then a 1.6 s GOP: 2.4→3.4, and
        // the next piece would start at keyframe 4.0 = end.
        assert_eq!(times(&p), [(0.0, 0.8), (0.8, 1.6), (1.6, 2.4), (2.4, 3.4)]);
        assert!(p.iter().all(|c| kf.contains(&c.start_s)));
        assert!(p.iter().all(|c| c.end_s - c.start_s <= 1.0 + 1e-9));
    }

    #[test]
    fn spans_and_validation() {
        assert_eq!(
            spans_from_cuts(&[1.0, 2.5], 4.0),
            [(0.0, 1.0), (1.0, 2.5), (2.5, 4.0)]
        );
        assert_eq!(spans_from_cuts(&[], 4.0), [(0.0, 4.0)]);
        assert_eq!(
            fixed_spans(5.0, 2.0).unwrap(),
            [(0.0, 2.0), (2.0, 4.0), (4.0, 5.0)]
        );
        assert!(fixed_spans(5.0, 0.0).is_err());
        assert!(
            ClipConfig::default()
                .with_lengths(4.0, Some(4.0))
                .validate()
                .is_err()
        );
        assert!(
            ClipConfig::default()
                .with_lengths(-1.0, None)
                .validate()
                .is_err()
        );
        assert!(
            plan_clips(
                &[(0.0, 1.0)],
                &[],
                &ClipConfig::default().with_lengths(f64::NAN, None)
            )
            .is_err()
        );
    }

    proptest::proptest! {
        #[test]
        fn pieces_respect_lengths(
            spans in proptest::collection::vec((0.0f64..100.0, 0.0f64..30.0), 0..8),
            min in 0.0f64..3.0,
            extra in 0.1f64..10.0,
            kstep in 0.2f64..5.0,
            adjusted: bool,
        ) {
            let max = min + extra;
            let spans: Vec<(f64, f64)> = spans.iter().map(|&(s, d)| (s, s + d)).collect();
            let kf: Vec<f64> = (0..1000).map(|i| i as f64 * kstep).take_while(|&k| k < 200.0).collect();
            let p = if adjusted { ClipPrecision::KeyframeAdjusted } else { ClipPrecision::Low };
            let cfg = ClipConfig::default().with_lengths(min, Some(max)).with_precision(p);
            for c in plan_clips(&spans, &kf, &cfg).unwrap() {
                let (s, e) = spans[c.span];
                proptest::prop_assert!(c.end_s - c.start_s > min);
                proptest::prop_assert!(c.end_s - c.start_s <= max + 1e-6);
                proptest::prop_assert!(c.start_s >= s - 1e-6 && c.end_s <= e + 1e-6);
                if adjusted {
                    proptest::prop_assert!(kf.iter().any(|k| (k - c.start_s).abs() < 1e-9));
                }
            }
        }
    }
}
