use dataprep_image::image::{DynamicImage, Rgba, RgbaImage};
use dataprep_image::{
    AlphaMode, DecodeOptions, EncodeOptions, Metadata, OutputFormat, decode, encode,
};

use super::common::{jpeg_bytes, photo, psnr};
use super::decode::{camera_exif, stored_6x4, with_app1};

#[test]
fn lossless_formats_round_trip_and_jpeg_quality_trades_size() {
    let img = photo("chelsea.png");
    for f in [OutputFormat::Png, OutputFormat::Webp] {
        let bytes = encode(&img, &EncodeOptions::new(f), None).unwrap();
        let back = decode(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(back.image.as_bytes(), img.as_bytes(), "{f:?}");
    }
    let q95 = encode(&img, &EncodeOptions::default(), None).unwrap();
    let q40 = encode(&img, &EncodeOptions::default().with_quality(40), None).unwrap();
    assert!(q40.len() < q95.len());
    let back = decode(&q95, &DecodeOptions::default()).unwrap();
    assert!(psnr(back.image.as_bytes(), img.as_bytes()) > 35.0);
    assert!(encode(&img, &EncodeOptions::default().with_quality(0), None).is_err());
    assert_eq!(OutputFormat::parse("JPG").unwrap(), OutputFormat::Jpeg);
}

#[test]
fn alpha_survives_png_and_webp_and_is_matted_for_jpeg() {
    let rgba = DynamicImage::ImageRgba8(RgbaImage::from_fn(8, 8, |x, _| {
        Rgba([0, 0, 0, (x * 30) as u8])
    }));
    for f in [OutputFormat::Png, OutputFormat::Webp] {
        let bytes = encode(&rgba, &EncodeOptions::new(f), None).unwrap();
        let back = decode(
            &bytes,
            &DecodeOptions::default().with_alpha(AlphaMode::Keep),
        )
        .unwrap();
        assert_eq!(back.image.as_bytes(), rgba.as_bytes());
    }
    let jpeg = encode(&rgba, &EncodeOptions::default(), None).unwrap();
    let back = decode(&jpeg, &DecodeOptions::default())
        .unwrap()
        .image
        .into_rgb8();
    assert!(back.get_pixel(0, 4)[0] > 240, "transparent → white");
    assert!(back.get_pixel(7, 4)[0] < 60, "opaque black stays dark");
}

#[test]
fn metadata_is_stripped_kept_or_kept_without_gps() {
    let src = with_app1(&jpeg_bytes(&stored_6x4(), 90, None), &camera_exif());
    let d = decode(&src, &DecodeOptions::default()).unwrap();
    let raw = d.raw_exif.as_deref();
    for f in [OutputFormat::Jpeg, OutputFormat::Png, OutputFormat::Webp] {
        let strip = encode(&d.image, &EncodeOptions::new(f), raw).unwrap();
        assert!(
            decode(&strip, &DecodeOptions::default())
                .unwrap()
                .exif
                .is_none(),
            "{f:?}"
        );

        let keep = encode(
            &d.image,
            &EncodeOptions::new(f).with_metadata(Metadata::Keep),
            raw,
        )
        .unwrap();
        let k = decode(&keep, &DecodeOptions::default()).unwrap();
        let e = k.exif.unwrap();
        assert_eq!(e.make.as_deref(), Some("Canon"), "{f:?}");
        assert_eq!(
            e.orientation,
            Some(1),
            "pixels are upright, so orientation is reset"
        );
        assert!(e.gps.is_some());
        assert_eq!(
            (k.image.width(), k.image.height()),
            (4, 6),
            "not rotated twice"
        );

        let nogps = encode(
            &d.image,
            &EncodeOptions::new(f).with_metadata(Metadata::KeepWithoutGps),
            raw,
        )
        .unwrap();
        let e = decode(&nogps, &DecodeOptions::default())
            .unwrap()
            .exif
            .unwrap();
        assert_eq!(e.model.as_deref(), Some("EOS 5D"));
        assert!(e.gps.is_none(), "{f:?}");
    }
}
