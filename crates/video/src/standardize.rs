//! Standardisation: resize / crop / pad to a target resolution (img2dataset's modes),
//! frame-rate conversion by timestamp (drop or duplicate frames) and pixel format.

use image::imageops::{self, FilterType};
use image::{GrayImage, Rgb, RgbImage};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::frames::Frame;

/// How a frame is fitted to the target size (the names of img2dataset's `resize_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResizeMode {
    /// Stretch to exactly `width × height`, ignoring the aspect ratio.
    Stretch,
    /// Scale so the shorter side fits (aspect kept, output not necessarily the target size).
    KeepRatio,
    /// Scale so the longer side fits (aspect kept, the whole frame inside the target box).
    KeepRatioLargest,
    /// Scale so the shorter side fits, then crop the centre to `width × height`.
    CenterCrop,
    /// Scale so the longer side fits, then pad (letterbox) to `width × height`.
    Border,
}

/// Target resolution and how to reach it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResizeConfig {
    /// Target width.
    pub width: u32,
    /// Target height.
    pub height: u32,
    /// Fitting mode (border).
    pub mode: ResizeMode,
    /// Padding colour for [`ResizeMode::Border`] (black, as video letterboxing).
    pub pad: [u8; 3],
}

impl ResizeConfig {
    /// `width × height` with `mode`, black padding.
    pub fn new(width: u32, height: u32, mode: ResizeMode) -> Self {
        ResizeConfig {
            width,
            height,
            mode,
            pad: [0, 0, 0],
        }
    }
    /// Sets the padding colour.
    pub fn with_pad(mut self, rgb: [u8; 3]) -> Self {
        self.pad = rgb;
        self
    }
}

fn scaled(w: u32, h: u32, s: f64) -> (u32, u32) {
    (
        ((f64::from(w) * s).round() as u32).max(1),
        ((f64::from(h) * s).round() as u32).max(1),
    )
}

/// Resizes one frame (bilinear, `image`'s triangle filter).
///
/// # Errors
/// [`Error::InvalidParam`] for a zero target size.
pub fn resize(img: &RgbImage, cfg: &ResizeConfig) -> Result<RgbImage> {
    let (tw, th) = (cfg.width, cfg.height);
    if tw == 0 || th == 0 {
        return Err(Error::InvalidParam(format!("target size {tw}x{th}")));
    }
    let (w, h) = img.dimensions();
    let f = FilterType::Triangle;
    let sx = f64::from(tw) / f64::from(w);
    let sy = f64::from(th) / f64::from(h);
    let fit = |s: f64| {
        let (nw, nh) = scaled(w, h, s);
        if (nw, nh) == (w, h) {
            img.clone()
        } else {
            imageops::resize(img, nw, nh, f)
        }
    };
    Ok(match cfg.mode {
        ResizeMode::Stretch => {
            if (w, h) == (tw, th) {
                img.clone()
            } else {
                imageops::resize(img, tw, th, f)
            }
        }
        ResizeMode::KeepRatio => fit(sx.max(sy)),
        ResizeMode::KeepRatioLargest => fit(sx.min(sy)),
        ResizeMode::CenterCrop => {
            let r = fit(sx.max(sy));
            let (rw, rh) = r.dimensions();
            let (cw, ch) = (tw.min(rw), th.min(rh));
            imageops::crop_imm(&r, (rw - cw) / 2, (rh - ch) / 2, cw, ch).to_image()
        }
        ResizeMode::Border => {
            let r = fit(sx.min(sy));
            let (rw, rh) = r.dimensions();
            let mut out = RgbImage::from_pixel(tw, th, Rgb(cfg.pad));
            imageops::replace(
                &mut out,
                &r,
                i64::from((tw - rw.min(tw)) / 2),
                i64::from((th - rh.min(th)) / 2),
            );
            out
        }
    })
}

/// Output pixel format of standardised frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PixelFormat {
    /// 8-bit RGB, full range (what the decoder hands over).
    Rgb24,
    /// 8-bit luma (ITU-R 601 weights, as `image`'s `to_luma8`).
    Gray8,
}

/// Converts an RGB frame to grey.
pub fn to_gray(img: &RgbImage) -> GrayImage {
    image::DynamicImage::ImageRgb8(img.clone()).to_luma8()
}

/// Frame-rate conversion by timestamp: for output frame `k` at `k / fps` (for every instant
/// before `duration_s`), the index of the input frame on screen then — the last with time ≤ t
/// (the first one for t before it). Frames are dropped or duplicated as the rates require.
///
/// # Errors
/// [`Error::InvalidParam`] for a non-positive fps.
pub fn retime(times_s: &[f64], fps: f64, duration_s: f64) -> Result<Vec<usize>> {
    if !(fps.is_finite() && fps > 0.0) {
        return Err(Error::InvalidParam(format!("fps {fps}")));
    }
    let mut out = Vec::new();
    if times_s.is_empty() {
        return Ok(out);
    }
    let mut j = 0usize;
    let mut k = 0u64;
    loop {
        let t = k as f64 / fps;
        if t >= duration_s - 1e-9 {
            break;
        }
        while j + 1 < times_s.len() && times_s[j + 1] <= t + 1e-9 {
            j += 1;
        }
        out.push(j);
        k += 1;
    }
    Ok(out)
}

/// Streaming frame-rate converter over [`Frame`]s in presentation order: push frames, take the
/// output frames (re-timed to `k / fps`, with `index` = output frame number) as they become
/// final. Holds one input frame.
#[derive(Debug, Clone)]
pub struct Retimer {
    fps: f64,
    k: u64,
    held: Option<Frame>,
}

impl Retimer {
    /// A converter to `fps`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a non-positive fps.
    pub fn new(fps: f64) -> Result<Self> {
        if !(fps.is_finite() && fps > 0.0) {
            return Err(Error::InvalidParam(format!("fps {fps}")));
        }
        Ok(Retimer {
            fps,
            k: 0,
            held: None,
        })
    }

    fn emit_until(&mut self, until: f64, out: &mut Vec<Frame>) {
        let Some(h) = &self.held else { return };
        loop {
            let t = self.k as f64 / self.fps;
            if t >= until - 1e-9 {
                break;
            }
            let mut f = h.clone();
            f.index = self.k;
            f.time_s = t;
            out.push(f);
            self.k += 1;
        }
    }

    /// Pushes the next input frame; returns the output frames now final.
    pub fn push(&mut self, frame: Frame) -> Vec<Frame> {
        let mut out = Vec::new();
        self.emit_until(frame.time_s, &mut out);
        self.held = Some(frame);
        out
    }

    /// Flushes output frames up to `duration_s`.
    pub fn finish(mut self, duration_s: f64) -> Vec<Frame> {
        let mut out = Vec::new();
        self.emit_until(duration_s, &mut out);
        out
    }
}
