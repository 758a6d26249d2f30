use dataprep_image::image::{DynamicImage, GenericImageView, Rgb, RgbImage};
use dataprep_image::{
    Filter, ResizeConfig, ResizeMode, center_crop, crop, random_crop, resize, resize_exact,
};
use rand::SeedableRng;

use super::common::{goldens, load_png, photo, psnr};

#[test]
fn every_filter_matches_pillow_at_40_db_on_photos() {
    let g = goldens();
    let mut worst = f64::INFINITY;
    for case in g["resize"].as_array().unwrap() {
        let mut src = photo(case["input"].as_str().unwrap());
        if let Some(c) = case["crop"].as_array() {
            let c: Vec<u32> = c.iter().map(|v| v.as_u64().unwrap() as u32).collect();
            src = crop(&src, c[0], c[1], c[2] - c[0], c[3] - c[1]).unwrap();
        }
        let rgba = case["rgba"].as_bool().unwrap();
        if rgba {
            let mut a = src.to_rgba8();
            for (x, _, p) in a.enumerate_pixels_mut() {
                p[3] = (x * 2) as u8;
            }
            src = DynamicImage::ImageRgba8(a);
        }
        let filter = Filter::parse(case["filter"].as_str().unwrap()).unwrap();
        let (w, h) = (
            case["width"].as_u64().unwrap() as u32,
            case["height"].as_u64().unwrap() as u32,
        );
        let ours = resize_exact(&src, w, h, filter).unwrap();
        let want = load_png(&format!("pillow/{}", case["golden"].as_str().unwrap()));
        let (a, b) = if rgba {
            // Compare what is visible: colour weighted by alpha (fully transparent colour is
            // arbitrary in both), plus the alpha channel.
            let vis = |i: &DynamicImage| -> Vec<u8> {
                i.to_rgba8()
                    .pixels()
                    .flat_map(|p| {
                        let a = u16::from(p[3]);
                        [0, 1, 2]
                            .map(|c| ((u16::from(p[c]) * a + 127) / 255) as u8)
                            .into_iter()
                            .chain([p[3]])
                    })
                    .collect()
            };
            (vis(&ours), vis(&want))
        } else {
            (ours.to_rgb8().into_raw(), want.to_rgb8().into_raw())
        };
        let p = psnr(&a, &b);
        worst = worst.min(p);
        assert!(p >= 40.0, "{}: PSNR {p:.2} dB", case["golden"]);
    }
    assert!(worst.is_finite() || worst == f64::INFINITY);
}

fn rgb(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 100])
    }))
}

#[test]
fn img2dataset_modes_give_its_sizes() {
    let img = rgb(300, 200);
    let dims = |mode, size| {
        resize(&img, &ResizeConfig::new(size, mode))
            .unwrap()
            .dimensions()
    };
    assert_eq!(dims(ResizeMode::No, 64), (300, 200));
    assert_eq!(dims(ResizeMode::Border, 64), (64, 64));
    // Python round(200 * 64 / 300) = round(42.67) = 43.
    assert_eq!(dims(ResizeMode::KeepRatioLargest, 64), (64, 43));
    assert_eq!(dims(ResizeMode::KeepRatio, 64), (96, 64));
    assert_eq!(dims(ResizeMode::CenterCrop, 64), (64, 64));
    let s = resize(
        &img,
        &ResizeConfig::new(64, ResizeMode::Stretch).with_dimensions(50, 70),
    )
    .unwrap();
    assert_eq!(s.dimensions(), (50, 70));
    // Half-to-even: 250 x 150 to 100 -> 150 * 0.4 = 60; 125 x 75 longest to 50 -> 75 * 0.4 = 30.
    let odd = rgb(5, 3);
    assert_eq!(
        resize(&odd, &ResizeConfig::new(2, ResizeMode::KeepRatioLargest))
            .unwrap()
            .dimensions(),
        (2, 1)
    );
    // only_if_bigger leaves small images alone.
    let small = rgb(20, 10);
    let cfg = ResizeConfig::new(64, ResizeMode::KeepRatio).with_only_if_bigger(true);
    assert_eq!(resize(&small, &cfg).unwrap().dimensions(), (20, 10));
}

#[test]
fn border_pads_centred_with_the_padding_colour() {
    let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(40, 20, Rgb([10, 20, 30])));
    let out = resize(&img, &ResizeConfig::new(20, ResizeMode::Border))
        .unwrap()
        .into_rgb8();
    // 40x20 -> 20x10, padded top (20-10)/2 = 5 rows, bottom 5 rows.
    assert_eq!(out.get_pixel(10, 0).0, [255, 255, 255]);
    assert_eq!(out.get_pixel(10, 4).0, [255, 255, 255]);
    assert_eq!(out.get_pixel(10, 5).0, [10, 20, 30]);
    assert_eq!(out.get_pixel(10, 14).0, [10, 20, 30]);
    assert_eq!(out.get_pixel(10, 15).0, [255, 255, 255]);
    let red = resize(
        &img,
        &ResizeConfig::new(20, ResizeMode::Border).with_pad([255, 0, 0]),
    )
    .unwrap();
    assert_eq!(red.into_rgb8().get_pixel(0, 0).0, [255, 0, 0]);
    // Odd padding: 40x20 -> 21x10 (round(10.5) = 10), 21 - 10 = 11 -> top 5, bottom 6 (albumentations' int((min - rows) / 2)).
    let out = resize(&img, &ResizeConfig::new(21, ResizeMode::Border))
        .unwrap()
        .into_rgb8();
    assert_eq!(out.dimensions(), (21, 21));
    assert_eq!(out.get_pixel(10, 4).0, [255, 255, 255]);
    assert_eq!(out.get_pixel(10, 5).0, [10, 20, 30]);
    assert_eq!(out.get_pixel(10, 14).0, [10, 20, 30]);
    assert_eq!(out.get_pixel(10, 15).0, [255, 255, 255]);
    assert_eq!(out.get_pixel(10, 20).0, [255, 255, 255]);
}

#[test]
fn crops() {
    let img = rgb(10, 8);
    let c = center_crop(&img, 4, 4, [0, 0, 0]).unwrap().into_rgb8();
    // torchvision: top = round((8 - 4) / 2) = 2, left = round((10 - 4) / 2) = 3.
    assert_eq!(c.get_pixel(0, 0).0, [3, 2, 100]);
    let c = center_crop(&img, 5, 5, [0, 0, 0]).unwrap().into_rgb8();
    // round(2.5) = 2 and round(1.5) = 2 (half to even).
    assert_eq!(c.get_pixel(0, 0).0, [2, 2, 100]);
    let padded = center_crop(&rgb(2, 2), 4, 4, [0, 0, 0])
        .unwrap()
        .into_rgb8();
    assert_eq!(padded.get_pixel(0, 0).0, [0, 0, 0]);
    assert_eq!(padded.get_pixel(1, 1).0, [0, 0, 100]);
    let mut r1 = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut r2 = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let a = random_crop(&img, 3, 3, &mut r1).unwrap();
    let b = random_crop(&img, 3, 3, &mut r2).unwrap();
    assert_eq!(a.as_bytes(), b.as_bytes());
    assert!(crop(&img, 8, 0, 3, 1).is_err());
    assert!(resize_exact(&img, 0, 3, Filter::Box).is_err());
    assert!(ResizeMode::parse("zoom").is_err());
    assert_eq!(
        ResizeMode::parse("keep_ratio_largest").unwrap(),
        ResizeMode::KeepRatioLargest
    );
}
