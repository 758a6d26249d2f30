//! Image preparation: auto-orient, resize and re-encode a folder of images, with EXIF, perceptual
//! hashes, quality scores and near-duplicate groups in `metadata.jsonl`.
//!
//! ```text
//! cargo run --release -p dataprep --example image_prep              # generated sample images
//! cargo run --release -p dataprep --example image_prep -- \
//!     --input DIR --output DIR --size N --mode MODE --filter F \
//!     [--format jpeg|png|webp] [--webdataset] [--draft GAP]
//! ```
//!
//! `--help` lists the flags and their defaults; `RUST_LOG` sets the log level (default `info`,
//! on stderr).
//!
//! - `--mode`: img2dataset's `no`, `border` (default: longest side to N, padded white),
//!   `keep_ratio`, `keep_ratio_largest`, `center_crop`, or `stretch` (N × N).
//! - `--filter`: `box`, `bilinear`, `hamming`, `bicubic`, `lanczos3` (default) — Pillow's filters.
//! - `--size`: default 256; `--format`: default `jpeg` (quality 95, img2dataset's), metadata
//!   stripped.
//! - `--draft GAP`: decode JPEGs at a reduced size in the DCT domain, still at least GAP times the
//!   resized size (2 is Pillow's `thumbnail` default); needs the facade's `turbo` feature (on in
//!   `scripts/dev example`), without it the images are decoded in full. Faster on large photos;
//!   hashes and quality scores are then measured on the reduced image.
//!
//! Every file under `--input` is looked at (sorted by path): images are recognised by content
//! (magic bytes, then the decoder's header read), whatever their extension, and every other file
//! is listed as skipped with the reason. Images are written to `--output` under
//! their relative path with the output format's extension (a numeric suffix avoids clashes), or,
//! with `--webdataset`, into tar shards `images-000000.tar` … (1 000 images each; `KEY.jpg` and
//! `KEY.json` per sample) with `images-000000_stats.json` per shard (`count`, `successes`,
//! `failed`, `bytes`) and the shard manifest. `--output/metadata.jsonl` has one line per input
//! file: `path` (relative to the input folder), `output` (relative to the output folder; for
//! shards `images-000000.tar/KEY.jpg`), `width`/`height` after orientation, `orientation`, `exif`
//! (`make`, `model`, `datetime`, `gps`), `ahash`/`dhash`/`phash` (imagehash's 16 hex digits, on
//! the oriented image), `quality` (`laplacian_var`, `grey_std`, `aspect_ratio`,
//! `dominant_fraction`, `flag`: null or `too_small`/`uniform`), `duplicate_group` (the line
//! number, from 0, of the first image whose pHash is within 8 bits) — or `path` and `error` for a
//! file that failed, or `path`, `"skipped": true` and `reason` (`not_image: detected mp4 video`,
//! `probe_failed: …`, `empty: empty file`) for a file that is not an image (not counted in the
//! shard stats). The summary counts written + skipped + failed = files under `--input`.
//!
//! With no arguments it generates a handful of images (JPEG with EXIF orientation 6 and GPS,
//! PNG with alpha, WebP, GIF, BMP, a resized near-duplicate, a flat image and a truncated JPEG)
//! into `target/image-prep-example/input` and writes to `target/image-prep-example/out`.

#[path = "common/cli.rs"]
pub(crate) mod cli;

use std::collections::HashSet;
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use dataprep::image::image::{
    DynamicImage, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage,
};
use dataprep::image::{
    EncodeOptions, ExifInfo, Filter, Gps, Limits, OutputFormat, PrepareConfig, Prepared,
    QualityConfig, ResizeConfig, ResizeMode, near_duplicate_groups, prepare,
};
use dataprep::prelude::*;
use dataprep::storage::sniff::MediaKind;
use dataprep::storage::{MediaFolder, ShardedWriter, WdsMapping, WebDatasetShards};

const SHARD_SIZE: u64 = 1000;
const DUPLICATE_BITS: u32 = 8;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "image_prep",
    version,
    about = "Auto-orient, resize (img2dataset modes, Pillow filters) and re-encode a folder of \
             images, with EXIF, perceptual hashes, quality scores and near-duplicate groups in \
             metadata.jsonl.",
    after_help = "Without --input it generates a handful of images (one truncated) into \
                  target/image-prep-example/input. Log level: RUST_LOG (default info), on stderr."
)]
pub(crate) struct Args {
    /// Folder of images, read recursively [default: generated samples]
    #[arg(long, value_name = "DIR")]
    pub(crate) input: Option<PathBuf>,
    /// Output folder
    #[arg(
        long,
        value_name = "DIR",
        default_value = "target/image-prep-example/out"
    )]
    pub(crate) output: PathBuf,
    /// Target size in pixels
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub(crate) size: u32,
    /// img2dataset's resize mode (border: longest side to N, padded white; stretch: N × N)
    #[arg(
        long,
        value_name = "MODE",
        default_value = "border",
        value_parser = PossibleValuesParser::new([
            "no", "border", "keep_ratio", "keep_ratio_largest", "center_crop", "stretch",
        ])
        .try_map(|s| ResizeMode::parse(&s))
    )]
    pub(crate) mode: ResizeMode,
    /// Pillow's resampling filter
    #[arg(
        long,
        value_name = "F",
        default_value = "lanczos3",
        ignore_case = true,
        value_parser = PossibleValuesParser::new([
            PossibleValue::new("nearest"),
            PossibleValue::new("box").alias("area"),
            PossibleValue::new("bilinear").alias("linear"),
            PossibleValue::new("hamming"),
            PossibleValue::new("bicubic").alias("cubic"),
            PossibleValue::new("lanczos3").alias("lanczos"),
        ])
        .try_map(|s| Filter::parse(&s))
    )]
    pub(crate) filter: Filter,
    /// Output format (jpeg: quality 95), metadata stripped
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "jpeg",
        ignore_case = true,
        value_parser = PossibleValuesParser::new([
            PossibleValue::new("jpeg").alias("jpg"),
            PossibleValue::new("png"),
            PossibleValue::new("webp"),
        ])
        .try_map(|s| OutputFormat::parse(&s))
    )]
    pub(crate) format: OutputFormat,
    /// Write tar shards images-000000.tar … (1 000 images each) instead of files
    #[arg(long)]
    pub(crate) webdataset: bool,
    /// Decode JPEGs reduced in the DCT domain, at least GAP times the resized size (needs the
    /// `turbo` feature; 2 is Pillow's `thumbnail` default) [default: full decode]
    #[arg(long, value_name = "GAP", value_parser = draft_gap)]
    pub(crate) draft: Option<f64>,
}

/// A `--draft` gap: a finite number at least 1.
fn draft_gap(s: &str) -> Result<f64, String> {
    let gap: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if gap.is_finite() && gap >= 1.0 {
        Ok(gap)
    } else {
        Err(format!("the gap must be at least 1, got {gap}"))
    }
}

/// The files under `dir` in path order: `Ok(path)` for an image (by content, confirmed by the
/// decoder's header read), `Err(reason)` for every other file.
pub(crate) type Entry = (String, Result<PathBuf, String>);

pub(crate) fn files(dir: &Path) -> Result<Vec<Entry>, Box<dyn Error>> {
    let folder = MediaFolder::new(dir)
        .with_kind(MediaKind::Image)
        .with_probe(|p, _| {
            let limits = Limits::default();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(
                &mut std::io::Read::take(
                    std::fs::File::open(p).map_err(|e| e.to_string())?,
                    limits.max_bytes + 1,
                ),
                &mut bytes,
            )
            .map_err(|e| e.to_string())?;
            match dataprep::image::probe(&bytes, &limits) {
                Ok((format, _, _)) => Ok(format.to_string()),
                // An image over a limit is still an image: `prepare` reports it as failed.
                Err(dataprep::image::Error::Limit { .. }) => Ok("over a limit".into()),
                Err(e) => Err(e.to_string()),
            }
        })
        .build()?;
    let mut out: Vec<Entry> = (0..folder.files().len())
        .map(|i| (folder.files()[i].clone(), Ok(folder.path(i))))
        .chain(
            folder
                .skipped()
                .iter()
                .map(|s| (s.path.clone(), Err(s.reason.to_string()))),
        )
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// A photo-like test card: gradients, a disc and an off-centre marker (so orientation shows).
fn card(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
        let d = ((fx - 0.5).powi(2) + (fy - 0.5).powi(2)).sqrt();
        if x < w / 5 && y < h / 5 {
            return Rgb([250, 20, 20]);
        }
        let ring = if d < 0.3 { 60.0 } else { 0.0 };
        Rgb([
            (fx * 200.0 + ring) as u8,
            (fy * 180.0 + 40.0 * (fx * 12.0).sin().abs()) as u8,
            (255.0 - fx * 120.0 - ring) as u8,
        ])
    })
}

fn save(img: &DynamicImage, path: &Path, f: ImageFormat) -> Result<(), Box<dyn Error>> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), f)?;
    std::fs::write(path, out)?;
    Ok(())
}

fn generate(dir: &Path) -> Result<(), Box<dyn Error>> {
    std::fs::create_dir_all(dir.join("more"))?;
    let photo = DynamicImage::ImageRgb8(card(320, 240));
    // JPEG stored sideways with EXIF orientation 6 (display rotated 90° clockwise), camera and GPS.
    let mut exif = ExifInfo::default();
    exif.make = Some("dataprep".into());
    exif.model = Some("test card".into());
    exif.datetime = Some("2026:01:02 03:04:05".into());
    exif.orientation = Some(6);
    exif.gps = Some(Gps {
        latitude: 48.8584,
        longitude: 2.2945,
        altitude: Some(35.0),
    });
    let sideways = photo.rotate270();
    let mut jpeg = Vec::new();
    let mut enc =
        dataprep::image::image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90);
    enc.set_exif_metadata(exif.to_exif_bytes().ok_or("exif")?)?;
    let rgb = sideways.to_rgb8();
    enc.write_image(
        rgb.as_raw(),
        rgb.width(),
        rgb.height(),
        dataprep::image::image::ExtendedColorType::Rgb8,
    )?;
    std::fs::write(dir.join("camera.jpg"), &jpeg)?;
    // RGBA with a transparent hole: matted on white.
    let rgba = RgbaImage::from_fn(200, 150, |x, y| {
        let c = card(200, 150).get_pixel(x, y).0;
        let a = if (x as i32 - 100).pow(2) + (y as i32 - 75).pow(2) < 900 {
            0
        } else {
            255
        };
        Rgba([c[0], c[1], c[2], a])
    });
    save(
        &DynamicImage::ImageRgba8(rgba),
        &dir.join("logo.png"),
        ImageFormat::Png,
    )?;
    save(&photo, &dir.join("card.webp"), ImageFormat::WebP)?;
    save(
        &DynamicImage::ImageRgb8(card(120, 90)),
        &dir.join("more/small.gif"),
        ImageFormat::Gif,
    )?;
    save(
        &DynamicImage::ImageRgb8(card(90, 160)),
        &dir.join("more/tall.bmp"),
        ImageFormat::Bmp,
    )?;
    // A smaller copy of the WebP: a near duplicate.
    let copy = photo.resize_exact(
        160,
        120,
        dataprep::image::image::imageops::FilterType::Triangle,
    );
    save(&copy, &dir.join("more/card-copy.png"), ImageFormat::Png)?;
    let flat = DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 64, Rgb([128, 128, 128])));
    save(&flat, &dir.join("more/flat.png"), ImageFormat::Png)?;
    // Truncated JPEG: an `error` line.
    std::fs::write(dir.join("broken.jpg"), &jpeg[..jpeg.len() / 2])?;
    Ok(())
}

fn key_of(rel: &str) -> String {
    let stem = rel.rsplit_once('.').map_or(rel, |(s, _)| s);
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn exif_json(e: &Option<ExifInfo>) -> serde_json::Value {
    match e {
        None => serde_json::Value::Null,
        Some(e) => serde_json::json!({
            "make": e.make, "model": e.model, "datetime": e.datetime,
            "gps": e.gps.map(|g| serde_json::json!({
                "latitude": g.latitude, "longitude": g.longitude, "altitude": g.altitude,
            })),
        }),
    }
}

fn main() -> std::process::ExitCode {
    cli::exit_code(try_main())
}

fn try_main() -> Result<(), Box<dyn Error>> {
    cli::init_tracing();
    let args = Args::parse();
    cli::require_input(args.input.as_deref())?;
    let input = match &args.input {
        Some(d) => d.clone(),
        None => {
            let dir = PathBuf::from("target/image-prep-example/input");
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            generate(&dir)?;
            println!("generated sample images in {}", dir.display());
            dir
        }
    };
    let resize = match args.mode {
        ResizeMode::No => None,
        m => Some(ResizeConfig::new(args.size, m).with_filter(args.filter)),
    };
    let cfg = PrepareConfig::default()
        .with_resize(resize)
        .with_encode(EncodeOptions::new(args.format))
        .with_quality(QualityConfig::default().with_min_size(16))
        .with_draft(args.draft);
    std::fs::create_dir_all(&args.output)?;
    let mut shards = if args.webdataset {
        Some(
            ShardedWriter::new(
                args.output.clone(),
                WebDatasetShards {
                    mapping: WdsMapping::default().with_member("image", args.format.extension()),
                },
            )
            .with_prefix("images")
            .with_max_records(Some(SHARD_SIZE))
            .with_resume(false)
            .build()?,
        )
    } else {
        None
    };
    // Per-shard stats: (count, successes, failed, bytes).
    let mut stats: Vec<(u64, u64, u64, u64)> = Vec::new();
    let mut used = HashSet::new();
    let mut lines: Vec<serde_json::Value> = Vec::new();
    let mut phashes: Vec<(usize, dataprep::image::ImageHash)> = Vec::new();
    let (mut ok, mut failed, mut skipped) = (0u64, 0u64, 0u64);
    for (rel, path) in files(&input)? {
        let path = match path {
            Ok(p) => p,
            Err(reason) => {
                skipped += 1;
                lines.push(serde_json::json!({"path": rel, "skipped": true, "reason": reason}));
                continue;
            }
        };
        let shard = (ok / SHARD_SIZE) as usize;
        if args.webdataset && stats.len() <= shard {
            stats.resize(shard + 1, (0, 0, 0, 0));
        }
        let result = (|| -> Result<(Prepared, String), Box<dyn Error>> {
            let bytes = std::fs::read(&path)?;
            let p = prepare(&bytes, &cfg)?;
            let ext = args.format.extension();
            let output = if let Some(w) = shards.as_mut() {
                let mut key = key_of(&rel);
                let mut n = 1;
                while !used.insert(key.clone()) {
                    key = format!("{}_{n}", key_of(&rel));
                    n += 1;
                }
                w.write(
                    Record::new()
                        .with_key(key.clone())
                        .with("image", p.bytes.clone())
                        .with("path", rel.clone())
                        .with("width", u64::from(p.output_width))
                        .with("height", u64::from(p.output_height)),
                )?;
                format!("images-{shard:06}.tar/{key}.{ext}")
            } else {
                let stem = rel.rsplit_once('.').map_or(rel.as_str(), |(s, _)| s);
                let mut out = format!("{stem}.{ext}");
                let mut n = 1;
                while !used.insert(out.clone()) {
                    out = format!("{stem}_{n}.{ext}");
                    n += 1;
                }
                let dest = args.output.join(&out);
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(dest, &p.bytes)?;
                out
            };
            Ok((p, output))
        })();
        let line = match result {
            Ok((p, output)) => {
                if let Some(s) = stats.get_mut(shard) {
                    s.0 += 1;
                    s.1 += 1;
                    s.3 += p.bytes.len() as u64;
                }
                ok += 1;
                let h = p.hashes.as_ref().ok_or("hashes are enabled")?;
                phashes.push((lines.len(), h.phash));
                serde_json::json!({
                    "path": rel, "output": output, "width": p.width, "height": p.height,
                    "orientation": p.orientation, "exif": exif_json(&p.exif),
                    "ahash": h.ahash.to_string(), "dhash": h.dhash.to_string(),
                    "phash": h.phash.to_string(),
                    "quality": {
                        "laplacian_var": p.scores.laplacian_var, "grey_std": p.scores.grey_std,
                        "aspect_ratio": p.scores.aspect_ratio,
                        "dominant_fraction": p.scores.dominant_fraction, "flag": p.drop_reason,
                    },
                })
            }
            Err(e) => {
                if let Some(s) = stats.get_mut(shard) {
                    s.0 += 1;
                    s.2 += 1;
                }
                failed += 1;
                serde_json::json!({"path": rel, "error": e.to_string()})
            }
        };
        lines.push(line);
    }
    let hashes: Vec<_> = phashes.iter().map(|&(_, h)| h).collect();
    let groups = near_duplicate_groups(&hashes, DUPLICATE_BITS);
    let mut groups_n = HashSet::new();
    for (&(line, _), &g) in phashes.iter().zip(&groups) {
        let first_line = phashes[g].0;
        groups_n.insert(first_line);
        lines[line]["duplicate_group"] = serde_json::json!(first_line);
    }
    let mut meta =
        std::io::BufWriter::new(std::fs::File::create(args.output.join("metadata.jsonl"))?);
    for l in &lines {
        writeln!(meta, "{l}")?;
    }
    meta.flush()?;
    if let Some(mut w) = shards {
        w.finish()?;
        for (i, s) in stats.iter().enumerate() {
            let j = serde_json::json!({
                "shard": format!("images-{i:06}.tar"), "count": s.0, "successes": s.1,
                "failed": s.2, "bytes": s.3,
            });
            std::fs::write(
                args.output.join(format!("images-{i:06}_stats.json")),
                j.to_string(),
            )?;
        }
    }
    println!(
        "{ok} images written, {skipped} skipped, {failed} failed, {} duplicate groups; {:?} {} {:?}; \
         output in {}",
        groups_n.len(),
        args.mode,
        args.size,
        args.filter,
        args.output.display()
    );
    Ok(())
}
