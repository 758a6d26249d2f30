//! Encoding to JPEG (quality), PNG and WebP (lossless), with metadata stripped or kept.

use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageEncoder};
use serde::{Deserialize, Serialize};

use crate::decode::matte;
use crate::error::{Error, Result};
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
    /// [`Error::InvalidParam`] for other names.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "jpeg" | "jpg" => OutputFormat::Jpeg,
            "png" => OutputFormat::Png,
            "webp" => OutputFormat::Webp,
            other => {
                return Err(Error::InvalidParam(format!("unknown format {other:?}")));
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
/// [`Error::InvalidParam`] for a quality outside 1–100; [`Error::Encode`] if the encoder
/// fails.
pub fn encode(img: &DynamicImage, opts: &EncodeOptions, exif: Option<&[u8]>) -> Result<Vec<u8>> {
    if !(1..=100).contains(&opts.quality) {
        return Err(Error::InvalidParam(format!(
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
    let err = |e: image::ImageError| Error::Encode {
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
            out = encode_jpeg(&rgb, opts.quality, meta)?;
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

/// The error of a JPEG encoder.
fn jpeg_error(message: impl std::fmt::Display) -> Error {
    Error::Encode {
        format: "jpeg",
        message: message.to_string(),
    }
}

/// Baseline JPEG of `rgb` with 4:4:4 chroma at quality 90 and above and 4:2:0 below (the
/// default of both encoders used here), and `exif` (TIFF structure) as an APP1 segment; EXIF
/// larger than a segment (65,527 bytes) is dropped rather than failing the image.
fn encode_jpeg(rgb: &image::RgbImage, quality: u8, exif: Option<Vec<u8>>) -> Result<Vec<u8>> {
    let (w, h) = rgb.dimensions();
    if w > 65_535 || h > 65_535 {
        return Err(jpeg_error(format!("{w}x{h} is past JPEG's 65535 limit")));
    }
    let app1 = exif.filter(|m| m.len() <= 65_527).map(|m| {
        let mut app1 = Vec::with_capacity(6 + m.len());
        app1.extend_from_slice(b"Exif\0\0");
        app1.extend_from_slice(&m);
        app1
    });
    jpeg_body(rgb, quality, app1)
}

/// libjpeg-turbo (`turbo` feature).
#[cfg(feature = "turbo")]
fn jpeg_body(rgb: &image::RgbImage, quality: u8, app1: Option<Vec<u8>>) -> Result<Vec<u8>> {
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let mut c = turbojpeg::Compressor::new().map_err(jpeg_error)?;
    c.set_quality(i32::from(quality)).map_err(jpeg_error)?;
    let subsamp = if quality >= 90 {
        turbojpeg::Subsamp::None
    } else {
        turbojpeg::Subsamp::Sub2x2
    };
    c.set_subsamp(subsamp).map_err(jpeg_error)?;
    let image = turbojpeg::Image {
        pixels: rgb.as_raw().as_slice(),
        width: w,
        pitch: 3 * w,
        height: h,
        format: turbojpeg::PixelFormat::RGB,
    };
    let jpeg = c.compress_to_vec(image).map_err(jpeg_error)?;
    Ok(match app1 {
        Some(app1) => insert_app1(&jpeg, &app1),
        None => jpeg,
    })
}

/// jpeg-encoder (pure Rust, SIMD), without the `turbo` feature.
#[cfg(not(feature = "turbo"))]
fn jpeg_body(rgb: &image::RgbImage, quality: u8, app1: Option<Vec<u8>>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    if let Some(app1) = app1 {
        enc.add_app_segment(1, app1).map_err(jpeg_error)?;
    }
    // Checked by the caller: both fit in 16 bits.
    enc.encode(
        rgb.as_raw(),
        rgb.width() as u16,
        rgb.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .map_err(jpeg_error)?;
    Ok(out)
}

/// `jpeg` with an APP1 segment inserted after SOI and a JFIF APP0, if there is one (where
/// libjpeg itself writes markers).
#[cfg(feature = "turbo")]
fn insert_app1(jpeg: &[u8], app1: &[u8]) -> Vec<u8> {
    let mut at = 2;
    if jpeg.len() >= 6 && jpeg[2..4] == [0xFF, 0xE0] {
        at = 4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
    }
    let at = at.min(jpeg.len());
    let mut out = Vec::with_capacity(jpeg.len() + app1.len() + 4);
    out.extend_from_slice(&jpeg[..at]);
    out.extend_from_slice(&[0xFF, 0xE1]);
    // At most 65,533 bytes of data (checked by the caller), so the length fits.
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(app1);
    out.extend_from_slice(&jpeg[at..]);
    out
}
