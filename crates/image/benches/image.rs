//! Criterion benchmarks of dataprep-image; the Python side (Pillow resize per filter, and
//! img2dataset's OpenCV resizer path) is `tools/image_bench.py`, run on the same input: the
//! committed `coffee.png` photo upscaled to 1024×768 with Lanczos. Results: docs/performance.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dataprep_image::image::DynamicImage;
use dataprep_image::{
    DecodeOptions, EncodeOptions, Filter, ResizeConfig, ResizeMode, decode, encode, phash, resize,
    resize_exact,
};

fn input() -> DynamicImage {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/photos/coffee.png");
    let img = dataprep_image::image::open(path).expect("fixture decodes");
    resize_exact(&img, 1024, 768, Filter::Lanczos3).expect("upscale")
}

/// The 1024×768 input as a typical web JPEG (libjpeg via OpenCV, quality 90, 4:2:0; see
/// `benches/data/README.md`), the very bytes `tools/image_bench.py` decodes.
fn input_jpeg() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/data/coffee_1024x768_q90.jpg"
    );
    std::fs::read(path).expect("committed bench input")
}

/// Writes the border-256 result (before JPEG encoding) of the full decode and of the draft
/// decodes as PNG next to the input, for `tools/image_bench.py` to score against Pillow.
fn write_outputs(jpeg: &[u8]) {
    let dir = bench_dir().join("image");
    std::fs::create_dir_all(&dir).expect("bench data dir");
    let cfg = ResizeConfig::new(256, ResizeMode::Border).with_filter(Filter::Lanczos3);
    for (name, draft) in [
        ("full", None),
        ("draft2", cfg.draft_size(1024, 768, 2.0)),
        ("draft1", cfg.draft_size(1024, 768, 1.0)),
    ] {
        let d = decode(jpeg, &DecodeOptions::default().with_draft(draft)).unwrap();
        let r = resize(&d.image, &cfg).unwrap();
        r.save(dir.join(format!("out_{name}_border256_lanczos3.png")))
            .unwrap();
    }
}

fn bench_dir() -> std::path::PathBuf {
    std::env::var_os("DATAPREP_BENCH_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data")
        })
}

fn benches(c: &mut Criterion) {
    let img = input();
    let mut g = c.benchmark_group("resize_1024x768_rgb_to_256x192");
    for f in [
        Filter::Box,
        Filter::Bilinear,
        Filter::Hamming,
        Filter::Bicubic,
        Filter::Lanczos3,
    ] {
        g.bench_function(f.name(), |b| {
            b.iter(|| resize_exact(black_box(&img), 256, 192, f).unwrap())
        });
    }
    g.finish();

    let jpeg = input_jpeg();
    write_outputs(&jpeg);
    let mut g = c.benchmark_group("pipeline_1024x768_jpeg");
    g.bench_function("decode", |b| {
        b.iter(|| decode(black_box(&jpeg), &DecodeOptions::default()).unwrap())
    });
    for f in [Filter::Box, Filter::Lanczos3] {
        let cfg = ResizeConfig::new(256, ResizeMode::Border).with_filter(f);
        g.bench_function(format!("decode_border256_{}_jpeg95", f.name()), |b| {
            b.iter(|| {
                let d = decode(black_box(&jpeg), &DecodeOptions::default()).unwrap();
                let r = resize(&d.image, &cfg).unwrap();
                encode(&r, &EncodeOptions::default(), None).unwrap()
            })
        });
    }
    // The same with a DCT-scaled (draft) JPEG decode (`turbo` feature; without it the draft is
    // ignored): reducing gap 2 (1/2 size, as Pillow's `thumbnail`) and 1 (1/4 size).
    for (f, gap) in [
        (Filter::Box, 2.0),
        (Filter::Lanczos3, 2.0),
        (Filter::Lanczos3, 1.0),
    ] {
        let cfg = ResizeConfig::new(256, ResizeMode::Border).with_filter(f);
        let opts = DecodeOptions::default().with_draft(cfg.draft_size(1024, 768, gap));
        let name = format!("draft{gap}_decode_border256_{}_jpeg95", f.name());
        g.bench_function(name, |b| {
            b.iter(|| {
                let d = decode(black_box(&jpeg), &opts).unwrap();
                let r = resize(&d.image, &cfg).unwrap();
                encode(&r, &EncodeOptions::default(), None).unwrap()
            })
        });
    }
    let small = resize(&img, &ResizeConfig::new(256, ResizeMode::Border)).unwrap();
    g.bench_function("encode_256x256_jpeg95", |b| {
        b.iter(|| encode(black_box(&small), &EncodeOptions::default(), None).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("hash_1024x768");
    g.bench_function("phash", |b| b.iter(|| phash(black_box(&img)).unwrap()));
    g.finish();
}

criterion_group!(image_benches, benches);
criterion_main!(image_benches);
