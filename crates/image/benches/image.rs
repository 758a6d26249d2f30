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

    let jpeg = encode(&img, &EncodeOptions::default().with_quality(90), None).unwrap();
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
    g.finish();

    let mut g = c.benchmark_group("hash_1024x768");
    g.bench_function("phash", |b| b.iter(|| phash(black_box(&img)).unwrap()));
    g.finish();
}

criterion_group!(image_benches, benches);
criterion_main!(image_benches);
