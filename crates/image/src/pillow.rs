//! A bit-exact port of Pillow's 8-bit convolution resampler (`Resample.c`) for greyscale images.
//!
//! The perceptual hashes must equal python `imagehash` bit for bit, and imagehash reduces images
//! with Pillow's Lanczos; fast_image_resize matches Pillow to within a grey level, which can flip
//! hash bits near the threshold. This follows Pillow's arithmetic exactly: double-precision
//! weights normalised per output pixel, converted to 22-bit fixed point with round-half-away,
//! a horizontal pass rounded to 8 bits, then a vertical pass.

use image::GrayImage;

use crate::resize::Filter;

const PRECISION_BITS: u32 = 32 - 8 - 2;

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let x = x * std::f64::consts::PI;
        x.sin() / x
    }
}

fn kernel(f: Filter, x: f64) -> f64 {
    match f {
        Filter::Nearest | Filter::Box => {
            if x > -0.5 && x <= 0.5 {
                1.0
            } else {
                0.0
            }
        }
        Filter::Bilinear => {
            let x = x.abs();
            if x < 1.0 { 1.0 - x } else { 0.0 }
        }
        Filter::Hamming => {
            let x = x.abs();
            if x == 0.0 {
                1.0
            } else if x >= 1.0 {
                0.0
            } else {
                let x = x * std::f64::consts::PI;
                x.sin() / x * (0.54 + 0.46 * x.cos())
            }
        }
        Filter::Bicubic => {
            let a = -0.5;
            let x = x.abs();
            if x < 1.0 {
                ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
            } else if x < 2.0 {
                (((x - 5.0) * x + 8.0) * x - 4.0) * a
            } else {
                0.0
            }
        }
        Filter::Lanczos3 => {
            if (-3.0..3.0).contains(&x) {
                sinc(x) * sinc(x / 3.0)
            } else {
                0.0
            }
        }
    }
}

fn support(f: Filter) -> f64 {
    match f {
        Filter::Nearest | Filter::Box => 0.5,
        Filter::Bilinear | Filter::Hamming => 1.0,
        Filter::Bicubic => 2.0,
        Filter::Lanczos3 => 3.0,
    }
}

/// Per output pixel: first input index and fixed-point weights.
fn coeffs(in_size: u32, out_size: u32, f: Filter) -> Vec<(usize, Vec<i32>)> {
    let scale = f64::from(in_size) / f64::from(out_size);
    let filterscale = scale.max(1.0);
    let support = support(f) * filterscale;
    let ss = 1.0 / filterscale;
    (0..out_size)
        .map(|xx| {
            let center = (f64::from(xx) + 0.5) * scale;
            let xmin = ((center - support + 0.5) as i64).max(0) as usize;
            let xmax = ((center + support + 0.5) as i64).min(i64::from(in_size)) as usize;
            let n = xmax.saturating_sub(xmin);
            let mut k: Vec<f64> = (0..n)
                .map(|x| kernel(f, ((x + xmin) as f64 - center + 0.5) * ss))
                .collect();
            let ww: f64 = k.iter().sum();
            if ww != 0.0 {
                for v in &mut k {
                    *v /= ww;
                }
            }
            let fixed = k
                .iter()
                .map(|&v| {
                    let s = v * f64::from(1u32 << PRECISION_BITS);
                    if v < 0.0 {
                        (-0.5 + s) as i32
                    } else {
                        (0.5 + s) as i32
                    }
                })
                .collect();
            (xmin, fixed)
        })
        .collect()
}

fn clip8(v: i32) -> u8 {
    (v >> PRECISION_BITS).clamp(0, 255) as u8
}

/// Resizes a greyscale image exactly as Pillow's `Image.resize((w, h), filter)` does on mode `L`.
pub(crate) fn resize_luma(img: &GrayImage, w: u32, h: u32, f: Filter) -> GrayImage {
    let (iw, ih) = img.dimensions();
    let src = img.as_raw();
    let half = 1i32 << (PRECISION_BITS - 1);
    // Horizontal pass (skipped when the width is unchanged, as Pillow does).
    let (tmp, tw) = if iw == w {
        (src.clone(), iw as usize)
    } else {
        let hc = coeffs(iw, w, f);
        let mut t = vec![0u8; (w * ih) as usize];
        for y in 0..ih as usize {
            let row = &src[y * iw as usize..(y + 1) * iw as usize];
            for (x, (xmin, k)) in hc.iter().enumerate() {
                let mut ss = half;
                for (i, &kv) in k.iter().enumerate() {
                    ss += i32::from(row[xmin + i]) * kv;
                }
                t[y * w as usize + x] = clip8(ss);
            }
        }
        (t, w as usize)
    };
    if ih == h {
        return GrayImage::from_raw(w, h, tmp).unwrap_or_else(|| GrayImage::new(w, h));
    }
    let vc = coeffs(ih, h, f);
    let mut out = vec![0u8; (w * h) as usize];
    for (y, (ymin, k)) in vc.iter().enumerate() {
        for x in 0..tw {
            let mut ss = half;
            for (i, &kv) in k.iter().enumerate() {
                ss += i32::from(tmp[(ymin + i) * tw + x]) * kv;
            }
            out[y * tw + x] = clip8(ss);
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| GrayImage::new(w, h))
}
