//! The folder walkers of the `video_clips`, `audio_features` and `image_prep` examples on one
//! mixed folder made with the `ffmpeg` CLI: every file is recognised by its content with the
//! modality's real probe (FFmpeg, symphonia, the image header), whatever its name, and every file
//! not taken has a reason. The examples' sources are included as modules, so this runs exactly
//! their code (Cargo gives tests no path to an example binary).

// Each example includes the examples' shared `examples/common/cli.rs` as its own module.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code)]
#[path = "../../../examples/audio_features.rs"]
mod audio_features;
#[allow(dead_code)]
#[path = "../../../examples/image_prep.rs"]
mod image_prep;
#[allow(dead_code)]
#[path = "../../../examples/video_clips.rs"]
mod video_clips;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn ffmpeg(dir: &Path, name: &str, args: &[&str]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .arg(&p)
        .output()
        .expect("the ffmpeg CLI is installed (scripts/dev deps)");
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const VIDEOS: [&str; 10] = [
    "v/a.mpg", "v/b.ts", "v/c.m2ts", "v/d.flv", "v/e.wmv", "v/f.3gp", "v/g.ogv", "v/h.mkv",
    "v/i.webm", "v/j.mp4",
];
const AUDIO: [&str; 5] = ["a/t.wav", "a/t.flac", "a/t.ogg", "a/t.mp3", "a/t.m4a"];

/// Videos in ten containers, audio in six, images from the `image` crate, and traps: a PNG
/// named `.mp4`, an MP4 named `.dat`, WAV named `.bin`, text named `.mp3`, an empty file, Opus
/// (which symphonia cannot decode: taken only with dataprep-audio's FFmpeg decoder).
fn mixed(dir: &Path) {
    let v = [
        "-f",
        "lavfi",
        "-i",
        "testsrc=duration=1:size=176x144:rate=25",
    ];
    for name in VIDEOS {
        let mut args = v.to_vec();
        match name.rsplit('.').next().unwrap() {
            "mkv" | "mp4" => args.extend(["-c:v", "libx264", "-preset", "ultrafast"]),
            "webm" => args.extend(["-c:v", "libvpx", "-deadline", "realtime"]),
            _ => {}
        }
        ffmpeg(dir, name, &args);
    }
    let a = ["-f", "lavfi", "-i", "sine=duration=1:sample_rate=22050"];
    for name in AUDIO {
        let mut args = a.to_vec();
        if name.ends_with(".ogg") {
            args.extend(["-c:a", "libvorbis"]);
        }
        ffmpeg(dir, name, &args);
    }
    ffmpeg(dir, "a/t.opus", &[&a[..], &["-c:a", "libopus"]].concat());
    use dataprep::image::image::{DynamicImage, ImageFormat, RgbImage};
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(48, 32, |x, y| {
        dataprep::image::image::Rgb([(x * 5) as u8, (y * 7) as u8, 90])
    }));
    std::fs::create_dir_all(dir.join("i")).unwrap();
    for (name, f) in [
        ("i/p.png", ImageFormat::Png),
        ("i/p.jpg", ImageFormat::Jpeg),
        ("i/p.webp", ImageFormat::WebP),
        ("i/p.gif", ImageFormat::Gif),
        ("i/p.bmp", ImageFormat::Bmp),
        ("i/p.tiff", ImageFormat::Tiff),
    ] {
        img.save_with_format(dir.join(name), f).unwrap();
    }
    std::fs::create_dir_all(dir.join("x")).unwrap();
    std::fs::copy(dir.join("i/p.png"), dir.join("x/photo.mp4")).unwrap();
    std::fs::copy(dir.join("v/j.mp4"), dir.join("x/clip.dat")).unwrap();
    std::fs::copy(dir.join("a/t.wav"), dir.join("x/sound.bin")).unwrap();
    std::fs::write(dir.join("x/notes.mp3"), "plain text, not audio\n").unwrap();
    std::fs::write(dir.join("x/empty.mkv"), "").unwrap();
}

/// path → `None` (taken) or `Some(reason)`.
type Verdicts = BTreeMap<String, Option<String>>;

fn all_files(dir: &Path) -> usize {
    let mut n = 0;
    for sub in ["v", "a", "i", "x"] {
        n += std::fs::read_dir(dir.join(sub)).unwrap().count();
    }
    n
}

#[test]
fn examples_walk_by_content_and_give_every_skip_a_reason() {
    let d = tempfile::tempdir().unwrap();
    mixed(d.path());
    let n = all_files(d.path());
    assert_eq!(n, 10 + 6 + 6 + 5);

    let video: Verdicts = video_clips::walk(d.path())
        .unwrap()
        .into_iter()
        .map(|e| match e {
            video_clips::Entry::Video(name, _) => (name, None),
            video_clips::Entry::Skipped(name, reason) => (name, Some(reason)),
        })
        .collect();
    let audio: Verdicts = audio_features::audio_files(d.path(), &Default::default())
        .unwrap()
        .into_iter()
        .map(|(name, r)| (name, r.err()))
        .collect();
    let image: Verdicts = image_prep::files(d.path())
        .unwrap()
        .into_iter()
        .map(|(name, r)| (name, r.err()))
        .collect();
    // One verdict per file, in every walker: nothing is dropped silently.
    for v in [&video, &audio, &image] {
        assert_eq!(v.len(), n);
    }
    let taken = |v: &Verdicts| -> Vec<String> {
        v.iter()
            .filter(|(_, r)| r.is_none())
            .map(|(p, _)| p.clone())
            .collect()
    };
    let mut want_video: Vec<String> = VIDEOS.iter().map(|s| s.to_string()).collect();
    want_video.push("x/clip.dat".into());
    want_video.sort();
    assert_eq!(taken(&video), want_video);
    let mut want_audio: Vec<String> = AUDIO.iter().map(|s| s.to_string()).collect();
    want_audio.push("x/sound.bin".into());
    if dataprep::audio::Backend::FFMPEG_AVAILABLE {
        want_audio.push("a/t.opus".into());
    }
    want_audio.sort();
    assert_eq!(taken(&audio), want_audio);
    assert_eq!(
        taken(&image),
        [
            "i/p.bmp",
            "i/p.gif",
            "i/p.jpg",
            "i/p.png",
            "i/p.tiff",
            "i/p.webp",
            "x/photo.mp4"
        ]
    );

    let reason = |v: &Verdicts, p: &str| v[p].clone().unwrap_or_else(|| format!("{p} taken"));
    assert_eq!(
        reason(&video, "x/photo.mp4"),
        "not_video: detected png image"
    );
    assert_eq!(reason(&video, "a/t.flac"), "not_video: detected flac audio");
    assert_eq!(reason(&video, "x/empty.mkv"), "empty: empty file");
    assert!(reason(&video, "x/notes.mp3").starts_with("probe_failed: "));
    assert_eq!(
        reason(&audio, "v/a.mpg").split(':').next(),
        Some("probe_failed")
    );
    assert_eq!(reason(&audio, "i/p.jpg"), "not_audio: detected jpeg image");
    if !dataprep::audio::Backend::FFMPEG_AVAILABLE {
        assert!(
            reason(&audio, "a/t.opus").contains("unsupported"),
            "{}",
            reason(&audio, "a/t.opus")
        );
    }
    assert!(reason(&audio, "x/notes.mp3").starts_with("probe_failed: "));
    assert_eq!(reason(&image, "v/c.m2ts"), "not_image: detected m2ts video");
    assert_eq!(
        reason(&image, "v/a.mpg"),
        "not_image: detected mpeg-ps video"
    );
    assert_eq!(
        reason(&image, "a/t.opus"),
        "not_image: detected ogg-opus audio"
    );
}
