//! Normalisation to `f32` tensors (CHW or HWC) with mean/std, torchvision's classification
//! preset, greyscale and HSV conversions.

use image::{DynamicImage, GenericImageView, GrayImage};
use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::resize::{Filter, center_crop, resize_exact};

/// Axis order of an image tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Layout {
    /// Channels, height, width (PyTorch). The default.
    #[default]
    Chw,
    /// Height, width, channels (NumPy/TensorFlow).
    Hwc,
}

/// Per-channel mean and standard deviation, applied to values scaled to 0–1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Channel means (R, G, B).
    pub mean: [f32; 3],
    /// Channel standard deviations (R, G, B).
    pub std: [f32; 3],
}

impl MeanStd {
    /// ImageNet's statistics: mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
    pub const IMAGENET: MeanStd = MeanStd {
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
    };
    /// No change beyond scaling to 0–1.
    pub const IDENTITY: MeanStd = MeanStd {
        mean: [0.0; 3],
        std: [1.0; 3],
    };
    /// Maps to −1…1 (mean 0.5, std 0.5), as many diffusion models expect.
    pub const SYMMETRIC: MeanStd = MeanStd {
        mean: [0.5; 3],
        std: [0.5; 3],
    };
}

/// Converts to an `f32` tensor: `(v / 255 − mean) / std` per channel. RGB(A) images give 3
/// channels (alpha dropped; matte first to keep its effect), greyscale gives 1 (first mean/std).
///
/// # Errors
/// [`Error::InvalidParam`] when a standard deviation is zero or not finite.
pub fn to_tensor(img: &DynamicImage, layout: Layout, norm: &MeanStd) -> Result<Array3<f32>> {
    if norm.std.iter().any(|s| *s == 0.0 || !s.is_finite()) {
        return Err(Error::InvalidParam(format!("std {:?}", norm.std)));
    }
    let (w, h) = img.dimensions();
    let (w, h) = (w as usize, h as usize);
    let (c, px): (usize, Vec<u8>) = if img.color().has_color() {
        (3, img.to_rgb8().into_raw())
    } else {
        (1, img.to_luma8().into_raw())
    };
    let scale: Vec<(f32, f32)> = (0..c)
        .map(|k| (1.0 / (255.0 * norm.std[k]), norm.mean[k] / norm.std[k]))
        .collect();
    let f = |i: usize, k: usize| f32::from(px[i * c + k]) * scale[k].0 - scale[k].1;
    Ok(match layout {
        Layout::Chw => Array3::from_shape_fn((c, h, w), |(k, y, x)| f(y * w + x, k)),
        Layout::Hwc => Array3::from_shape_fn((h, w, c), |(y, x, k)| f(y * w + x, k)),
    })
}

/// torchvision's classification evaluation transform: `Resize(resize)` (shorter side, the longer
/// side `int(resize · long / short)`), `CenterCrop(crop)`, `ToTensor`, `Normalize`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClassificationPreset {
    /// Shorter side after resizing (256).
    pub resize: u32,
    /// Centre crop side (224).
    pub crop: u32,
    /// Filter (bilinear, torchvision's default).
    pub filter: Filter,
    /// Normalisation (ImageNet).
    pub norm: MeanStd,
    /// Tensor layout (CHW).
    pub layout: Layout,
}

impl Default for ClassificationPreset {
    fn default() -> Self {
        ClassificationPreset {
            resize: 256,
            crop: 224,
            filter: Filter::Bilinear,
            norm: MeanStd::IMAGENET,
            layout: Layout::Chw,
        }
    }
}

impl ClassificationPreset {
    /// Sets resize and crop sizes.
    pub fn with_sizes(mut self, resize: u32, crop: u32) -> Self {
        self.resize = resize;
        self.crop = crop;
        self
    }
    /// Sets the normalisation.
    pub fn with_norm(mut self, norm: MeanStd) -> Self {
        self.norm = norm;
        self
    }

    /// The resized (before cropping) dimensions torchvision computes for a `w` × `h` image.
    pub fn resized_dimensions(&self, w: u32, h: u32) -> (u32, u32) {
        let (short, long) = if w <= h { (w, h) } else { (h, w) };
        let new_long = (f64::from(self.resize) * f64::from(long) / f64::from(short)) as u32;
        if w <= h {
            (self.resize, new_long)
        } else {
            (new_long, self.resize)
        }
    }

    /// Applies the preset.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for zero sizes or a bad std; resize failures.
    pub fn apply(&self, img: &DynamicImage) -> Result<Array3<f32>> {
        let (w, h) = self.resized_dimensions(img.width(), img.height());
        let r = resize_exact(img, w, h, self.filter)?;
        let c = center_crop(&r, self.crop, self.crop, [0, 0, 0])?;
        to_tensor(&c, self.layout, &self.norm)
    }
}

/// Greyscale as Pillow's `convert("L")` (ITU-R 601-2 luma, the weights imagehash and most Python
/// code see).
pub fn to_grey(img: &DynamicImage) -> GrayImage {
    crate::hash::to_luma_pillow(img)
}

/// RGB (0–255) to HSV with hue in 0–1 (torchvision's convention), saturation and value in 0–1.
pub fn rgb_to_hsv(rgb: [f32; 3]) -> [f32; 3] {
    let [r, g, b] = rgb.map(|v| v / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let d = max - min;
    let s = if max > 0.0 { d / max } else { 0.0 };
    let h = if d == 0.0 {
        0.0
    } else if max == r {
        ((g - b) / d).rem_euclid(6.0) / 6.0
    } else if max == g {
        ((b - r) / d + 2.0) / 6.0
    } else {
        ((r - g) / d + 4.0) / 6.0
    };
    [h, s, max]
}

/// HSV (all 0–1) back to RGB 0–255.
pub fn hsv_to_rgb(hsv: [f32; 3]) -> [f32; 3] {
    let [h, s, v] = hsv;
    let h6 = h.rem_euclid(1.0) * 6.0;
    let i = h6.floor();
    let f = h6 - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    let (r, g, b) = match i as u32 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    [r * 255.0, g * 255.0, b * 255.0]
}
