//! Quality checks with scores: size, aspect ratio, blur (variance of the Laplacian) and
//! near-uniform images.

use dataprep_core::Decision;
use image::{DynamicImage, GenericImageView};
use serde::{Deserialize, Serialize};

use crate::hash::to_luma_pillow;

/// Every measured value, so thresholds can be changed without recomputing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QualityScores {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// max(w, h) / min(w, h) (≥ 1).
    pub aspect_ratio: f64,
    /// Variance of the Laplacian of the greyscale image (higher is sharper); OpenCV's
    /// `cv2.Laplacian(grey, CV_64F).var()` with its default reflect-101 border.
    pub laplacian_var: f64,
    /// Standard deviation of the greyscale values (0 for a flat image).
    pub grey_std: f64,
    /// Fraction of pixels within ±8 grey levels of the most common level.
    pub dominant_fraction: f64,
}

/// Computes [`QualityScores`] (greyscale as Pillow's `L`).
pub fn quality_scores(img: &DynamicImage) -> QualityScores {
    let (w, h) = img.dimensions();
    let g = to_luma_pillow(img);
    let px = g.as_raw();
    let n = px.len().max(1) as f64;
    let mean = px.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = px
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    let mut hist = [0usize; 256];
    for &v in px {
        hist[v as usize] += 1;
    }
    let mode = (0..256)
        .max_by_key(|&i| (hist[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    let near: usize = hist[mode.saturating_sub(8)..=(mode + 8).min(255)]
        .iter()
        .sum();
    QualityScores {
        width: w,
        height: h,
        aspect_ratio: if w.min(h) == 0 {
            f64::INFINITY
        } else {
            f64::from(w.max(h)) / f64::from(w.min(h))
        },
        laplacian_var: laplacian_variance(&g),
        grey_std: var.sqrt(),
        dominant_fraction: near as f64 / n,
    }
}

/// Variance of the 4-neighbour Laplacian (`[[0,1,0],[1,-4,1],[0,1,0]]`, OpenCV's `ksize=1`)
/// with reflect-101 borders, as `cv2.Laplacian(img, cv2.CV_64F).var()`.
pub fn laplacian_variance(g: &image::GrayImage) -> f64 {
    let (w, h) = (g.width() as i64, g.height() as i64);
    if w == 0 || h == 0 {
        return 0.0;
    }
    let refl = |i: i64, n: i64| -> i64 {
        if n == 1 {
            0
        } else if i < 0 {
            -i
        } else if i >= n {
            2 * n - 2 - i
        } else {
            i
        }
    };
    let px = g.as_raw();
    let at = |x: i64, y: i64| f64::from(px[(refl(y, h) * w + refl(x, w)) as usize]);
    let (mut s, mut s2) = (0.0f64, 0.0f64);
    for y in 0..h {
        for x in 0..w {
            let l = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y);
            s += l;
            s2 += l * l;
        }
    }
    let n = (w * h) as f64;
    let mean = s / n;
    (s2 / n - mean * mean).max(0.0)
}

/// Thresholds for [`check_quality`]; `None` disables a check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QualityConfig {
    /// Smallest width and height (img2dataset's `min_image_size`; 0 = off).
    pub min_size: u32,
    /// Largest aspect ratio (img2dataset's `max_aspect_ratio`; None).
    pub max_aspect_ratio: Option<f64>,
    /// Smallest variance of the Laplacian; below is `blurry` (None).
    pub min_laplacian_var: Option<f64>,
    /// Smallest grey standard deviation; below is `uniform` (Some(3.0)).
    pub min_grey_std: Option<f64>,
    /// Largest dominant-level fraction; above is `uniform` (None).
    pub max_dominant_fraction: Option<f64>,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig {
            min_size: 0,
            max_aspect_ratio: None,
            min_laplacian_var: None,
            min_grey_std: Some(3.0),
            max_dominant_fraction: None,
        }
    }
}

impl QualityConfig {
    /// Sets the minimum side.
    pub fn with_min_size(mut self, n: u32) -> Self {
        self.min_size = n;
        self
    }
    /// Sets the maximum aspect ratio.
    pub fn with_max_aspect_ratio(mut self, r: f64) -> Self {
        self.max_aspect_ratio = Some(r);
        self
    }
    /// Sets the blur threshold.
    pub fn with_min_laplacian_var(mut self, v: f64) -> Self {
        self.min_laplacian_var = Some(v);
        self
    }
    /// Sets (or disables) the uniformity threshold on the grey standard deviation.
    pub fn with_min_grey_std(mut self, v: Option<f64>) -> Self {
        self.min_grey_std = v;
        self
    }
    /// Sets the dominant-level fraction threshold.
    pub fn with_max_dominant_fraction(mut self, v: f64) -> Self {
        self.max_dominant_fraction = Some(v);
        self
    }
}

/// The verdict for `scores` under `cfg`: drop reasons `too_small`, `aspect_ratio`, `blurry`,
/// `uniform`, checked in that order.
pub fn check_quality(scores: &QualityScores, cfg: &QualityConfig) -> Decision {
    if scores.width.min(scores.height) < cfg.min_size {
        return Decision::drop("too_small");
    }
    if cfg
        .max_aspect_ratio
        .is_some_and(|m| scores.aspect_ratio > m)
    {
        return Decision::drop("aspect_ratio");
    }
    if cfg
        .min_laplacian_var
        .is_some_and(|m| scores.laplacian_var < m)
    {
        return Decision::drop("blurry");
    }
    if cfg.min_grey_std.is_some_and(|m| scores.grey_std < m)
        || cfg
            .max_dominant_fraction
            .is_some_and(|m| scores.dominant_fraction > m)
    {
        return Decision::drop("uniform");
    }
    Decision::Keep
}
