//! Exact and perceptual hashes (aHash, dHash, pHash bit for bit as python `imagehash`) and
//! Hamming-distance grouping of near duplicates with a BK-tree.

use std::fmt;

use image::{DynamicImage, GrayImage};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::resize::Filter;

/// A 64-bit perceptual hash; bit 63 is the first (top-left) cell, as in imagehash's string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ImageHash(pub u64);

impl ImageHash {
    /// Number of differing bits.
    pub fn distance(self, other: ImageHash) -> u32 {
        (self.0 ^ other.0).count_ones()
    }

    /// Parses imagehash's 16-hex-digit string.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] if it is not 16 hex digits.
    pub fn from_hex(s: &str) -> Result<Self> {
        if s.len() != 16 {
            return Err(Error::InvalidParam(format!(
                "hash {s:?} is not 16 hex digits"
            )));
        }
        u64::from_str_radix(s, 16)
            .map(ImageHash)
            .map_err(|e| Error::InvalidParam(format!("hash {s:?}: {e}")))
    }

    fn from_bits(bits: impl Iterator<Item = bool>) -> Self {
        ImageHash(bits.fold(0u64, |acc, b| (acc << 1) | u64::from(b)))
    }
}

impl fmt::Display for ImageHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Greyscale as Pillow's `convert("L")`: `(19595 R + 38470 G + 7471 B + 0x8000) >> 16`; alpha is
/// ignored (as Pillow does), greyscale images are used as they are.
pub fn to_luma_pillow(img: &DynamicImage) -> GrayImage {
    match img {
        DynamicImage::ImageLuma8(g) => g.clone(),
        DynamicImage::ImageLumaA8(g) => GrayImage::from_fn(g.width(), g.height(), |x, y| {
            image::Luma([g.get_pixel(x, y)[0]])
        }),
        DynamicImage::ImageRgba8(rgba) => {
            GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
                let p = rgba.get_pixel(x, y);
                image::Luma([pillow_l(p[0], p[1], p[2])])
            })
        }
        other => {
            let rgb = other.to_rgb8();
            GrayImage::from_fn(rgb.width(), rgb.height(), |x, y| {
                let p = rgb.get_pixel(x, y);
                image::Luma([pillow_l(p[0], p[1], p[2])])
            })
        }
    }
}

fn pillow_l(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000) >> 16) as u8
}

fn grey_resized(img: &DynamicImage, w: u32, h: u32) -> Result<GrayImage> {
    if img.width() == 0 || img.height() == 0 {
        return Err(Error::InvalidParam("empty image".into()));
    }
    Ok(crate::pillow::resize_luma(
        &to_luma_pillow(img),
        w,
        h,
        Filter::Lanczos3,
    ))
}

/// imagehash's `average_hash`: greyscale, 8×8 Lanczos, each cell brighter than the mean.
///
/// # Errors
/// [`Error::InvalidParam`] for an empty image.
pub fn ahash(img: &DynamicImage) -> Result<ImageHash> {
    let g = grey_resized(img, 8, 8)?;
    let px = g.as_raw();
    let mean = px.iter().map(|&v| f64::from(v)).sum::<f64>() / 64.0;
    Ok(ImageHash::from_bits(
        px.iter().map(|&v| f64::from(v) > mean),
    ))
}

/// imagehash's `dhash`: greyscale, 9×8 Lanczos, each cell brighter than its left neighbour.
///
/// # Errors
/// [`Error::InvalidParam`] for an empty image.
pub fn dhash(img: &DynamicImage) -> Result<ImageHash> {
    let g = grey_resized(img, 9, 8)?;
    let px = g.as_raw();
    Ok(ImageHash::from_bits((0..8).flat_map(|y| {
        (0..8).map(move |x| px[y * 9 + x + 1] > px[y * 9 + x])
    })))
}

/// imagehash's `phash`: greyscale, 32×32 Lanczos, 2-D DCT-II (scipy.fftpack, unnormalised), the
/// top-left 8×8 coefficients compared with their median.
///
/// # Errors
/// [`Error::InvalidParam`] for an empty image.
pub fn phash(img: &DynamicImage) -> Result<ImageHash> {
    const N: usize = 32;
    let g = grey_resized(img, N as u32, N as u32)?;
    let px: Vec<f64> = g.as_raw().iter().map(|&v| f64::from(v)).collect();
    let cos: Vec<f64> = (0..8 * N)
        .map(|i| {
            let (k, n) = (i / N, i % N);
            (std::f64::consts::PI * k as f64 * (2 * n + 1) as f64 / (2 * N) as f64).cos()
        })
        .collect();
    // DCT along axis 0 (down the columns), first 8 rows of the result.
    let mut a = [[0f64; N]; 8];
    for (k, row) in a.iter_mut().enumerate() {
        for (x, cell) in row.iter_mut().enumerate() {
            *cell = 2.0 * (0..N).map(|y| px[y * N + x] * cos[k * N + y]).sum::<f64>();
        }
    }
    // Then along axis 1, first 8 columns.
    let mut low = [0f64; 64];
    for k in 0..8 {
        for l in 0..8 {
            low[k * 8 + l] = 2.0 * (0..N).map(|x| a[k][x] * cos[l * N + x]).sum::<f64>();
        }
    }
    // scipy's FFT-based DCT returns exact zeros for coefficients that vanish by symmetry (flat
    // or periodic images); the direct sum leaves ±1e-10 noise there, which would decide bits
    // against the median. Snap that noise to zero, relative to the DC term.
    let eps = 1e-9 * low[0].abs().max(1.0);
    for v in &mut low {
        if v.abs() < eps {
            *v = 0.0;
        }
    }
    let mut sorted = low;
    sorted.sort_by(f64::total_cmp);
    let median = (sorted[31] + sorted[32]) / 2.0;
    Ok(ImageHash::from_bits(low.iter().map(|&v| v > median)))
}

/// An exact content hash of the decoded pixels (xxh3-128 over dimensions, layout and bytes), as
/// 32 hex digits: equal for the same pixels whatever the file format.
pub fn pixel_hash(img: &DynamicImage) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&img.width().to_le_bytes());
    h.update(&img.height().to_le_bytes());
    h.update(format!("{:?}", img.color()).as_bytes());
    h.update(img.as_bytes());
    format!("{:032x}", h.digest128())
}

/// A BK-tree over 64-bit hashes with the Hamming metric.
#[derive(Debug, Clone, Default)]
pub struct BkTree {
    nodes: Vec<BkNode>,
}

#[derive(Debug, Clone)]
struct BkNode {
    hash: u64,
    id: usize,
    children: Vec<(u32, usize)>,
}

impl BkTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of hashes held.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Adds `hash` with the caller's `id`.
    pub fn insert(&mut self, hash: ImageHash, id: usize) {
        let new = self.nodes.len();
        self.nodes.push(BkNode {
            hash: hash.0,
            id,
            children: Vec::new(),
        });
        if new == 0 {
            return;
        }
        let mut at = 0;
        loop {
            let d = (self.nodes[at].hash ^ hash.0).count_ones();
            match self.nodes[at].children.iter().find(|c| c.0 == d) {
                Some(&(_, next)) => at = next,
                None => {
                    self.nodes[at].children.push((d, new));
                    return;
                }
            }
        }
    }

    /// Ids of all hashes within `max_distance` of `hash`, in ascending id order.
    pub fn within(&self, hash: ImageHash, max_distance: u32) -> Vec<(usize, u32)> {
        let mut out = Vec::new();
        if self.nodes.is_empty() {
            return out;
        }
        let mut stack = vec![0usize];
        while let Some(i) = stack.pop() {
            let n = &self.nodes[i];
            let d = (n.hash ^ hash.0).count_ones();
            if d <= max_distance {
                out.push((n.id, d));
            }
            for &(cd, c) in &n.children {
                if cd + max_distance >= d && cd <= d + max_distance {
                    stack.push(c);
                }
            }
        }
        out.sort_unstable();
        out
    }
}

/// Groups near duplicates: images whose hashes are within `max_distance` bits are linked and the
/// connected components are the groups. Returns, for each input, its group id — the smallest
/// index in its group — so the first occurrence names the group and the output is deterministic.
pub fn near_duplicate_groups(hashes: &[ImageHash], max_distance: u32) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..hashes.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut tree = BkTree::new();
    for (i, &h) in hashes.iter().enumerate() {
        for (j, _) in tree.within(h, max_distance) {
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            if a != b {
                let (lo, hi) = (a.min(b), a.max(b));
                parent[hi] = lo;
            }
        }
        tree.insert(h, i);
    }
    (0..hashes.len()).map(|i| find(&mut parent, i)).collect()
}
