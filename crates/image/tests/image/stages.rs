use dataprep_core::{
    Action, Context, Pipeline, Record, Stage, StatefulStage, Value, VecDataset, VecSink,
};
use dataprep_image::image::{DynamicImage, Rgb, RgbImage};
use dataprep_image::stages::{
    AugmentImageStage, ImageQualityStage, ImageToTensorStage, NearDuplicatesStage,
    PrepareImageStage,
};
use dataprep_image::{
    Augment, DecodeOptions, EncodeOptions, OutputFormat, PrepareConfig, QualityConfig,
    ResizeConfig, ResizeMode, decode, encode,
};

use super::common::{goldens, photo};

fn png(img: &DynamicImage) -> Vec<u8> {
    encode(img, &EncodeOptions::new(OutputFormat::Png), None).unwrap()
}

#[test]
fn prepare_stage_writes_bytes_hashes_scores_and_metadata() {
    let g = goldens();
    let stage = PrepareImageStage::new(
        PrepareConfig::default().with_resize(Some(ResizeConfig::new(64, ResizeMode::Border))),
    );
    let cx = Context::new("prepare_image", 0);
    let mut r = Record::new()
        .with_key("a")
        .with("image", png(&photo("astronaut.png")));
    assert!(matches!(stage.process(&mut r, &cx).unwrap(), Action::Keep));
    assert_eq!(r.u64("width").unwrap(), 128);
    assert_eq!(r.u64("output_width").unwrap(), 64);
    assert_eq!(r.u64("output_height").unwrap(), 64);
    assert_eq!(r.str("source_format").unwrap(), "png");
    let want = &g["hashes"][0];
    assert_eq!(want["image"], "astronaut.png");
    assert_eq!(r.str("phash").unwrap(), want["phash"].as_str().unwrap());
    assert_eq!(r.str("ahash").unwrap(), want["ahash"].as_str().unwrap());
    assert!(r.score("prepare_image", "laplacian_var").unwrap() > 100.0);
    let out = decode(r.bytes("image").unwrap(), &DecodeOptions::default()).unwrap();
    assert_eq!(out.format, "jpeg");
    assert_eq!((out.image.width(), out.image.height()), (64, 64));

    let mut bad = Record::new()
        .with_key("b")
        .with("image", vec![0xFFu8, 0xD8, 0xFF]);
    assert!(stage.process(&mut bad, &cx).is_err());
    let mut flat = Record::new().with_key("c").with(
        "image",
        png(&DynamicImage::ImageRgb8(RgbImage::from_pixel(
            32,
            32,
            Rgb([9, 9, 9]),
        ))),
    );
    assert!(matches!(stage.process(&mut flat, &cx).unwrap(), Action::Drop(r) if r == "uniform"));
}

#[test]
fn quality_filter_and_tensor_stages() {
    let cx = Context::new("image_quality", 0);
    let f = ImageQualityStage::new(QualityConfig::default().with_min_size(100));
    let mut r = Record::new().with("image", png(&photo("coffee.png")));
    assert!(matches!(f.process(&mut r, &cx).unwrap(), Action::Drop(x) if x == "too_small"));
    assert_eq!(r.score("image_quality", "width"), Some(128.0));

    let t = ImageToTensorStage::default();
    let mut r = Record::new().with("image", png(&photo("coffee.png")));
    t.process(&mut r, &Context::new("image_to_tensor", 0))
        .unwrap();
    match r.get("pixel_values") {
        Some(Value::Tensor(t)) => assert_eq!(t.shape(), &[3, 224, 224]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn augment_stage_is_deterministic_whatever_the_thread_count() {
    let recs: Vec<Record> = (0..6)
        .map(|i| {
            Record::new()
                .with_key(format!("r{i}"))
                .with("image", png(&photo("chelsea.png")))
        })
        .collect();
    let run = |threads: usize| {
        let ds = VecDataset::new(recs.clone());
        let mut sink = VecSink::default();
        let stage = AugmentImageStage::new(
            Augment::new()
                .with_flips(0.5, 0.0)
                .with_noise(1.0, 4.0)
                .with_cutout(0.5, 1, 0.3, [0, 0, 0]),
        );
        Pipeline::new(&ds)
            .with_seed(11)
            .with_threads(threads)
            .stage(stage)
            .sink(&mut sink)
            .run()
            .unwrap();
        sink.records()
            .iter()
            .map(|r| r.bytes("image").unwrap().to_vec())
            .collect::<Vec<_>>()
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_ne!(one[0], one[1], "different records get different draws");
}

#[test]
fn near_duplicate_stage_groups_in_input_order() {
    let mut st = NearDuplicatesStage::new("phash", 8).with_drop_duplicates(true);
    let cx = Context::new("near_duplicates", 0);
    let hashes = [
        "d2b2cc4422bf5769",
        "bb8320376c0f3637",
        "d2b2cc4422bf5768",
        "b511e46e71299756",
    ];
    let mut out = Vec::new();
    for (i, h) in hashes.iter().enumerate() {
        let mut r = Record::new().with_key(format!("k{i}")).with("phash", *h);
        let a = st.process(&mut r, &cx).unwrap();
        out.push((
            r.str("duplicate_group").unwrap().to_string(),
            matches!(a, Action::Keep),
        ));
    }
    assert_eq!(
        out,
        vec![
            ("k0".to_string(), true),
            ("k1".to_string(), true),
            ("k0".to_string(), false),
            ("k3".to_string(), true)
        ]
    );
}
