//! Resizing with fast_image_resize (Pillow's convolution filters, premultiplied alpha) and
//! img2dataset's resize modes.

use fast_image_resize as fir;
use image::{DynamicImage, GenericImageView, Rgb, RgbImage, Rgba, RgbaImage};
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Resampling filter, with Pillow's support sizes (box 0.5, bilinear 1, hamming 1, bicubic 2 with
/// a = −0.5, lanczos 3), support scaled by the reduction factor when downscaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Filter {
    /// Nearest neighbour (`Image.NEAREST`).
    Nearest,
    /// Box / area average (`Image.BOX`).
    Box,
    /// Triangle (`Image.BILINEAR`).
    Bilinear,
    /// Hamming-windowed (`Image.HAMMING`).
    Hamming,
    /// Bicubic, a = −0.5 (`Image.BICUBIC`).
    Bicubic,
    /// Lanczos, 3 lobes (`Image.LANCZOS`). The default.
    #[default]
    Lanczos3,
}

impl Filter {
    /// Parses `nearest`, `box`, `bilinear`, `hamming`, `bicubic`, `lanczos`/`lanczos3`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for other names.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "nearest" => Filter::Nearest,
            "box" | "area" => Filter::Box,
            "bilinear" | "linear" => Filter::Bilinear,
            "hamming" => Filter::Hamming,
            "bicubic" | "cubic" => Filter::Bicubic,
            "lanczos" | "lanczos3" => Filter::Lanczos3,
            other => {
                return Err(Error::InvalidParam(format!("unknown filter {other:?}")));
            }
        })
    }

    /// All filters, for benches and tests.
    pub const ALL: [Filter; 6] = [
        Filter::Nearest,
        Filter::Box,
        Filter::Bilinear,
        Filter::Hamming,
        Filter::Bicubic,
        Filter::Lanczos3,
    ];

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Filter::Nearest => "nearest",
            Filter::Box => "box",
            Filter::Bilinear => "bilinear",
            Filter::Hamming => "hamming",
            Filter::Bicubic => "bicubic",
            Filter::Lanczos3 => "lanczos3",
        }
    }

    fn alg(self) -> fir::ResizeAlg {
        use fir::FilterType as F;
        match self {
            Filter::Nearest => fir::ResizeAlg::Nearest,
            Filter::Box => fir::ResizeAlg::Convolution(F::Box),
            Filter::Bilinear => fir::ResizeAlg::Convolution(F::Bilinear),
            Filter::Hamming => fir::ResizeAlg::Convolution(F::Hamming),
            Filter::Bicubic => fir::ResizeAlg::Convolution(F::CatmullRom),
            Filter::Lanczos3 => fir::ResizeAlg::Convolution(F::Lanczos3),
        }
    }
}

/// Resizes to exactly `width` × `height` (like `PIL.Image.resize`). RGBA is premultiplied by
/// alpha while filtering, as Pillow does. Supports 8-bit Luma, LumaA, RGB and RGBA; other
/// layouts are converted to RGB(A) 8-bit first.
///
/// # Errors
/// [`Error::InvalidParam`] for a zero size; [`Error::Resize`] if the resizer fails.
pub fn resize_exact(
    img: &DynamicImage,
    width: u32,
    height: u32,
    filter: Filter,
) -> Result<DynamicImage> {
    if width == 0 || height == 0 {
        return Err(Error::InvalidParam(format!("resize to {width}x{height}")));
    }
    let converted;
    let src = match img {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_) => img,
        other if other.color().has_alpha() => {
            converted = DynamicImage::ImageRgba8(other.to_rgba8());
            &converted
        }
        other => {
            converted = DynamicImage::ImageRgb8(other.to_rgb8());
            &converted
        }
    };
    if src.dimensions() == (width, height) {
        return Ok(src.clone());
    }
    let mut dst = DynamicImage::new(width, height, src.color());
    let opts = fir::ResizeOptions::new()
        .resize_alg(filter.alg())
        .use_alpha(true);
    fir::Resizer::new()
        .resize(src, &mut dst, &opts)
        .map_err(|e| Error::Resize(e.to_string()))?;
    Ok(dst)
}

/// img2dataset's resize modes, plus `stretch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResizeMode {
    /// Keep the image as it is.
    No,
    /// Longest side to `size`, then pad to `size` × `size` with the padding colour (default).
    #[default]
    Border,
    /// Shortest side to `size`, aspect ratio kept.
    KeepRatio,
    /// Longest side to `size`, aspect ratio kept.
    KeepRatioLargest,
    /// Shortest side to `size`, then the centre `size` × `size`.
    CenterCrop,
    /// Exactly `width` × `height`, aspect ratio ignored (`PIL.Image.resize`).
    Stretch,
}

impl ResizeMode {
    /// Parses img2dataset's names (`no`, `border`, `keep_ratio`, `keep_ratio_largest`,
    /// `center_crop`) and `stretch`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for other names.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "no" => ResizeMode::No,
            "border" => ResizeMode::Border,
            "keep_ratio" => ResizeMode::KeepRatio,
            "keep_ratio_largest" => ResizeMode::KeepRatioLargest,
            "center_crop" => ResizeMode::CenterCrop,
            "stretch" => ResizeMode::Stretch,
            other => {
                return Err(Error::InvalidParam(format!(
                    "unknown resize mode {other:?}"
                )));
            }
        })
    }
}

/// Resize settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResizeConfig {
    /// Target width (`size` for the square modes).
    pub width: u32,
    /// Target height (used by `stretch`; the square modes use `width`).
    pub height: u32,
    /// The mode (`border`).
    pub mode: ResizeMode,
    /// The filter (lanczos3).
    pub filter: Filter,
    /// Padding colour for `border` (white).
    pub pad: [u8; 3],
    /// Only shrink: leave images already within the target alone (img2dataset's
    /// `resize_only_if_bigger`; false).
    pub only_if_bigger: bool,
}

impl Default for ResizeConfig {
    fn default() -> Self {
        ResizeConfig {
            width: 256,
            height: 256,
            mode: ResizeMode::Border,
            filter: Filter::Lanczos3,
            pad: [255, 255, 255],
            only_if_bigger: false,
        }
    }
}

impl ResizeConfig {
    /// A square target of `size` with `mode`.
    pub fn new(size: u32, mode: ResizeMode) -> Self {
        ResizeConfig {
            width: size,
            height: size,
            mode,
            ..Default::default()
        }
    }
    /// Sets the filter.
    pub fn with_filter(mut self, f: Filter) -> Self {
        self.filter = f;
        self
    }
    /// Sets width and height (for `stretch`).
    pub fn with_dimensions(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }
    /// Sets the padding colour.
    pub fn with_pad(mut self, rgb: [u8; 3]) -> Self {
        self.pad = rgb;
        self
    }
    /// Only shrinks.
    pub fn with_only_if_bigger(mut self, on: bool) -> Self {
        self.only_if_bigger = on;
        self
    }

    /// The smallest decoded size of a `width` × `height` (upright) image that still leaves this
    /// resize a reduction of at least `reducing_gap` in both axes, for
    /// [`crate::DecodeOptions::draft`]: 2.0 is the default of Pillow's `Image.thumbnail`, 1.0
    /// lets the DCT scaling do all of the reduction it can (what `Image.draft` alone does).
    /// `None` when the resize keeps the image as it is, or shrinks it by less than the gap.
    ///
    /// Decoding smaller changes the pixels the filter sees, so the output differs slightly from
    /// resizing the full image (and by a pixel in size where rounding differs);
    /// `docs/image.md` gives the measured PSNR. Use it when throughput matters more than
    /// bit-exactness with a full decode.
    ///
    /// ```
    /// use dataprep_image::{ResizeConfig, ResizeMode};
    /// let border = ResizeConfig::new(256, ResizeMode::Border);
    /// assert_eq!(border.draft_size(4000, 3000, 2.0), Some((512, 384)));
    /// assert_eq!(border.draft_size(4000, 3000, 1.0), Some((256, 192)));
    /// assert_eq!(border.draft_size(400, 300, 2.0), None);
    /// ```
    pub fn draft_size(&self, width: u32, height: u32, reducing_gap: f64) -> Option<(u32, u32)> {
        if width == 0 || height == 0 || self.width == 0 || self.height == 0 {
            return None;
        }
        let gap = if reducing_gap.is_finite() {
            reducing_gap.max(1.0)
        } else {
            1.0
        };
        let (w, h) = (f64::from(width), f64::from(height));
        let (sx, sy) = match self.mode {
            ResizeMode::No => return None,
            ResizeMode::Stretch => (f64::from(self.width) / w, f64::from(self.height) / h),
            ResizeMode::Border | ResizeMode::KeepRatioLargest => {
                let s = f64::from(self.width) / w.max(h);
                (s, s)
            }
            ResizeMode::KeepRatio | ResizeMode::CenterCrop => {
                let s = f64::from(self.width) / w.min(h);
                (s, s)
            }
        };
        let need = ((gap * sx * w).ceil() as u32, (gap * sy * h).ceil() as u32);
        (need.0 < width && need.1 < height).then_some(need)
    }
}

/// Python's `round` (half to even) of `dim * scale`, at least 1.
fn scaled(dim: u32, scale: f64) -> u32 {
    ((f64::from(dim) * scale).round_ties_even() as u32).max(1)
}

/// Scales so that `pick(w, h)` becomes `size`, as albumentations' `smallest_max_size` /
/// `longest_max_size` (used by img2dataset) do.
fn max_size(img: &DynamicImage, size: u32, largest: bool, filter: Filter) -> Result<DynamicImage> {
    let (w, h) = img.dimensions();
    let side = if largest { w.max(h) } else { w.min(h) };
    let scale = f64::from(size) / f64::from(side);
    if scale == 1.0 {
        return Ok(img.clone());
    }
    resize_exact(img, scaled(w, scale), scaled(h, scale), filter)
}

/// Copies the window (`x`, `y`, `w`, `h`) out of `img`.
///
/// # Errors
/// [`Error::InvalidParam`] if the window is empty or leaves the image.
pub fn crop(img: &DynamicImage, x: u32, y: u32, w: u32, h: u32) -> Result<DynamicImage> {
    let (iw, ih) = img.dimensions();
    if w == 0
        || h == 0
        || u64::from(x) + u64::from(w) > u64::from(iw)
        || u64::from(y) + u64::from(h) > u64::from(ih)
    {
        return Err(Error::InvalidParam(format!(
            "crop {w}x{h}+{x}+{y} outside a {iw}x{ih} image"
        )));
    }
    Ok(img.crop_imm(x, y, w, h))
}

/// The centre `w` × `h` window, placed as torchvision's `CenterCrop` does
/// (`round((H − h) / 2)`, half to even); an image smaller than the window is padded with `pad`
/// first, as torchvision pads with zeros (pass black for parity).
///
/// # Errors
/// [`Error::InvalidParam`] for a zero window.
pub fn center_crop(img: &DynamicImage, w: u32, h: u32, pad: [u8; 3]) -> Result<DynamicImage> {
    let (iw, ih) = img.dimensions();
    if w == 0 || h == 0 {
        return Err(Error::InvalidParam("empty crop".into()));
    }
    let img = if iw < w || ih < h {
        let (pw, ph) = (iw.max(w), ih.max(h));
        let left = (pw - iw) / 2;
        let top = (ph - ih) / 2;
        pad_to(img, pw, ph, left, top, pad)
    } else {
        img.clone()
    };
    let (iw, ih) = img.dimensions();
    let top = (f64::from(ih - h) / 2.0).round_ties_even() as u32;
    let left = (f64::from(iw - w) / 2.0).round_ties_even() as u32;
    crop(&img, left, top, w, h)
}

/// A uniformly placed `w` × `h` window (the image is returned whole if smaller).
///
/// # Errors
/// [`Error::InvalidParam`] for a zero window.
pub fn random_crop<R: Rng + ?Sized>(
    img: &DynamicImage,
    w: u32,
    h: u32,
    rng: &mut R,
) -> Result<DynamicImage> {
    let (iw, ih) = img.dimensions();
    let (w, h) = (w.min(iw), h.min(ih));
    if w == 0 || h == 0 {
        return Err(Error::InvalidParam("empty crop".into()));
    }
    let x = rng.random_range(0..=iw - w);
    let y = rng.random_range(0..=ih - h);
    crop(img, x, y, w, h)
}

/// Places `img` at (`left`, `top`) on a `w` × `h` canvas of colour `pad` (opaque).
pub fn pad_to(
    img: &DynamicImage,
    w: u32,
    h: u32,
    left: u32,
    top: u32,
    pad: [u8; 3],
) -> DynamicImage {
    if img.color().has_alpha() {
        let mut c = RgbaImage::from_pixel(w, h, Rgba([pad[0], pad[1], pad[2], 255]));
        image::imageops::replace(&mut c, &img.to_rgba8(), i64::from(left), i64::from(top));
        DynamicImage::ImageRgba8(c)
    } else {
        let mut c = RgbImage::from_pixel(w, h, Rgb(pad));
        image::imageops::replace(&mut c, &img.to_rgb8(), i64::from(left), i64::from(top));
        DynamicImage::ImageRgb8(c)
    }
}

/// Resizes as img2dataset does for each mode (albumentations' `smallest_max_size`,
/// `longest_max_size`, `center_crop` and `pad` arithmetic), with one filter for up- and
/// downscaling.
///
/// # Errors
/// [`Error::InvalidParam`] for a zero target; [`Error::Resize`] on resizer failure.
pub fn resize(img: &DynamicImage, cfg: &ResizeConfig) -> Result<DynamicImage> {
    let size = cfg.width;
    if size == 0 || cfg.height == 0 {
        return Err(Error::InvalidParam("resize target of 0".into()));
    }
    let (w, h) = img.dimensions();
    let f = cfg.filter;
    match cfg.mode {
        ResizeMode::No => Ok(img.clone()),
        ResizeMode::Stretch => {
            if cfg.only_if_bigger && w <= cfg.width && h <= cfg.height {
                return Ok(img.clone());
            }
            resize_exact(img, cfg.width, cfg.height, f)
        }
        ResizeMode::KeepRatio => {
            if cfg.only_if_bigger && w.min(h) <= size {
                return Ok(img.clone());
            }
            max_size(img, size, false, f)
        }
        ResizeMode::KeepRatioLargest => {
            if cfg.only_if_bigger && w.max(h) <= size {
                return Ok(img.clone());
            }
            max_size(img, size, true, f)
        }
        ResizeMode::CenterCrop => {
            let r = if cfg.only_if_bigger && w.min(h) <= size {
                img.clone()
            } else {
                max_size(img, size, false, f)?
            };
            let (rw, rh) = r.dimensions();
            if rw < size || rh < size {
                return Ok(r);
            }
            crop(&r, (rw - size) / 2, (rh - size) / 2, size, size)
        }
        ResizeMode::Border => {
            let r = if cfg.only_if_bigger && w.max(h) <= size {
                img.clone()
            } else {
                max_size(img, size, true, f)?
            };
            let (rw, rh) = r.dimensions();
            if rw >= size && rh >= size {
                return Ok(r);
            }
            let (pw, ph) = (rw.max(size), rh.max(size));
            Ok(pad_to(&r, pw, ph, (pw - rw) / 2, (ph - rh) / 2, cfg.pad))
        }
    }
}
