//! The whole per-image chain as one function: decode → orient → hash → quality → resize → encode.

use image::DynamicImage;
use serde::{Deserialize, Serialize};

use crate::decode::{AlphaMode, DecodeOptions, decode_for, matte};
use crate::encode::{EncodeOptions, Metadata, encode};
use crate::error::Result;
use crate::exif::ExifInfo;
use crate::hash::{ImageHash, ahash, dhash, phash, pixel_hash};
use crate::quality::{QualityConfig, QualityScores, check_quality, quality_scores};
use crate::resize::{ResizeConfig, resize};

/// Settings of [`prepare`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrepareConfig {
    /// Decoding (limits, orientation, alpha, GPS stripping).
    pub decode: DecodeOptions,
    /// Resizing (`border` 256 lanczos3); None keeps the size.
    pub resize: Option<ResizeConfig>,
    /// Output encoding (JPEG 95, metadata stripped).
    pub encode: EncodeOptions,
    /// Quality thresholds; the scores are always computed.
    pub quality: QualityConfig,
    /// Compute aHash/dHash/pHash and the pixel hash (true).
    pub hashes: bool,
    /// Decode JPEGs at a reduced size when the resize allows it, keeping this reducing gap
    /// ([`ResizeConfig::draft_size`], [`DecodeOptions::draft`]; takes effect with the `turbo`
    /// feature); `None` (the default) decodes in full. Faster on large photos; the hashes and
    /// quality scores are then measured on the reduced image, so they can differ from a full
    /// decode's.
    #[serde(default)]
    pub draft: Option<f64>,
}

impl Default for PrepareConfig {
    fn default() -> Self {
        PrepareConfig {
            decode: DecodeOptions::default(),
            resize: Some(ResizeConfig::default()),
            encode: EncodeOptions::default(),
            quality: QualityConfig::default(),
            hashes: true,
            draft: None,
        }
    }
}

impl PrepareConfig {
    /// Sets the resize settings (None keeps the size).
    pub fn with_resize(mut self, r: Option<ResizeConfig>) -> Self {
        self.resize = r;
        self
    }
    /// Sets the output encoding.
    pub fn with_encode(mut self, e: EncodeOptions) -> Self {
        self.encode = e;
        self
    }
    /// Sets the quality thresholds.
    pub fn with_quality(mut self, q: QualityConfig) -> Self {
        self.quality = q;
        self
    }
    /// Sets the decoding options.
    pub fn with_decode(mut self, d: DecodeOptions) -> Self {
        self.decode = d;
        self
    }
    /// Sets reduced-size JPEG decoding with a reducing gap, or turns it off
    /// ([`PrepareConfig::draft`]).
    pub fn with_draft(mut self, reducing_gap: Option<f64>) -> Self {
        self.draft = reducing_gap;
        self
    }
}

/// Perceptual and exact hashes of one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hashes {
    /// imagehash `average_hash`.
    pub ahash: ImageHash,
    /// imagehash `dhash`.
    pub dhash: ImageHash,
    /// imagehash `phash`.
    pub phash: ImageHash,
    /// [`pixel_hash`] of the oriented pixels.
    pub pixel: String,
}

/// What [`prepare`] produced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Prepared {
    /// The encoded output.
    pub bytes: Vec<u8>,
    /// Source format (`jpeg`, `png`, …).
    pub source_format: &'static str,
    /// Width after orientation, before resizing.
    pub width: u32,
    /// Height after orientation, before resizing.
    pub height: u32,
    /// Output width.
    pub output_width: u32,
    /// Output height.
    pub output_height: u32,
    /// EXIF orientation found (1–8).
    pub orientation: u8,
    /// EXIF summary (GPS removed when stripping).
    pub exif: Option<ExifInfo>,
    /// Hashes of the oriented image (before resizing), when enabled.
    pub hashes: Option<Hashes>,
    /// Quality scores of the oriented image.
    pub scores: QualityScores,
    /// The quality verdict's drop reason, if any (the output is produced regardless).
    pub drop_reason: Option<String>,
}

/// Runs the chain. Hashes are taken on the oriented image before alpha matting (Pillow's `L`
/// conversion ignores alpha, so they equal imagehash on the same file); quality and resizing
/// use the matted image when the decode options say so.
///
/// # Errors
/// Any decode, resize or encode error.
pub fn prepare(bytes: &[u8], cfg: &PrepareConfig) -> Result<Prepared> {
    let draft_for = cfg.resize.as_ref().zip(cfg.draft);
    let d = decode_for(
        bytes,
        &cfg.decode.clone().with_alpha(AlphaMode::Keep),
        draft_for,
    )?;
    let hashes = if cfg.hashes {
        Some(Hashes {
            ahash: ahash(&d.image)?,
            dhash: dhash(&d.image)?,
            phash: phash(&d.image)?,
            pixel: pixel_hash(&d.image),
        })
    } else {
        None
    };
    let img = match (&d.image, cfg.decode.alpha) {
        (DynamicImage::ImageRgba8(rgba), AlphaMode::Matte) => {
            DynamicImage::ImageRgb8(matte(rgba, cfg.decode.background))
        }
        (other, _) => other.clone(),
    };
    let scores = quality_scores(&img);
    let drop_reason = match check_quality(&scores, &cfg.quality) {
        dataprep_core::Decision::Keep => None,
        dataprep_core::Decision::Drop(r) => Some(r.into_owned()),
    };
    let out = match &cfg.resize {
        Some(r) => resize(&img, r)?,
        None => img,
    };
    let exif_raw = match cfg.encode.metadata {
        Metadata::Strip => None,
        _ => d.raw_exif.as_deref(),
    };
    let encoded = encode(&out, &cfg.encode, exif_raw)?;
    // The upright size of the source (the decoded image is smaller after a draft decode).
    let (width, height) = if d.orientation >= 5 && cfg.decode.auto_orient {
        (d.source_height, d.source_width)
    } else {
        (d.source_width, d.source_height)
    };
    Ok(Prepared {
        bytes: encoded,
        source_format: d.format,
        width,
        height,
        output_width: out.width(),
        output_height: out.height(),
        orientation: d.orientation,
        exif: d.exif,
        hashes,
        scores,
        drop_reason,
    })
}
