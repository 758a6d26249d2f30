//! The frame timeline of a video from a demux-only pass: every frame's presentation time and
//! keyframe flag, without decoding. Clip planning (keyframe adjustment) and subtitle alignment
//! map times to frame indices with it.

use std::path::Path;

use ffmpeg_next as ffmpeg;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::probe::{best_video_stream, open_input, stream_start};

/// Tolerance in seconds when comparing a time with a frame's timestamp (timestamps converted to
/// seconds carry float noise; frames are always much further apart).
pub const TIME_EPS: f64 = 1e-6;

/// Presentation times (seconds from the stream start, ascending) and keyframe flags of every
/// frame of the best video stream, in presentation order. Frame `i` of this timeline is frame
/// `i` of [`crate::FrameReader`] with [`crate::Sampling::All`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FrameTimes {
    /// Presentation time of each frame in seconds, ascending.
    pub times_s: Vec<f64>,
    /// Whether each frame is a keyframe (a point stream copy can start at).
    pub keyframe: Vec<bool>,
    /// Time at which the last frame ends (last time + the last frame's duration), in seconds.
    pub end_s: f64,
}

impl FrameTimes {
    /// A constant-frame-rate timeline of `frames` frames at `fps`, every frame a keyframe
    /// (for aligning times when no file is at hand).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a non-positive fps.
    pub fn constant(fps: f64, frames: u64) -> Result<Self> {
        if !(fps.is_finite() && fps > 0.0) {
            return Err(Error::InvalidParam(format!("fps {fps}")));
        }
        Ok(FrameTimes {
            times_s: (0..frames).map(|i| i as f64 / fps).collect(),
            keyframe: vec![true; frames as usize],
            end_s: frames as f64 / fps,
        })
    }

    /// Reads the timeline of `path`'s best video stream from packet timestamps (no decoding).
    /// Packets without a timestamp are skipped.
    ///
    /// # Errors
    /// Open errors, [`Error::NoStream`], [`Error::NoFrames`].
    pub fn scan(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let mut ictx = open_input(path)?;
        let (idx, tb, start) = {
            let st = best_video_stream(&ictx, path)?;
            (st.index(), st.time_base(), stream_start(&st))
        };
        let s = if tb.denominator() == 0 {
            0.0
        } else {
            f64::from(tb.numerator()) / f64::from(tb.denominator())
        };
        let mut frames: Vec<(i64, bool, i64)> = Vec::new();
        let mut packet = ffmpeg::Packet::empty();
        loop {
            match packet.read(&mut ictx) {
                Ok(()) => {
                    if packet.stream() == idx
                        && let Some(p) = packet.pts().or(packet.dts())
                    {
                        frames.push((p, packet.is_key(), packet.duration()));
                    }
                }
                Err(ffmpeg::Error::InvalidData) => continue,
                Err(_) => break,
            }
        }
        if frames.is_empty() {
            return Err(Error::NoFrames {
                path: path.to_path_buf(),
            });
        }
        frames.sort_by_key(|f| f.0);
        frames.dedup_by_key(|f| f.0);
        let times_s: Vec<f64> = frames.iter().map(|f| (f.0 - start) as f64 * s).collect();
        let keyframe = frames.iter().map(|f| f.1).collect();
        let n = times_s.len();
        let last_dur = match frames[n - 1].2 {
            d if d > 0 => d as f64 * s,
            _ if n > 1 => times_s[n - 1] - times_s[n - 2],
            _ => 0.0,
        };
        Ok(FrameTimes {
            end_s: times_s[n - 1] + last_dur,
            times_s,
            keyframe,
        })
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.times_s.len()
    }

    /// Whether there is no frame.
    pub fn is_empty(&self) -> bool {
        self.times_s.is_empty()
    }

    /// Times of the keyframes, ascending.
    pub fn keyframe_times(&self) -> Vec<f64> {
        self.times_s
            .iter()
            .zip(&self.keyframe)
            .filter(|(_, k)| **k)
            .map(|(t, _)| *t)
            .collect()
    }

    /// Index of the first frame whose time is at or after `t` (`len()` when none is).
    pub fn first_at_or_after(&self, t: f64) -> usize {
        self.times_s.partition_point(|&x| x < t - TIME_EPS)
    }

    /// Index of the frame on screen at `t`: the last frame whose time is at or before `t`
    /// (`None` before the first frame).
    pub fn on_screen_at(&self, t: f64) -> Option<usize> {
        self.times_s
            .partition_point(|&x| x <= t + TIME_EPS)
            .checked_sub(1)
    }

    /// Frames whose presentation time lies in `[start_s, end_s)`, as a half-open index range.
    pub fn frames_in(&self, start_s: f64, end_s: f64) -> std::ops::Range<usize> {
        let a = self.first_at_or_after(start_s);
        let b = self.first_at_or_after(end_s).max(a);
        a..b
    }
}
