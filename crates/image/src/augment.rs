//! Seeded augmentation: flips, random resized crop, rotation/affine, colour jitter, Gaussian
//! blur and noise, cutout and JPEG re-compression, each applied with a probability.
//!
//! All randomness comes from the RNG passed in; the [`crate::stages::AugmentImageStage`] stage passes
//! the record's RNG (root seed, stage, record key), so the same record and seed give the same
//! output whatever the thread count. Steps run in a fixed order: crop, flips, affine, colour
//! jitter, blur, noise, cutout, JPEG. Images are processed as 8-bit RGB.

use image::{DynamicImage, Rgb, RgbImage};
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::decode::{DecodeOptions, decode};
use crate::encode::{EncodeOptions, encode};
use crate::error::{Error, Result};
use crate::normalize::{hsv_to_rgb, rgb_to_hsv};
use crate::resize::{Filter, resize_exact};

/// torchvision's `RandomResizedCrop`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RandomResizedCrop {
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// Range of the crop's area as a fraction of the image (0.08, 1.0).
    pub scale: (f64, f64),
    /// Range of the crop's aspect ratio w/h (3/4, 4/3), sampled log-uniformly.
    pub ratio: (f64, f64),
    /// Resize filter (bilinear).
    pub filter: Filter,
}

impl RandomResizedCrop {
    /// A `size` × `size` output with torchvision's defaults.
    pub fn new(size: u32) -> Self {
        RandomResizedCrop {
            width: size,
            height: size,
            scale: (0.08, 1.0),
            ratio: (3.0 / 4.0, 4.0 / 3.0),
            filter: Filter::Bilinear,
        }
    }

    /// The crop window (x, y, w, h) for a `w` × `h` image, as torchvision's `get_params`: ten
    /// tries at a random area and log-uniform ratio, then a centred crop clamped to the ratio range.
    pub fn window<R: Rng + ?Sized>(&self, w: u32, h: u32, rng: &mut R) -> (u32, u32, u32, u32) {
        let area = f64::from(w) * f64::from(h);
        let (lr0, lr1) = (self.ratio.0.ln(), self.ratio.1.ln());
        for _ in 0..10 {
            let target = area * rng.random_range(self.scale.0..=self.scale.1);
            let aspect = rng.random_range(lr0..=lr1).exp();
            let cw = (target * aspect).sqrt().round() as u32;
            let ch = (target / aspect).sqrt().round() as u32;
            if cw > 0 && ch > 0 && cw <= w && ch <= h {
                let y = rng.random_range(0..=h - ch);
                let x = rng.random_range(0..=w - cw);
                return (x, y, cw, ch);
            }
        }
        let in_ratio = f64::from(w) / f64::from(h);
        let (cw, ch) = if in_ratio < self.ratio.0 {
            (
                w,
                ((f64::from(w) / self.ratio.0).round() as u32).clamp(1, h),
            )
        } else if in_ratio > self.ratio.1 {
            (
                ((f64::from(h) * self.ratio.1).round() as u32).clamp(1, w),
                h,
            )
        } else {
            (w, h)
        };
        ((w - cw) / 2, (h - ch) / 2, cw, ch)
    }
}

/// Random rotation, scaling and translation (bilinear sampling, `fill` outside).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Affine {
    /// Probability (1).
    pub p: f64,
    /// Rotation uniform in ±degrees (15).
    pub degrees: f64,
    /// Translation uniform in ±fraction of width/height (0).
    pub translate: f64,
    /// Scale range (1, 1).
    pub scale: (f64, f64),
    /// Colour outside the source (black).
    pub fill: [u8; 3],
}

impl Affine {
    /// Rotation only, uniform in ±`degrees`.
    pub fn rotation(degrees: f64) -> Self {
        Affine {
            p: 1.0,
            degrees,
            translate: 0.0,
            scale: (1.0, 1.0),
            fill: [0, 0, 0],
        }
    }
}

/// torchvision's `ColorJitter` factors (each factor uniform in `[1 − x, 1 + x]`, hue shift in
/// `±hue` of a turn), applied in the fixed order brightness, contrast, saturation, hue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ColorJitter {
    /// Probability (1).
    pub p: f64,
    /// Brightness strength.
    pub brightness: f64,
    /// Contrast strength.
    pub contrast: f64,
    /// Saturation strength.
    pub saturation: f64,
    /// Hue shift, at most 0.5.
    pub hue: f64,
}

impl ColorJitter {
    /// Jitter with these strengths, always applied.
    pub fn new(brightness: f64, contrast: f64, saturation: f64, hue: f64) -> Self {
        ColorJitter {
            p: 1.0,
            brightness,
            contrast,
            saturation,
            hue,
        }
    }
}

/// The augmentation recipe; every step is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Augment {
    /// Random resized crop (always applied when set).
    pub random_resized_crop: Option<RandomResizedCrop>,
    /// Probability of a horizontal flip (0).
    pub hflip: f64,
    /// Probability of a vertical flip (0).
    pub vflip: f64,
    /// Rotation / affine.
    pub affine: Option<Affine>,
    /// Colour jitter.
    pub color_jitter: Option<ColorJitter>,
    /// Gaussian blur: (probability, sigma range).
    pub blur: Option<(f64, (f32, f32))>,
    /// Gaussian noise: (probability, standard deviation in grey levels).
    pub noise: Option<(f64, f64)>,
    /// Cutout: (probability, holes, side as a fraction of the shorter side, fill).
    pub cutout: Option<(f64, u32, f64, [u8; 3])>,
    /// JPEG re-compression: (probability, quality range).
    pub jpeg: Option<(f64, (u8, u8))>,
}

impl Augment {
    /// An empty recipe (identity).
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a random resized crop to `size` with torchvision's defaults.
    pub fn with_random_resized_crop(mut self, c: RandomResizedCrop) -> Self {
        self.random_resized_crop = Some(c);
        self
    }
    /// Sets the flip probabilities.
    pub fn with_flips(mut self, horizontal: f64, vertical: f64) -> Self {
        self.hflip = horizontal;
        self.vflip = vertical;
        self
    }
    /// Adds rotation/affine.
    pub fn with_affine(mut self, a: Affine) -> Self {
        self.affine = Some(a);
        self
    }
    /// Adds colour jitter.
    pub fn with_color_jitter(mut self, j: ColorJitter) -> Self {
        self.color_jitter = Some(j);
        self
    }
    /// Adds Gaussian blur with probability `p` and sigma in `sigma`.
    pub fn with_blur(mut self, p: f64, sigma: (f32, f32)) -> Self {
        self.blur = Some((p, sigma));
        self
    }
    /// Adds Gaussian noise with probability `p` and standard deviation `std` grey levels.
    pub fn with_noise(mut self, p: f64, std: f64) -> Self {
        self.noise = Some((p, std));
        self
    }
    /// Adds cutout: `holes` squares of side `fraction` × the shorter side, filled with `fill`.
    pub fn with_cutout(mut self, p: f64, holes: u32, fraction: f64, fill: [u8; 3]) -> Self {
        self.cutout = Some((p, holes, fraction, fill));
        self
    }
    /// Adds JPEG re-compression with quality uniform in `quality`.
    pub fn with_jpeg(mut self, p: f64, quality: (u8, u8)) -> Self {
        self.jpeg = Some((p, quality));
        self
    }
}

fn coin<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    p > 0.0 && rng.random::<f64>() < p
}

fn clamp8(v: f64) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

fn gaussian<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn bilinear(img: &RgbImage, x: f64, y: f64, fill: [u8; 3]) -> Rgb<u8> {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    if x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5 {
        return Rgb(fill);
    }
    let (x, y) = (x.clamp(0.0, w - 1.0), y.clamp(0.0, h - 1.0));
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = (
        (x0 + 1).min(img.width() - 1),
        (y0 + 1).min(img.height() - 1),
    );
    let (fx, fy) = (x - f64::from(x0), y - f64::from(y0));
    let p = |xx, yy| img.get_pixel(xx, yy).0.map(f64::from);
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    Rgb(std::array::from_fn(|k| {
        clamp8(
            a[k] * (1.0 - fx) * (1.0 - fy)
                + b[k] * fx * (1.0 - fy)
                + c[k] * (1.0 - fx) * fy
                + d[k] * fx * fy,
        )
    }))
}

/// Rotates by `degrees` (counter-clockwise), scales by `scale` and shifts by (`tx`, `ty`) pixels
/// about the centre, keeping the size.
pub fn affine(
    img: &RgbImage,
    degrees: f64,
    scale: f64,
    tx: f64,
    ty: f64,
    fill: [u8; 3],
) -> RgbImage {
    let (cx, cy) = (
        f64::from(img.width()) / 2.0 - 0.5,
        f64::from(img.height()) / 2.0 - 0.5,
    );
    let (s, c) = degrees.to_radians().sin_cos();
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let (dx, dy) = (f64::from(x) - cx - tx, f64::from(y) - cy - ty);
        // Inverse of a counter-clockwise rotation in image coordinates (y down).
        let sx = (c * dx - s * dy) / scale + cx;
        let sy = (s * dx + c * dy) / scale + cy;
        bilinear(img, sx, sy, fill)
    })
}

fn jitter<R: Rng + ?Sized>(img: &mut RgbImage, j: &ColorJitter, rng: &mut R) {
    let mut factor = |x: f64| {
        if x > 0.0 {
            rng.random_range((1.0 - x).max(0.0)..=1.0 + x)
        } else {
            1.0
        }
    };
    let (b, c, s) = (
        factor(j.brightness),
        factor(j.contrast),
        factor(j.saturation),
    );
    let hue = if j.hue > 0.0 {
        rng.random_range(-j.hue..=j.hue)
    } else {
        0.0
    };
    let grey = |p: [f64; 3]| 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    for p in img.pixels_mut() {
        let v = p.0.map(|v| (f64::from(v) * b).clamp(0.0, 255.0));
        *p = Rgb(v.map(clamp8));
    }
    if c != 1.0 {
        let n = f64::from(img.width()) * f64::from(img.height());
        let mean = img
            .pixels()
            .map(|p| grey(p.0.map(f64::from)).round())
            .sum::<f64>()
            / n;
        for p in img.pixels_mut() {
            p.0 = p.0.map(|v| clamp8((f64::from(v) - mean) * c + mean));
        }
    }
    if s != 1.0 {
        for p in img.pixels_mut() {
            let g = grey(p.0.map(f64::from));
            p.0 = p.0.map(|v| clamp8((f64::from(v) - g) * s + g));
        }
    }
    if hue != 0.0 {
        for p in img.pixels_mut() {
            let mut hsv = rgb_to_hsv(p.0.map(f32::from));
            hsv[0] = (hsv[0] + hue as f32).rem_euclid(1.0);
            p.0 = hsv_to_rgb(hsv).map(|v| clamp8(f64::from(v)));
        }
    }
}

/// Applies `recipe` to `img` with randomness from `rng`.
///
/// # Errors
/// [`Error::InvalidParam`] for inconsistent ranges; resize/encode failures.
pub fn augment<R: Rng + ?Sized>(
    img: &DynamicImage,
    recipe: &Augment,
    rng: &mut R,
) -> Result<DynamicImage> {
    let mut img = img.to_rgb8();
    if let Some(c) = &recipe.random_resized_crop {
        if !(0.0 < c.scale.0 && c.scale.0 <= c.scale.1 && 0.0 < c.ratio.0 && c.ratio.0 <= c.ratio.1)
        {
            return Err(Error::InvalidParam(format!("random resized crop {c:?}")));
        }
        let (x, y, w, h) = c.window(img.width(), img.height(), rng);
        let cropped = DynamicImage::ImageRgb8(img).crop_imm(x, y, w, h);
        img = resize_exact(&cropped, c.width, c.height, c.filter)?.into_rgb8();
    }
    if coin(rng, recipe.hflip) {
        image::imageops::flip_horizontal_in_place(&mut img);
    }
    if coin(rng, recipe.vflip) {
        image::imageops::flip_vertical_in_place(&mut img);
    }
    if let Some(a) = &recipe.affine
        && coin(rng, a.p)
    {
        let deg = if a.degrees > 0.0 {
            rng.random_range(-a.degrees..=a.degrees)
        } else {
            0.0
        };
        let s = if a.scale.0 < a.scale.1 {
            rng.random_range(a.scale.0..=a.scale.1)
        } else {
            a.scale.0
        };
        if s <= 0.0 {
            return Err(Error::InvalidParam(format!("affine scale {:?}", a.scale)));
        }
        let (mut tx, mut ty) = (0.0, 0.0);
        if a.translate > 0.0 {
            tx = rng.random_range(-a.translate..=a.translate) * f64::from(img.width());
            ty = rng.random_range(-a.translate..=a.translate) * f64::from(img.height());
        }
        img = affine(&img, deg, s, tx, ty, a.fill);
    }
    if let Some(j) = &recipe.color_jitter
        && coin(rng, j.p)
    {
        jitter(&mut img, j, rng);
    }
    if let Some((p, (s0, s1))) = recipe.blur
        && coin(rng, p)
    {
        let sigma = if s0 < s1 {
            rng.random_range(s0..=s1)
        } else {
            s0
        };
        img = image::imageops::blur(&img, sigma);
    }
    if let Some((p, std)) = recipe.noise
        && coin(rng, p)
    {
        for px in img.pixels_mut() {
            for v in &mut px.0 {
                *v = clamp8(f64::from(*v) + std * gaussian(rng));
            }
        }
    }
    if let Some((p, holes, frac, fill)) = recipe.cutout
        && coin(rng, p)
    {
        let (w, h) = img.dimensions();
        let side = ((f64::from(w.min(h)) * frac).round() as u32).clamp(1, w.min(h));
        for _ in 0..holes {
            let x0 = rng.random_range(0..=w - side);
            let y0 = rng.random_range(0..=h - side);
            for y in y0..y0 + side {
                for x in x0..x0 + side {
                    img.put_pixel(x, y, Rgb(fill));
                }
            }
        }
    }
    if let Some((p, (q0, q1))) = recipe.jpeg
        && coin(rng, p)
    {
        let q = if q0 < q1 {
            rng.random_range(q0..=q1)
        } else {
            q0
        };
        let bytes = encode(
            &DynamicImage::ImageRgb8(img),
            &EncodeOptions::default().with_quality(q.max(1)),
            None,
        )?;
        img = decode(&bytes, &DecodeOptions::default())?.image.into_rgb8();
    }
    Ok(DynamicImage::ImageRgb8(img))
}
