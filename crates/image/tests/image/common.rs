use std::io::Cursor;
use std::path::PathBuf;

use dataprep_image::image::{DynamicImage, ImageEncoder, Rgb, RgbImage};

pub(crate) fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

pub(crate) fn goldens() -> serde_json::Value {
    let s = std::fs::read_to_string(data("goldens.json")).unwrap();
    serde_json::from_str(&s).unwrap()
}

pub(crate) fn load_png(rel: &str) -> DynamicImage {
    dataprep_image::image::open(data(rel)).unwrap()
}

pub(crate) fn photo(name: &str) -> DynamicImage {
    DynamicImage::ImageRgb8(load_png(&format!("photos/{name}")).to_rgb8())
}

/// Mirrors synthetic() in tools/image_goldens.py.
pub(crate) fn synthetic(kind: &str, w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| match kind {
        "gradient" => Rgb([
            (x * 255 / (w - 1)) as u8,
            (y * 255 / (h - 1)) as u8,
            (((x + y) * 7) % 256) as u8,
        ]),
        "checker" => {
            let v = if ((x / 4) + (y / 4)) % 2 == 0 {
                230
            } else {
                20
            };
            Rgb([v, v, 255 - v])
        }
        "rings" => {
            let dx = f64::from(x) - f64::from(w) / 2.0;
            let dy = f64::from(y) - f64::from(h) / 2.0;
            let d = (dx * dx + dy * dy) as u64;
            Rgb([
                (d % 256) as u8,
                ((d * 3) % 256) as u8,
                ((x * y) % 256) as u8,
            ])
        }
        _ => panic!("unknown synthetic {kind}"),
    })
}

pub(crate) fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

pub(crate) fn png_bytes(img: &DynamicImage, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = dataprep_image::image::codecs::png::PngEncoder::new(Cursor::new(&mut out));
    if let Some(e) = exif {
        enc.set_exif_metadata(e).unwrap();
    }
    enc.write_image(
        img.as_bytes(),
        img.width(),
        img.height(),
        img.color().into(),
    )
    .unwrap();
    out
}

pub(crate) fn jpeg_bytes(img: &DynamicImage, quality: u8, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc =
        dataprep_image::image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    if let Some(e) = exif {
        enc.set_exif_metadata(e).unwrap();
    }
    let rgb = img.to_rgb8();
    enc.write_image(rgb.as_raw(), rgb.width(), rgb.height(), image_rgb8())
        .unwrap();
    out
}

fn image_rgb8() -> dataprep_image::image::ExtendedColorType {
    dataprep_image::image::ExtendedColorType::Rgb8
}

/// A TIFF-structured EXIF block built with kamadak-exif's writer.
pub(crate) fn exif_block(fields: &[exif::Field]) -> Vec<u8> {
    let mut w = exif::experimental::Writer::new();
    for f in fields {
        w.push_field(f);
    }
    let mut c = Cursor::new(Vec::new());
    w.write(&mut c, false).unwrap();
    c.into_inner()
}

pub(crate) fn field(tag: exif::Tag, value: exif::Value) -> exif::Field {
    exif::Field {
        tag,
        ifd_num: exif::In::PRIMARY,
        value,
    }
}
