use dataprep_image::image::{DynamicImage, GrayImage, Luma, Rgb, RgbImage};
use dataprep_image::{
    ClassificationPreset, Layout, MeanStd, QualityConfig, check_quality, hsv_to_rgb,
    quality_scores, rgb_to_hsv, to_tensor,
};
use proptest::prelude::*;

use super::common::{goldens, photo};

#[test]
fn classification_preset_matches_torchvision_on_pil() {
    let g = goldens();
    let case = &g["classification_preset"];
    let img = photo(case["image"].as_str().unwrap());
    let p = ClassificationPreset::default();
    let rs: Vec<u32> = case["resized"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    assert_eq!(
        p.resized_dimensions(img.width(), img.height()),
        (rs[0], rs[1])
    );
    let t = p.apply(&img).unwrap();
    assert_eq!(t.shape(), &[3, 224, 224]);
    for (c, want) in case["channel_means"].as_array().unwrap().iter().enumerate() {
        let m = t.index_axis(ndarray::Axis(0), c).mean().unwrap();
        assert!(
            (f64::from(m) - want.as_f64().unwrap()).abs() < 2e-3,
            "channel {c}: {m}"
        );
    }
    for s in case["samples"].as_array().unwrap() {
        let s: Vec<f64> = s
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let v = t[[s[0] as usize, s[1] as usize, s[2] as usize]];
        // One grey level is 1 / (255 * 0.225) = 0.0174 after normalising.
        assert!((f64::from(v) - s[3]).abs() < 0.05, "{s:?}: {v}");
    }
}

#[test]
fn tensor_layouts_and_imagenet_values() {
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(3, 2, |x, y| {
        Rgb([(x * 100) as u8, (y * 255) as u8, 51])
    }));
    let chw = to_tensor(&img, Layout::Chw, &MeanStd::IMAGENET).unwrap();
    let hwc = to_tensor(&img, Layout::Hwc, &MeanStd::IMAGENET).unwrap();
    assert_eq!(chw.shape(), &[3, 2, 3]);
    assert_eq!(hwc.shape(), &[2, 3, 3]);
    for c in 0..3 {
        for y in 0..2 {
            for x in 0..3 {
                assert_eq!(chw[[c, y, x]], hwc[[y, x, c]]);
            }
        }
    }
    assert!((chw[[0, 0, 2]] - (200.0 / 255.0 - 0.485) / 0.229).abs() < 1e-6);
    assert!((chw[[1, 1, 0]] - (1.0 - 0.456) / 0.224).abs() < 1e-6);
    let grey = DynamicImage::ImageLuma8(GrayImage::from_pixel(2, 2, Luma([255])));
    let t = to_tensor(&grey, Layout::Chw, &MeanStd::SYMMETRIC).unwrap();
    assert_eq!(t.shape(), &[1, 2, 2]);
    assert!((t[[0, 0, 0]] - 1.0).abs() < 1e-6);
    let bad = MeanStd {
        mean: [0.0; 3],
        std: [1.0, 0.0, 1.0],
    };
    assert!(to_tensor(&img, Layout::Chw, &bad).is_err());
}

#[test]
fn blur_variance_of_laplacian_matches_opencv() {
    let g = goldens();
    for case in g["blur"].as_array().unwrap() {
        let s = quality_scores(&photo(case["image"].as_str().unwrap()));
        let want = case["laplacian_var"].as_f64().unwrap();
        assert!(
            (s.laplacian_var - want).abs() < 1e-9 * want,
            "{}: {} vs {want}",
            case["image"],
            s.laplacian_var
        );
    }
}

#[test]
fn quality_filters_drop_with_reasons() {
    let sharp = photo("astronaut.png");
    let cfg = QualityConfig::default();
    assert!(check_quality(&quality_scores(&sharp), &cfg).is_keep());
    let flat = DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 64, Rgb([120, 130, 140])));
    let s = quality_scores(&flat);
    assert_eq!(s.grey_std, 0.0);
    assert_eq!(s.dominant_fraction, 1.0);
    assert_eq!(s.laplacian_var, 0.0);
    assert_eq!(
        check_quality(&s, &cfg),
        dataprep_core::Decision::drop("uniform")
    );
    let wide = DynamicImage::ImageRgb8(RgbImage::from_fn(90, 10, |x, y| {
        Rgb([(x * 2) as u8, (y * 20) as u8, 0])
    }));
    let s = quality_scores(&wide);
    assert_eq!(s.aspect_ratio, 9.0);
    assert_eq!(
        check_quality(&s, &cfg.with_max_aspect_ratio(3.0)),
        dataprep_core::Decision::drop("aspect_ratio")
    );
    assert_eq!(
        check_quality(&s, &cfg.with_min_size(32)),
        dataprep_core::Decision::drop("too_small")
    );
    let blurred = dataprep_image::resize_exact(
        &dataprep_image::resize_exact(&sharp, 16, 12, dataprep_image::Filter::Box).unwrap(),
        128,
        96,
        dataprep_image::Filter::Bilinear,
    )
    .unwrap();
    let (b, a) = (quality_scores(&blurred), quality_scores(&sharp));
    assert!(b.laplacian_var * 10.0 < a.laplacian_var);
    let cfg = cfg.with_min_laplacian_var(100.0);
    assert_eq!(
        check_quality(&b, &cfg),
        dataprep_core::Decision::drop("blurry")
    );
    assert!(check_quality(&a, &cfg).is_keep());
}

proptest! {
    #[test]
    fn hsv_round_trips(r in 0u8.., g in 0u8.., b in 0u8..) {
        let rgb = [f32::from(r), f32::from(g), f32::from(b)];
        let back = hsv_to_rgb(rgb_to_hsv(rgb));
        for c in 0..3 {
            prop_assert!((back[c] - rgb[c]).abs() < 1e-3);
        }
    }
}
