//! Encoding to JPEG (quality), PNG and WebP (lossless), with metadata stripped or kept.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageEncoder};
use serde::{Deserialize, Serialize};

use crate::decode::matte;
use crate::error::{ImageError, Result};
use crate::exif::rewrite_exif;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutputFormat {
    /// Baseline JPEG at the configured quality (default 95, img2dataset's). Alpha is matted on
    /// white first.
    #[default]
    Jpeg,
    /// PNG (lossless, keeps alpha).
    Png,
    /// WebP, lossless (the `image` crate's encoder has no lossy mode); keeps alpha.
    Webp,
}

impl OutputFormat {
    /// Parses `jpeg`/`jpg`, `png`, `webp`.
    ///
    /// # Errors
    /// [`ImageError::InvalidParam`] for other names.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "jpeg" | "jpg" => OutputFormat::Jpeg,
            "png" => OutputFormat::Png,
            "webp" => OutputFormat::Webp,
            other => {
                return Err(ImageError::InvalidParam(format!(
                    "unknown format {other:?}"
                )));
            }
        })
    }

    /// The file extension (`jpg`, `png`, `webp`).
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Png => "png",
            OutputFormat::Webp => "webp",
        }
    }

    fn name(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpeg",
            OutputFormat::Png => "png",
            OutputFormat::Webp => "webp",
        }
    }
}

/// What to do with the source's EXIF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Metadata {
    /// Write no metadata (default).
    #[default]
    Strip,
    /// Keep the primary EXIF fields, orientation reset to 1 (pixels are already upright).
    Keep,
    /// As `Keep`, without GPS.
    KeepWithoutGps,
}

/// Encoding options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EncodeOptions {
    /// Format (JPEG).
    pub format: OutputFormat,
    /// JPEG quality 1–100 (95).
    pub quality: u8,
    /// Metadata policy (strip).
    pub metadata: Metadata,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            format: OutputFormat::Jpeg,
            quality: 95,
            metadata: Metadata::Strip,
        }
    }
}

impl EncodeOptions {
    /// Options for `format` with the defaults otherwise.
    pub fn new(format: OutputFormat) -> Self {
        EncodeOptions {
            format,
            ..Default::default()
        }
    }
    /// Sets the JPEG quality.
    pub fn with_quality(mut self, q: u8) -> Self {
        self.quality = q;
        self
    }
    /// Sets the metadata policy.
    pub fn with_metadata(mut self, m: Metadata) -> Self {
        self.metadata = m;
        self
    }
}

/// Encodes `img`; `exif` is the source's raw EXIF, written according to `opts.metadata`.
///
/// # Errors
/// [`ImageError::InvalidParam`] for a quality outside 1–100; [`ImageError::Encode`] if the encoder
/// fails.
pub fn encode(img: &DynamicImage, opts: &EncodeOptions, exif: Option<&[u8]>) -> Result<Vec<u8>> {
    if !(1..=100).contains(&opts.quality) {
        return Err(ImageError::InvalidParam(format!(
            "JPEG quality {}",
            opts.quality
        )));
    }
    let meta = match (opts.metadata, exif) {
        (Metadata::Strip, _) | (_, None) => None,
        (Metadata::Keep, Some(raw)) => rewrite_exif(raw, false, true),
        (Metadata::KeepWithoutGps, Some(raw)) => rewrite_exif(raw, true, true),
    };
    let fmt = opts.format.name();
    let err = |e: image::ImageError| ImageError::Encode {
        format: fmt,
        message: e.to_string(),
    };
    let mut out = Vec::new();
    match opts.format {
        OutputFormat::Jpeg => {
            let rgb = match img {
                DynamicImage::ImageRgb8(rgb) => std::borrow::Cow::Borrowed(rgb),
                other if other.color().has_alpha() => {
                    std::borrow::Cow::Owned(matte(&other.to_rgba8(), [255, 255, 255]))
                }
                other => std::borrow::Cow::Owned(other.to_rgb8()),
            };
            let mut enc = JpegEncoder::new_with_quality(&mut out, opts.quality);
            if let Some(m) = meta {
                let _ = enc.set_exif_metadata(m);
            }
            enc.write_image(
                rgb.as_raw(),
                rgb.width(),
                rgb.height(),
                image::ExtendedColorType::Rgb8,
            )
            .map_err(err)?;
        }
        OutputFormat::Png | OutputFormat::Webp => {
            let img = match img {
                DynamicImage::ImageRgb8(_)
                | DynamicImage::ImageRgba8(_)
                | DynamicImage::ImageLuma8(_) => std::borrow::Cow::Borrowed(img),
                other if other.color().has_alpha() => {
                    std::borrow::Cow::Owned(DynamicImage::ImageRgba8(other.to_rgba8()))
                }
                other => std::borrow::Cow::Owned(DynamicImage::ImageRgb8(other.to_rgb8())),
            };
            let (w, h, color) = (img.width(), img.height(), img.color().into());
            if opts.format == OutputFormat::Png {
                let mut enc = PngEncoder::new(&mut out);
                if let Some(m) = meta {
                    let _ = enc.set_exif_metadata(m);
                }
                enc.write_image(img.as_bytes(), w, h, color).map_err(err)?;
            } else {
                let mut enc = WebPEncoder::new_lossless(&mut out);
                if let Some(m) = meta {
                    let _ = enc.set_exif_metadata(m);
                }
                enc.write_image(img.as_bytes(), w, h, color).map_err(err)?;
            }
        }
    }
    Ok(out)
}
