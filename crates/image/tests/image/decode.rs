use std::io::Cursor;

use dataprep_image::image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use dataprep_image::{AlphaMode, DecodeOptions, Error, Limits, decode, probe};
use exif::{Tag, Value};
use proptest::prelude::*;

use dataprep_image::image::GenericImageView;

use super::common::{exif_block, field, goldens, jpeg_bytes, photo, png_bytes, psnr, synthetic};

fn encode(img: &DynamicImage, f: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), f).unwrap();
    out
}

#[test]
fn decodes_every_format() {
    let img = DynamicImage::ImageRgb8(synthetic("gradient", 33, 21));
    for (f, name, lossless) in [
        (ImageFormat::Png, "png", true),
        (ImageFormat::Jpeg, "jpeg", false),
        (ImageFormat::WebP, "webp", true),
        (ImageFormat::Gif, "gif", false),
        (ImageFormat::Tiff, "tiff", true),
        (ImageFormat::Bmp, "bmp", true),
    ] {
        let d = decode(&encode(&img, f), &DecodeOptions::default()).unwrap();
        assert_eq!(d.format, name);
        assert_eq!((d.image.width(), d.image.height()), (33, 21), "{name}");
        assert!(matches!(d.image, DynamicImage::ImageRgb8(_)), "{name}");
        if lossless {
            assert_eq!(d.image.as_bytes(), img.as_bytes(), "{name}");
        }
        assert_eq!(
            probe(&encode(&img, f), &Limits::default()).unwrap(),
            (name, 33, 21)
        );
    }
}

#[test]
fn greyscale_and_16_bit_become_rgb8() {
    let g = DynamicImage::ImageLuma16(dataprep_image::image::ImageBuffer::from_fn(4, 3, |x, y| {
        dataprep_image::image::Luma([((x + y * 4) * 5000) as u16])
    }));
    let d = decode(&encode(&g, ImageFormat::Png), &DecodeOptions::default()).unwrap();
    let rgb = d.image.into_rgb8();
    let p = rgb.get_pixel(1, 0);
    assert_eq!(p[0], p[1]);
    assert_eq!(p[0], (5000.0f64 / 257.0).round() as u8);
}

#[test]
fn alpha_is_matted_on_white_like_img2dataset() {
    let rgba = RgbaImage::from_fn(3, 1, |x, _| match x {
        0 => Rgba([10, 20, 30, 128]),
        1 => Rgba([200, 100, 0, 0]),
        _ => Rgba([1, 2, 3, 255]),
    });
    let bytes = png_bytes(&DynamicImage::ImageRgba8(rgba.clone()), None);
    let d = decode(&bytes, &DecodeOptions::default()).unwrap();
    assert!(d.had_alpha);
    let rgb = d.image.into_rgb8();
    // numpy: rint(alpha / 255 * img + 255 - alpha)
    let expect = |c: f64, a: f64| (a / 255.0 * c + 255.0 - a).round_ties_even() as u8;
    assert_eq!(
        rgb.get_pixel(0, 0).0,
        [
            expect(10.0, 128.0),
            expect(20.0, 128.0),
            expect(30.0, 128.0)
        ]
    );
    assert_eq!(rgb.get_pixel(0, 0).0, [132, 137, 142]);
    assert_eq!(rgb.get_pixel(1, 0).0, [255, 255, 255]);
    assert_eq!(rgb.get_pixel(2, 0).0, [1, 2, 3]);
    let kept = decode(
        &bytes,
        &DecodeOptions::default().with_alpha(AlphaMode::Keep),
    )
    .unwrap();
    assert_eq!(kept.image.into_rgba8(), rgba);
    let black = decode(&bytes, &DecodeOptions::default().with_background([0, 0, 0])).unwrap();
    assert_eq!(black.image.into_rgb8().get_pixel(1, 0).0, [0, 0, 0]);
}

pub(crate) fn stored_6x4() -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(6, 4, |x, y| {
        Rgb([(x * 40) as u8, (y * 60) as u8, ((x + 6 * y) * 10) as u8])
    }))
}

fn orientation_exif(o: u16) -> Vec<u8> {
    exif_block(&[field(Tag::Orientation, Value::Short(vec![o]))])
}

#[test]
fn all_eight_orientations_match_pillow_exif_transpose() {
    let g = goldens();
    for case in g["orientation"].as_array().unwrap() {
        let o = case["orientation"].as_u64().unwrap() as u16;
        let bytes = png_bytes(&stored_6x4(), Some(orientation_exif(o)));
        let d = decode(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(u16::from(d.orientation), o);
        assert_eq!(
            d.image.width() as u64,
            case["width"].as_u64().unwrap(),
            "o={o}"
        );
        assert_eq!(
            d.image.height() as u64,
            case["height"].as_u64().unwrap(),
            "o={o}"
        );
        let want: Vec<u8> = case["rgb"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u8)
            .collect();
        assert_eq!(d.image.as_bytes(), &want[..], "orientation {o}");
        let raw = decode(&bytes, &DecodeOptions::default().with_auto_orient(false)).unwrap();
        assert_eq!(raw.image.as_bytes(), stored_6x4().as_bytes());
    }
}

/// Inserts an APP1 `Exif\0\0` segment right after the JPEG SOI marker, by hand.
pub(crate) fn with_app1(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let len = (2 + 6 + tiff.len()) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn jpeg_orientations_from_a_hand_built_app1_segment() {
    // Four 16x16 quadrant colours on a 32x16 image: red, green / blue, white... as 2x1 blocks.
    let colours = [[220u8, 30, 30], [30, 200, 30]];
    let stored = DynamicImage::ImageRgb8(RgbImage::from_fn(32, 16, |x, _| {
        Rgb(colours[(x / 16) as usize])
    }));
    let jpeg = jpeg_bytes(&stored, 95, None);
    let png_reference = |o: u16| {
        decode(
            &png_bytes(&stored, Some(orientation_exif(o))),
            &DecodeOptions::default(),
        )
        .unwrap()
        .image
        .into_rgb8()
    };
    for o in 1..=8u16 {
        let bytes = with_app1(&jpeg, &orientation_exif(o));
        let d = decode(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(u16::from(d.orientation), o);
        let want = png_reference(o);
        let got = d.image.into_rgb8();
        assert_eq!(got.dimensions(), want.dimensions(), "o={o}");
        for (x, y) in [(2, 2), (got.width() - 3, got.height() - 3)] {
            let (a, b) = (got.get_pixel(x, y), want.get_pixel(x, y));
            for c in 0..3 {
                assert!(a[c].abs_diff(b[c]) < 12, "o={o} at {x},{y}: {a:?} vs {b:?}");
            }
        }
    }
}

pub(crate) fn camera_exif() -> Vec<u8> {
    use exif::Rational;
    let r = |n, d| Rational { num: n, denom: d };
    exif_block(&[
        field(Tag::Make, Value::Ascii(vec![b"Canon".to_vec()])),
        field(Tag::Model, Value::Ascii(vec![b"EOS 5D".to_vec()])),
        field(
            Tag::DateTimeOriginal,
            Value::Ascii(vec![b"2024:05:06 07:08:09".to_vec()]),
        ),
        field(Tag::Orientation, Value::Short(vec![6])),
        field(Tag::GPSLatitudeRef, Value::Ascii(vec![b"S".to_vec()])),
        field(
            Tag::GPSLatitude,
            Value::Rational(vec![r(33, 1), r(52, 1), r(1800, 100)]),
        ),
        field(Tag::GPSLongitudeRef, Value::Ascii(vec![b"E".to_vec()])),
        field(
            Tag::GPSLongitude,
            Value::Rational(vec![r(151, 1), r(12, 1), r(36, 1)]),
        ),
        field(Tag::GPSAltitudeRef, Value::Byte(vec![0])),
        field(Tag::GPSAltitude, Value::Rational(vec![r(585, 10)])),
    ])
}

#[test]
fn exif_camera_time_gps_and_stripping() {
    let jpeg = with_app1(&jpeg_bytes(&stored_6x4(), 90, None), &camera_exif());
    let d = decode(&jpeg, &DecodeOptions::default()).unwrap();
    let e = d.exif.unwrap();
    assert_eq!(e.make.as_deref(), Some("Canon"));
    assert_eq!(e.model.as_deref(), Some("EOS 5D"));
    assert_eq!(e.datetime.as_deref(), Some("2024:05:06 07:08:09"));
    assert_eq!(e.orientation, Some(6));
    let gps = e.gps.unwrap();
    assert!((gps.latitude - -(33.0 + 52.0 / 60.0 + 18.0 / 3600.0)).abs() < 1e-9);
    assert!((gps.longitude - (151.0 + 12.0 / 60.0 + 36.0 / 3600.0)).abs() < 1e-9);
    assert_eq!(gps.altitude, Some(58.5));
    assert_eq!((d.image.width(), d.image.height()), (4, 6));

    let s = decode(&jpeg, &DecodeOptions::default().with_strip_gps(true)).unwrap();
    assert_eq!(s.exif.as_ref().unwrap().gps, None);
    assert_eq!(s.exif.as_ref().unwrap().make.as_deref(), Some("Canon"));
    let raw = s.raw_exif.unwrap();
    let again = dataprep_image::parse_exif(&raw).unwrap();
    assert_eq!(again.gps, None);
    assert_eq!(again.model.as_deref(), Some("EOS 5D"));
    let full = dataprep_image::parse_exif(&d.raw_exif.unwrap()).unwrap();
    assert!(full.gps.is_some());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A PNG whose IHDR declares `w` x `h` and whose IDAT is tiny: a decompression bomb header.
fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

#[test]
fn bad_input_gives_typed_errors() {
    let opts = DecodeOptions::default();
    assert!(matches!(decode(&[], &opts), Err(Error::Empty)));
    assert!(matches!(
        decode(b"not an image at all", &opts),
        Err(Error::Unsupported(_))
    ));

    let jpeg = jpeg_bytes(
        &DynamicImage::ImageRgb8(synthetic("rings", 64, 64)),
        90,
        None,
    );
    for cut in [3, 20, jpeg.len() / 2, jpeg.len() - 10] {
        match decode(&jpeg[..cut], &opts) {
            Err(Error::Corrupt { format: "jpeg", .. }) => {}
            other => panic!("truncated jpeg at {cut}: {:?}", other.map(|d| d.format)),
        }
    }

    let mut png = png_bytes(
        &DynamicImage::ImageRgb8(synthetic("gradient", 16, 16)),
        None,
    );
    let idat = png.windows(4).position(|w| w == b"IDAT").unwrap();
    png[idat + 6] ^= 0xFF;
    assert!(matches!(
        decode(&png, &opts),
        Err(Error::Corrupt { format: "png", .. })
    ));

    let bomb = png_declaring(100_000, 100_000);
    assert!(bomb.len() < 100);
    match decode(&bomb, &opts) {
        Err(Error::Limit {
            what: "width",
            actual: 100_000,
            ..
        }) => {}
        other => panic!("bomb: {:?}", other.map(|d| d.format)),
    }
    let bomb = png_declaring(20_000, 20_000);
    match decode(&bomb, &opts) {
        Err(Error::Limit {
            what: "pixels",
            actual: 400_000_000,
            limit: 89_478_485,
        }) => {}
        other => panic!("bomb: {:?}", other.map(|d| d.format)),
    }
    assert!(matches!(
        probe(&bomb, &Limits::default()),
        Err(Error::Limit { what: "pixels", .. })
    ));

    let small = Limits::default().with_max_bytes(100);
    assert!(matches!(
        decode(&jpeg, &DecodeOptions::default().with_limits(small)),
        Err(Error::Limit { what: "bytes", .. })
    ));
}

#[test]
fn frame_limit_counts_gif_frames_before_decoding() {
    use dataprep_image::image::codecs::gif::GifEncoder;
    use dataprep_image::image::{Delay, Frame};
    let mut gif = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut gif);
        for i in 0..3u8 {
            let f = RgbaImage::from_pixel(8, 8, Rgba([i * 80, 0, 0, 255]));
            enc.encode_frame(Frame::from_parts(
                f,
                0,
                0,
                Delay::from_numer_denom_ms(10, 1),
            ))
            .unwrap();
        }
    }
    let d = decode(&gif, &DecodeOptions::default()).unwrap();
    assert_eq!(d.frames, 3);
    assert_eq!(d.image.to_rgb8().get_pixel(0, 0).0, [0, 0, 0]);
    let opts = DecodeOptions::default().with_limits(Limits::default().with_max_frames(2));
    assert!(matches!(
        decode(&gif, &opts),
        Err(Error::Limit {
            what: "frames",
            actual: 3,
            limit: 2
        })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn corrupted_files_never_panic(
        fmt in 0usize..6,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let f = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP, ImageFormat::Gif,
                 ImageFormat::Tiff, ImageFormat::Bmp][fmt];
        let mut bytes = encode(&DynamicImage::ImageRgb8(synthetic("checker", 12, 10)), f);
        for (i, b) in flips {
            let n = bytes.len();
            bytes[i % n] ^= b;
        }
        let n = bytes.len();
        bytes.truncate(cut % (n + 1));
        let limits = Limits::default().with_max_pixels(1 << 20).with_max_alloc(64 << 20);
        let _ = decode(&bytes, &DecodeOptions::default().with_limits(limits));
    }
}

/// A 1024x768 photo as JPEG 90 (the benchmark's input).
fn big_photo_jpeg() -> (DynamicImage, Vec<u8>) {
    let big = dataprep_image::resize_exact(
        &photo("coffee.png"),
        1024,
        768,
        dataprep_image::Filter::Lanczos3,
    )
    .unwrap();
    let jpeg = jpeg_bytes(&big, 90, None);
    (big, jpeg)
}

#[cfg(feature = "turbo")]
#[test]
fn draft_decodes_a_jpeg_at_the_smallest_dct_scale_that_is_large_enough() {
    let (_, jpeg) = big_photo_jpeg();
    for (want, got) in [
        ((512, 384), (512, 384)),
        ((513, 384), (1024, 768)),
        ((256, 100), (256, 192)),
        ((1, 1), (128, 96)),
        ((2000, 10), (1024, 768)),
    ] {
        let d = decode(&jpeg, &DecodeOptions::default().with_draft(Some(want))).unwrap();
        assert_eq!(d.image.dimensions(), got, "draft {want:?}");
        // The declared size is the full one whatever the draft.
        assert_eq!((d.source_width, d.source_height), (1024, 768));
    }
    // PNG ignores the draft.
    let png = png_bytes(&stored_6x4(), None);
    let d = decode(&png, &DecodeOptions::default().with_draft(Some((1, 1)))).unwrap();
    assert_eq!(d.image.dimensions(), (6, 4));
}

/// Without `turbo` the draft is ignored, so this holds in every build; with it, the reduced
/// decode stays close to the full one after the resize.
#[test]
fn draft_pixels_are_close_to_a_full_decode_downscaled() {
    let (_, jpeg) = big_photo_jpeg();
    let full = decode(&jpeg, &DecodeOptions::default()).unwrap().image;
    let cfg = dataprep_image::ResizeConfig::new(256, dataprep_image::ResizeMode::Border);
    for (gap, want, min_psnr) in [(2.0, (512, 384), 38.0), (1.0, (256, 192), 30.0)] {
        assert_eq!(cfg.draft_size(1024, 768, gap), Some(want));
        let opts = DecodeOptions::default().with_draft(Some(want));
        let draft = decode(&jpeg, &opts).unwrap().image;
        let a = dataprep_image::resize(&full, &cfg).unwrap();
        let b = dataprep_image::resize(&draft, &cfg).unwrap();
        assert_eq!(a.dimensions(), (256, 256));
        assert_eq!(a.dimensions(), b.dimensions());
        let p = psnr(a.as_bytes(), b.as_bytes());
        assert!(
            p > min_psnr,
            "gap {gap}: draft vs full decode after the resize: PSNR {p:.1} dB"
        );
    }
}

#[cfg(feature = "turbo")]
#[test]
fn draft_requests_are_upright_for_transposing_orientations() {
    let (_, jpeg) = big_photo_jpeg();
    // Orientation 6 (rotate 90): the upright image is 768x1024, so a request of (384, 512)
    // is met at 1/2 scale, and the result is upright.
    let bytes = with_app1(&jpeg, &orientation_exif(6));
    let d = decode(
        &bytes,
        &DecodeOptions::default().with_draft(Some((384, 512))),
    )
    .unwrap();
    assert_eq!(d.orientation, 6);
    assert_eq!(d.image.dimensions(), (384, 512));
    // Without auto-orientation the request is taken as stored.
    let d = decode(
        &bytes,
        &DecodeOptions::default()
            .with_auto_orient(false)
            .with_draft(Some((384, 512))),
    )
    .unwrap();
    assert_eq!(d.image.dimensions(), (1024, 768));
}

#[cfg(feature = "turbo")]
#[test]
fn draft_of_a_greyscale_jpeg_gives_rgb() {
    let grey =
        DynamicImage::ImageLuma8(dataprep_image::image::GrayImage::from_fn(64, 48, |x, y| {
            dataprep_image::image::Luma([((x * 4 + y) % 256) as u8])
        }));
    let mut jpeg = Vec::new();
    dataprep_image::image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&grey)
        .unwrap();
    let d = decode(&jpeg, &DecodeOptions::default().with_draft(Some((16, 12)))).unwrap();
    assert_eq!(d.image.dimensions(), (16, 12));
    assert!(matches!(d.image, DynamicImage::ImageRgb8(_)));
}

#[test]
fn prepare_with_draft_reports_the_full_upright_size() {
    use dataprep_image::{PrepareConfig, prepare};
    let (_, jpeg) = big_photo_jpeg();
    let bytes = with_app1(&jpeg, &orientation_exif(6));
    let full = prepare(&bytes, &PrepareConfig::default()).unwrap();
    let fast = prepare(&bytes, &PrepareConfig::default().with_draft(Some(2.0))).unwrap();
    for p in [&full, &fast] {
        assert_eq!((p.width, p.height), (768, 1024));
        assert_eq!((p.output_width, p.output_height), (256, 256));
    }
    let a = decode(&full.bytes, &DecodeOptions::default())
        .unwrap()
        .image;
    let b = decode(&fast.bytes, &DecodeOptions::default())
        .unwrap()
        .image;
    let p = psnr(a.as_bytes(), b.as_bytes());
    assert!(p > 35.0, "prepared with and without draft: PSNR {p:.1} dB");
}
