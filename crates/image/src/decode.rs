//! Safe decoding: limits checked before allocating, EXIF, auto-orientation, RGB(A) 8-bit output.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage, RgbaImage};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::exif::{ExifInfo, parse_exif};
use crate::frames::count_frames;

/// Decoding limits, all checked before pixels are allocated: the byte size first, then the frame
/// count from the container structure, then the declared dimensions from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Limits {
    /// Largest encoded input in bytes (64 MiB).
    pub max_bytes: u64,
    /// Largest declared width × height (89 478 485, Pillow's `MAX_IMAGE_PIXELS`).
    pub max_pixels: u64,
    /// Largest declared width (65 535).
    pub max_width: u32,
    /// Largest declared height (65 535).
    pub max_height: u32,
    /// Most frames/pages in an animated GIF/WebP or multi-page TIFF (1 000); only the first is decoded.
    pub max_frames: u32,
    /// Largest allocation the decoder may make, passed to `image`'s own limits (512 MiB).
    pub max_alloc: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 << 20,
            max_pixels: 89_478_485,
            max_width: 65_535,
            max_height: 65_535,
            max_frames: 1_000,
            max_alloc: 512 << 20,
        }
    }
}

impl Limits {
    /// Sets the byte limit.
    pub fn with_max_bytes(mut self, n: u64) -> Self {
        self.max_bytes = n;
        self
    }
    /// Sets the pixel limit (width × height).
    pub fn with_max_pixels(mut self, n: u64) -> Self {
        self.max_pixels = n;
        self
    }
    /// Sets the width and height limits.
    pub fn with_max_dimensions(mut self, width: u32, height: u32) -> Self {
        self.max_width = width;
        self.max_height = height;
        self
    }
    /// Sets the frame limit.
    pub fn with_max_frames(mut self, n: u32) -> Self {
        self.max_frames = n;
        self
    }
    /// Sets the decoder allocation limit.
    pub fn with_max_alloc(mut self, n: u64) -> Self {
        self.max_alloc = n;
        self
    }

    fn check(what: &'static str, actual: u64, limit: u64) -> Result<()> {
        if actual > limit {
            return Err(Error::Limit {
                what,
                actual,
                limit,
            });
        }
        Ok(())
    }

    fn to_image_limits(self) -> image::Limits {
        let mut l = image::Limits::default();
        // Width and height are checked by `check_dims` (with our error values) right after the
        // header is read and before any pixel buffer exists.
        l.max_image_width = None;
        l.max_image_height = None;
        l.max_alloc = Some(self.max_alloc);
        l
    }
}

/// What to do with transparency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AlphaMode {
    /// Matte transparent pixels on a background colour and return RGB (img2dataset's behaviour,
    /// on white). The default.
    #[default]
    Matte,
    /// Keep RGBA when the image has an alpha channel, RGB otherwise.
    Keep,
}

/// Decoding options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Limits checked before allocating.
    pub limits: Limits,
    /// Rotate/flip the pixels as the EXIF orientation says (true).
    pub auto_orient: bool,
    /// Transparency handling (matte on `background`).
    pub alpha: AlphaMode,
    /// Background for matting (white).
    pub background: [u8; 3],
    /// Drop GPS from the returned EXIF summary and raw EXIF (false).
    pub strip_gps: bool,
    /// JPEG only, with the `turbo` feature: decode at a reduced size (`width`, `height`, in the
    /// upright orientation), as Pillow's `Image.draft` does. libjpeg-turbo's DCT scaling (1/2,
    /// 1/4 or 1/8) picks the smallest size that is still at least this large in both axes, which
    /// saves part of the inverse DCT, upsampling and colour conversion and most of the memory.
    /// Other formats, JPEGs the request cannot shrink, and every JPEG in a build without `turbo`
    /// are decoded in full. `None` (the default) always decodes in full. See
    /// [`crate::ResizeConfig::draft_size`] for a request derived from a resize.
    #[serde(default)]
    pub draft: Option<(u32, u32)>,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            limits: Limits::default(),
            auto_orient: true,
            alpha: AlphaMode::Matte,
            background: [255, 255, 255],
            strip_gps: false,
            draft: None,
        }
    }
}

impl DecodeOptions {
    /// Sets the limits.
    pub fn with_limits(mut self, l: Limits) -> Self {
        self.limits = l;
        self
    }
    /// Enables or disables auto-orientation.
    pub fn with_auto_orient(mut self, on: bool) -> Self {
        self.auto_orient = on;
        self
    }
    /// Sets the alpha handling.
    pub fn with_alpha(mut self, a: AlphaMode) -> Self {
        self.alpha = a;
        self
    }
    /// Sets the matting background.
    pub fn with_background(mut self, rgb: [u8; 3]) -> Self {
        self.background = rgb;
        self
    }
    /// Drops GPS coordinates from the EXIF returned.
    pub fn with_strip_gps(mut self, on: bool) -> Self {
        self.strip_gps = on;
        self
    }
    /// Sets the reduced JPEG decoding size ([`DecodeOptions::draft`]).
    pub fn with_draft(mut self, size: Option<(u32, u32)>) -> Self {
        self.draft = size;
        self
    }
}

/// A decoded image with what was learnt on the way.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Decoded {
    /// The pixels: `ImageRgb8`, or `ImageRgba8` with [`AlphaMode::Keep`] on an image with alpha.
    pub image: DynamicImage,
    /// Detected format: `jpeg`, `png`, `webp`, `gif`, `tiff` or `bmp`.
    pub format: &'static str,
    /// Declared width before orientation.
    pub source_width: u32,
    /// Declared height before orientation.
    pub source_height: u32,
    /// EXIF orientation (1–8; 1 when absent). Already applied when `auto_orient` is set.
    pub orientation: u8,
    /// Whether the source had an alpha channel.
    pub had_alpha: bool,
    /// Frames/pages declared by the container (the first is decoded).
    pub frames: u32,
    /// EXIF summary, when the file has EXIF.
    pub exif: Option<ExifInfo>,
    /// Raw EXIF (TIFF structure), GPS removed when `strip_gps` is set.
    pub raw_exif: Option<Vec<u8>>,
}

/// The short name of a format.
pub fn format_name(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::Png => "png",
        ImageFormat::WebP => "webp",
        ImageFormat::Gif => "gif",
        ImageFormat::Tiff => "tiff",
        ImageFormat::Bmp => "bmp",
        _ => "other",
    }
}

fn corrupt(format: &'static str, e: image::ImageError, max_alloc: u64) -> Error {
    match e {
        image::ImageError::Limits(l) => Error::Limit {
            what: match l.kind() {
                image::error::LimitErrorKind::DimensionError => "dimensions",
                _ => "alloc",
            },
            actual: max_alloc.saturating_add(1),
            limit: max_alloc,
        },
        image::ImageError::Unsupported(u) => Error::Unsupported(u.to_string()),
        other => Error::Corrupt {
            format,
            message: other.to_string(),
        },
    }
}

fn guess<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<(ImageReader<Cursor<&'a [u8]>>, ImageFormat)> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    Limits::check("bytes", bytes.len() as u64, limits.max_bytes)?;
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::Unsupported(e.to_string()))?;
    let format = reader
        .format()
        .ok_or_else(|| Error::Unsupported("unrecognised image format".into()))?;
    if format_name(format) == "other" {
        return Err(Error::Unsupported(format!("{format:?}")));
    }
    Ok((reader, format))
}

fn check_dims(w: u32, h: u32, limits: &Limits) -> Result<()> {
    Limits::check("width", u64::from(w), u64::from(limits.max_width))?;
    Limits::check("height", u64::from(h), u64::from(limits.max_height))?;
    Limits::check("pixels", u64::from(w) * u64::from(h), limits.max_pixels)?;
    if w == 0 || h == 0 {
        return Err(Error::Corrupt {
            format: "unknown",
            message: format!("zero dimension {w}x{h}"),
        });
    }
    Ok(())
}

/// Reads the format and declared dimensions from the header only (no pixel allocation), under the
/// byte and dimension limits.
///
/// # Errors
/// [`Error::Empty`], [`Error::Unsupported`], [`Error::Corrupt`] or
/// [`Error::Limit`].
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<(&'static str, u32, u32)> {
    let (mut reader, format) = guess(bytes, limits)?;
    let name = format_name(format);
    reader.limits(limits.to_image_limits());
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| corrupt(name, e, limits.max_alloc))?;
    check_dims(w, h, limits)?;
    Ok((name, w, h))
}

/// Decodes JPEG, PNG, WebP, GIF (first frame), TIFF (first page) or BMP bytes.
///
/// Order of checks: zero bytes, byte limit, format, frame count, declared dimensions (width,
/// height, pixels), then the decode itself under `image`'s allocation limit. Greyscale, CMYK,
/// 16-bit and palette images come out as 8-bit RGB (or RGBA with [`AlphaMode::Keep`]).
///
/// # Errors
/// A typed [`Error`] for empty, unsupported, corrupt, truncated or over-limit input; never
/// panics on hostile bytes.
pub fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded> {
    decode_for(bytes, opts, None)
}

/// [`decode`], with the draft size taken from `resize` ([`crate::ResizeConfig::draft_size`] of the
/// upright source size, with the given reducing gap) when `resize` is given.
pub(crate) fn decode_for(
    bytes: &[u8],
    opts: &DecodeOptions,
    resize: Option<(&crate::resize::ResizeConfig, f64)>,
) -> Result<Decoded> {
    let limits = &opts.limits;
    let (mut reader, format) = guess(bytes, limits)?;
    let name = format_name(format);
    let frames = count_frames(bytes, limits.max_frames);
    Limits::check("frames", u64::from(frames), u64::from(limits.max_frames))?;
    if format == ImageFormat::Jpeg && !jpeg_has_eoi(bytes) {
        return Err(Error::Corrupt {
            format: name,
            message: "truncated: no end-of-image marker after the scan".into(),
        });
    }
    reader.limits(limits.to_image_limits());
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| corrupt(name, e, limits.max_alloc))?;
    let (w, h) = decoder.dimensions();
    check_dims(w, h, limits)?;
    let raw: Option<Vec<u8>> = decoder.exif_metadata().ok().flatten();
    let (exif, raw_exif) = match raw {
        Some(raw) => match parse_exif(&raw) {
            Some(mut info) => {
                let raw = if opts.strip_gps {
                    info.gps = None;
                    crate::exif::rewrite_exif(&raw, true, false)
                } else {
                    Some(raw)
                };
                (Some(info), raw)
            }
            None => (None, None),
        },
        None => (None, None),
    };
    let orientation = exif
        .as_ref()
        .and_then(|e| e.orientation)
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1);
    // Draft requests are upright; orientations 5-8 store the image transposed, and swapping
    // the axes back and forth is the same operation.
    let transposed = orientation >= 5 && opts.auto_orient;
    let swap = |(a, b): (u32, u32)| if transposed { (b, a) } else { (a, b) };
    let want = match resize {
        Some((r, gap)) => {
            let (uw, uh) = swap((w, h));
            r.draft_size(uw, uh, gap)
        }
        None => opts.draft,
    };
    let image = match decode_jpeg_fast(bytes, format, (w, h), want.map(swap), limits.max_alloc)? {
        Some(image) => image,
        None => {
            DynamicImage::from_decoder(decoder).map_err(|e| corrupt(name, e, limits.max_alloc))?
        }
    };
    let had_alpha = image.color().has_alpha();
    let mut image = image;
    if let Some(o) = Orientation::from_exif(orientation).filter(|_| opts.auto_orient) {
        image.apply_orientation(o);
    }
    let image = match (had_alpha, opts.alpha) {
        (true, AlphaMode::Keep) => DynamicImage::ImageRgba8(image.into_rgba8()),
        (true, AlphaMode::Matte) => {
            DynamicImage::ImageRgb8(matte(&image.into_rgba8(), opts.background))
        }
        (false, _) => DynamicImage::ImageRgb8(image.into_rgb8()),
    };
    Ok(Decoded {
        image,
        format: name,
        source_width: w,
        source_height: h,
        orientation,
        had_alpha,
        frames,
        exif,
        raw_exif,
    })
}

/// The DCT scale denominator (8, 4, 2; 1 = none) that keeps `(w, h)` at least `want` in both
/// axes, the output of a 1/d scaled JPEG decode being `ceil(w / d)` × `ceil(h / d)`.
#[cfg(feature = "turbo")]
fn jpeg_scale_denominator((w, h): (u32, u32), (want_w, want_h): (u32, u32)) -> u32 {
    [8, 4, 2]
        .into_iter()
        .find(|&d| w.div_ceil(d) >= want_w && h.div_ceil(d) >= want_h)
        .unwrap_or(1)
}

/// A JPEG through libjpeg-turbo (`turbo` feature), DCT-scaled so that it stays at least
/// `want` (stored orientation) when given; `None` for other formats and the colour spaces it
/// leaves to `image`.
#[cfg(feature = "turbo")]
fn decode_jpeg_fast(
    bytes: &[u8],
    format: ImageFormat,
    dims: (u32, u32),
    want: Option<(u32, u32)>,
    max_alloc: u64,
) -> Result<Option<DynamicImage>> {
    if format != ImageFormat::Jpeg {
        return Ok(None);
    }
    let d = want.map_or(1, |want| jpeg_scale_denominator(dims, want));
    decode_jpeg_turbo(bytes, dims, d, max_alloc)
}

/// Without the `turbo` feature every image goes through `image`'s decoders (drafts ignored).
#[cfg(not(feature = "turbo"))]
fn decode_jpeg_fast(
    _bytes: &[u8],
    _format: ImageFormat,
    _dims: (u32, u32),
    _want: Option<(u32, u32)>,
    _max_alloc: u64,
) -> Result<Option<DynamicImage>> {
    Ok(None)
}

/// Decodes a JPEG with libjpeg-turbo, DCT-scaled to 1/`denominator`; `None` for a colour space
/// the RGB output cannot take (CMYK, YCCK), which then goes through `image`'s decoder.
#[cfg(feature = "turbo")]
fn decode_jpeg_turbo(
    bytes: &[u8],
    (w, h): (u32, u32),
    denominator: u32,
    max_alloc: u64,
) -> Result<Option<DynamicImage>> {
    let corrupt = |e: turbojpeg::Error| Error::Corrupt {
        format: "jpeg",
        message: e.to_string(),
    };
    let mut dec = turbojpeg::Decompressor::new().map_err(corrupt)?;
    let header = dec.read_header(bytes).map_err(corrupt)?;
    if matches!(
        header.colorspace,
        turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK
    ) {
        return Ok(None);
    }
    if (header.width, header.height) != (w as usize, h as usize) {
        return Err(Error::Corrupt {
            format: "jpeg",
            message: format!(
                "frame header says {}x{}, the first header {w}x{h}",
                header.width, header.height
            ),
        });
    }
    let scale = turbojpeg::ScalingFactor::new(1, denominator as usize);
    dec.set_scaling_factor(scale).map_err(corrupt)?;
    let out = header.scaled(scale);
    let len = 3 * out.width * out.height;
    Limits::check("alloc", len as u64, max_alloc)?;
    let mut image = turbojpeg::Image {
        pixels: vec![0u8; len],
        width: out.width,
        pitch: 3 * out.width,
        height: out.height,
        format: turbojpeg::PixelFormat::RGB,
    };
    dec.decompress(bytes, image.as_deref_mut())
        .map_err(corrupt)?;
    // Both come from a 16-bit JPEG header, so they fit.
    let rgb = RgbImage::from_raw(out.width as u32, out.height as u32, image.pixels).ok_or(
        Error::Corrupt {
            format: "jpeg",
            message: "decoder returned a short buffer".into(),
        },
    )?;
    Ok(Some(DynamicImage::ImageRgb8(rgb)))
}

/// True when an end-of-image marker follows the first start-of-scan. Entropy-coded data stuffs
/// every 0xFF, so `FF D9` after the scan can only be EOI; the decoder itself fills a truncated
/// scan with grey instead of failing.
fn jpeg_has_eoi(b: &[u8]) -> bool {
    let Some(sos) = b.windows(2).position(|w| w == [0xFF, 0xDA]) else {
        return false;
    };
    b[sos..].windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Composites RGBA on a background colour exactly as img2dataset does:
/// `rint(a / 255 · c + bg − a · bg / 255)` per channel (with a white background this is its
/// `alpha / 255 * img + 255 - alpha`).
pub fn matte(img: &RgbaImage, background: [u8; 3]) -> RgbImage {
    let mut out = RgbImage::new(img.width(), img.height());
    for (o, p) in out.pixels_mut().zip(img.pixels()) {
        let a = f64::from(p[3]);
        for c in 0..3 {
            let bg = f64::from(background[c]);
            let v = if background[c] == 255 {
                a / 255.0 * f64::from(p[c]) + 255.0 - a
            } else {
                a / 255.0 * f64::from(p[c]) + bg * (1.0 - a / 255.0)
            };
            o[c] = v.clamp(0.0, 255.0).round_ties_even() as u8;
        }
    }
    out
}
