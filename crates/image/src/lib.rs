//! Image preparation for dataprep.
//!
//! - [`decode()`]: JPEG, PNG, WebP, GIF, TIFF and BMP with explicit [`Limits`] (bytes, frames,
//!   width, height, pixels) checked before any pixel buffer is allocated; EXIF summary
//!   ([`ExifInfo`]: camera, time, GPS), auto-orientation for the 8 EXIF orientations, alpha matted
//!   on white as img2dataset does, everything converted to 8-bit RGB(A).
//! - [`resize()`]: fast_image_resize with Pillow's filters (premultiplied alpha) and img2dataset's
//!   modes; crops and padding.
//! - [`ahash`], [`dhash`], [`phash`]: equal to python `imagehash` bit for bit; [`pixel_hash`];
//!   [`near_duplicate_groups`] with a [`BkTree`].
//! - [`to_tensor`], [`ClassificationPreset`]: CHW/HWC `f32` tensors with mean/std (ImageNet),
//!   torchvision's classification preset.
//! - [`quality_scores`], [`check_quality`]: size, aspect ratio, blur, near-uniform.
//! - [`encode()`]: JPEG (quality), PNG, lossless WebP; EXIF stripped, kept, or kept without GPS.
//!
//! - [`augment()`]: seeded flips, random resized crop, affine, colour jitter, blur, noise, cutout,
//!   JPEG re-compression; [`prepare()`]: the whole per-image chain.
//!
//! Every function works on plain `image::DynamicImage` values; [`stages`] wraps them as pipeline
//! stages over records. A bad input is a typed [`Error`], never a panic.
#![forbid(unsafe_code)]

pub mod augment;
mod decode;
mod encode;
mod error;
mod exif;
mod frames;
mod hash;
mod normalize;
mod pillow;
mod prepare;
mod quality;
mod resize;
pub mod stages;

pub use augment::{Augment, augment};
pub use decode::{AlphaMode, DecodeOptions, Decoded, Limits, decode, format_name, matte, probe};
pub use encode::{EncodeOptions, Metadata, OutputFormat, encode};
pub use error::{Error, Result};
/// The crate's error under its old name.
#[deprecated(
    since = "0.1.0",
    note = "renamed to `dataprep_image::Error` (one `Error` per crate)"
)]
pub type ImageError = Error;
pub use exif::{ExifInfo, Gps, parse_exif, rewrite_exif};
pub use hash::{
    BkTree, ImageHash, ahash, dhash, near_duplicate_groups, phash, pixel_hash, to_luma_pillow,
};
pub use image;
pub use normalize::{
    ClassificationPreset, Layout, MeanStd, hsv_to_rgb, rgb_to_hsv, to_grey, to_tensor,
};
pub use prepare::{Hashes, PrepareConfig, Prepared, prepare};
pub use quality::{
    QualityConfig, QualityScores, check_quality, laplacian_variance, quality_scores,
};
pub use resize::{
    Filter, ResizeConfig, ResizeMode, center_crop, crop, pad_to, random_crop, resize, resize_exact,
};
