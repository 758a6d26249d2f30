use dataprep_core::rng::record_rng;
use dataprep_image::augment::{Affine, ColorJitter, RandomResizedCrop, affine};
use dataprep_image::image::{DynamicImage, Rgb, RgbImage};
use dataprep_image::{Augment, augment};
use rand::SeedableRng;

use super::common::photo;

fn full() -> Augment {
    Augment::new()
        .with_random_resized_crop(RandomResizedCrop::new(64))
        .with_flips(0.5, 0.2)
        .with_affine(Affine::rotation(20.0))
        .with_color_jitter(ColorJitter::new(0.4, 0.4, 0.4, 0.1))
        .with_blur(0.5, (0.1, 2.0))
        .with_noise(0.5, 5.0)
        .with_cutout(0.5, 2, 0.2, [0, 0, 0])
        .with_jpeg(0.5, (30, 90))
}

#[test]
fn same_record_and_seed_give_the_same_output() {
    let img = photo("chelsea.png");
    let recipe = full();
    for key in ["a", "b", "c"] {
        let x = augment(&img, &recipe, &mut record_rng(42, "augment_image", key)).unwrap();
        let y = augment(&img, &recipe, &mut record_rng(42, "augment_image", key)).unwrap();
        assert_eq!(x.as_bytes(), y.as_bytes());
        assert_eq!((x.width(), x.height()), (64, 64));
    }
    let a = augment(&img, &recipe, &mut record_rng(42, "augment_image", "a")).unwrap();
    let b = augment(&img, &recipe, &mut record_rng(43, "augment_image", "a")).unwrap();
    assert_ne!(a.as_bytes(), b.as_bytes());
    let id = augment(&img, &Augment::new(), &mut record_rng(1, "s", "k")).unwrap();
    assert_eq!(id.as_bytes(), img.as_bytes());
}

#[test]
fn random_resized_crop_windows_respect_scale_and_ratio() {
    let c = RandomResizedCrop::new(32);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for _ in 0..500 {
        let (x, y, w, h) = c.window(400, 300, &mut rng);
        assert!(x + w <= 400 && y + h <= 300);
        let frac = f64::from(w * h) / 120_000.0;
        let ratio = f64::from(w) / f64::from(h);
        // Rounding of w and h moves area and ratio a little past the bounds.
        assert!((0.075..=1.0).contains(&frac), "{frac}");
        assert!((0.74..=1.35).contains(&ratio), "{ratio}");
    }
    // A very wide image falls back to a centred crop at the largest ratio after ten misses.
    let (x, y, w, h) = c.window(1000, 10, &mut rng);
    assert!(w <= 14 && h == 10 || (x + w <= 1000 && y + h <= 10));
}

#[test]
fn flips_and_rotation_are_exact_where_they_should_be() {
    let img = RgbImage::from_fn(8, 6, |x, y| Rgb([(x * 30) as u8, (y * 40) as u8, 7]));
    let d = DynamicImage::ImageRgb8(img.clone());
    let always_h = Augment::new().with_flips(1.0, 0.0);
    let out = augment(&d, &always_h, &mut record_rng(0, "s", "k"))
        .unwrap()
        .into_rgb8();
    assert_eq!(out.get_pixel(0, 0), img.get_pixel(7, 0));
    let r0 = affine(&img, 0.0, 1.0, 0.0, 0.0, [0, 0, 0]);
    assert_eq!(r0, img);
    let r180 = affine(&img, 180.0, 1.0, 0.0, 0.0, [0, 0, 0]);
    assert_eq!(r180.get_pixel(0, 0), img.get_pixel(7, 5));
    assert_eq!(r180.get_pixel(3, 2), img.get_pixel(4, 3));
    let shifted = affine(&img, 0.0, 1.0, 2.0, 0.0, [9, 9, 9]);
    assert_eq!(shifted.get_pixel(0, 0).0, [9, 9, 9]);
    assert_eq!(shifted.get_pixel(2, 0), img.get_pixel(0, 0));
}

#[test]
fn colour_jitter_and_cutout_change_pixels_in_range() {
    let img = photo("coffee.png");
    // Saturation and hue jitter leave a grey image grey (and unchanged).
    let grey = DynamicImage::ImageRgb8(RgbImage::from_fn(16, 16, |x, y| {
        let v = (x * 8 + y * 4) as u8;
        Rgb([v, v, v])
    }));
    let j = Augment::new().with_color_jitter(ColorJitter::new(0.0, 0.0, 0.9, 0.3));
    for k in 0..10 {
        let out = augment(&grey, &j, &mut record_rng(5, "s", &k.to_string())).unwrap();
        assert_eq!(out.as_bytes(), grey.as_bytes());
    }
    // Brightness scales every channel by one factor.
    let b = Augment::new().with_color_jitter(ColorJitter::new(0.5, 0.0, 0.0, 0.0));
    let out = augment(&img, &b, &mut record_rng(5, "s", "k"))
        .unwrap()
        .into_rgb8();
    let src = img.to_rgb8();
    let ratios: Vec<f64> = src
        .pixels()
        .zip(out.pixels())
        .flat_map(|(a, b)| (0..3).map(move |c| (a[c], b[c])))
        .filter(|&(a, b)| a > 60 && b < 250)
        .map(|(a, b)| f64::from(b) / f64::from(a))
        .collect();
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &r| (l.min(r), h.max(r)));
    assert!(hi - lo < 0.02, "{lo}..{hi}");
    assert!((lo - 1.0).abs() > 0.001, "a factor was drawn");
    let cut = Augment::new().with_cutout(1.0, 1, 0.5, [1, 2, 3]);
    let out = augment(&img, &cut, &mut record_rng(5, "s", "k"))
        .unwrap()
        .into_rgb8();
    let n = out.pixels().filter(|p| p.0 == [1, 2, 3]).count();
    assert!(n >= 48 * 48, "{n}");
}
