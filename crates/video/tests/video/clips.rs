use dataprep_video::clips::{ClipConfig, ClipPrecision, fixed_spans, spans_from_cuts, write_clips};
use dataprep_video::{EncodeConfig, ExtractConfig, Frame, FrameTimes, extract_frames};

use super::common::{av_clip, tmp};

/// Keyframe times of the first video stream according to the ffprobe CLI.
fn ffprobe_keyframes(path: &std::path::Path) -> Vec<f64> {
    super::common::ffprobe_with(path, &["-skip_frame", "nokey"], "frame=pts_time")
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

fn mse(a: &Frame, b: &Frame) -> f64 {
    let (x, y) = (a.image.as_raw(), b.image.as_raw());
    assert_eq!(x.len(), y.len());
    x.iter()
        .zip(y)
        .map(|(p, q)| (f64::from(*p) - f64::from(*q)).powi(2))
        .sum::<f64>()
        / x.len() as f64
}

/// Index of the source frame closest (MSE) to `f`.
fn closest(src: &[Frame], f: &Frame) -> usize {
    (0..src.len())
        .min_by(|&i, &j| mse(&src[i], f).total_cmp(&mse(&src[j], f)))
        .unwrap()
}

#[test]
fn timeline_matches_decoded_frames() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 2.0);
    let t = FrameTimes::scan(&p).unwrap();
    let f = extract_frames(&p, &ExtractConfig::default()).unwrap();
    assert_eq!(t.len(), f.len());
    assert!(
        t.times_s
            .iter()
            .zip(&f)
            .all(|(a, b)| (a - b.time_s).abs() < 1e-9)
    );
    let close = |a: &[f64], b: &[f64]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6)
    };
    assert!(
        close(&t.keyframe_times(), &[0.0, 0.4, 0.8, 1.2, 1.6]),
        "{:?}",
        t.keyframe_times()
    );
    assert!((t.end_s - 2.0).abs() < 1e-9);
    assert!(close(&t.keyframe_times(), &ffprobe_keyframes(&p)));
    assert_eq!(t.frames_in(0.41, 0.8), 11..20);
    assert_eq!(t.on_screen_at(0.41), Some(10));
}

#[test]
fn exact_clips_start_at_the_requested_frame() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 160, 120, 25, 2.0);
    let src = extract_frames(&p, &ExtractConfig::default()).unwrap();
    let cfg = ClipConfig::default()
        .with_precision(ClipPrecision::Exact)
        .with_encode(
            EncodeConfig::default()
                .with_crf(12)
                .with_preset("ultrafast"),
        );
    // 0.53 s is between frames 13 (0.52) and 14 (0.56) and far from a keyframe (0.4, 0.8).
    let r = write_clips(&p, &[(0.53, 1.5), (1.5, 2.0)], d.path().join("exact"), &cfg).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].start_frame, r[0].frames), (14, 24));
    assert!((r[0].start_s - 0.56).abs() < 1e-9);
    assert_eq!((r[1].start_frame, r[1].frames), (38, 12));
    for (c, first) in r.iter().zip([14usize, 38]) {
        let f = extract_frames(&c.path, &ExtractConfig::default()).unwrap();
        assert_eq!(f.len() as u64, c.frames);
        assert!(f[0].time_s.abs() < 1e-9, "first frame at {}", f[0].time_s);
        assert!(f[0].keyframe);
        // Re-encoded: the first frame is closest to the requested source frame.
        assert_eq!(closest(&src, &f[0]), first);
        assert_eq!(closest(&src, &f[f.len() - 1]), first + f.len() - 1);
        // Evenly spaced at 25 fps.
        assert!((f[f.len() - 1].time_s - (f.len() - 1) as f64 / 25.0).abs() < 1e-9);
    }
    assert_eq!(
        dataprep_video::probe(&r[0].path)
            .unwrap()
            .video()
            .unwrap()
            .stream
            .codec,
        "h264"
    );
}

#[test]
fn keyframe_adjusted_clips_are_exact_stream_copies() {
    let d = tmp();
    // Keyframes every 10 frames (0.4 s).
    let p = av_clip(d.path(), "a.mp4", 96, 64, 25, 2.0);
    let src = extract_frames(&p, &ExtractConfig::default()).unwrap();
    let keys = ffprobe_keyframes(&p);
    let cfg = ClipConfig::default().with_precision(ClipPrecision::KeyframeAdjusted);
    let spans = [(0.0, 0.5), (0.5, 1.3), (1.3, 2.0)];
    let r = write_clips(&p, &spans, d.path().join("kf"), &cfg).unwrap();
    let t: Vec<(f64, f64)> = r.iter().map(|c| (c.start_s, c.end_s)).collect();
    let want = [(0.0, 0.4), (0.8, 1.2), (1.6, 2.0)];
    assert_eq!(t.len(), 3);
    assert!(
        t.iter()
            .zip(want)
            .all(|(a, b)| (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6),
        "{t:?}"
    );
    for c in &r {
        assert!(
            keys.iter().any(|k| (k - c.start_s).abs() < 1e-6),
            "{} not a keyframe",
            c.start_s
        );
        assert!((c.requested_start_s - c.start_s).abs() < 1e-9);
        assert_eq!(c.frames, 10);
        let f = extract_frames(&c.path, &ExtractConfig::default()).unwrap();
        assert_eq!(f.len(), 10);
        // Stream copy from a keyframe: pixel-identical to the source frames.
        let first = c.start_frame as usize;
        assert_eq!(first, (c.start_s * 25.0).round() as usize);
        assert!(f.iter().zip(&src[first..]).all(|(a, b)| a.image == b.image));
        assert!(f[0].time_s.abs() < 1e-9);
    }
    // A maximum length splits at keyframes: 2 s into pieces of at most 0.5 s → five 0.4 s clips.
    let cfg = cfg.with_lengths(0.0, Some(0.5));
    let r = write_clips(&p, &[(0.0, 2.0)], d.path().join("kf2"), &cfg).unwrap();
    assert_eq!(r.len(), 5);
    for (i, c) in r.iter().enumerate() {
        assert!((c.start_s - 0.4 * i as f64).abs() < 1e-9);
        assert!(c.end_s - c.start_s <= 0.5);
        assert_eq!(
            extract_frames(&c.path, &ExtractConfig::default())
                .unwrap()
                .len(),
            10
        );
    }
}

#[test]
fn low_precision_clips_with_min_and_max_lengths() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 4.0);
    // Scenes 0–0.3 (too short), 0.3–4.0 (split into 1.5 + 1.5 + 0.7).
    let spans = spans_from_cuts(&[0.3], 4.0);
    let cfg = ClipConfig::default()
        .with_lengths(0.5, Some(1.5))
        .with_container("mkv");
    let r = write_clips(&p, &spans, d.path().join("low"), &cfg).unwrap();
    let req: Vec<(f64, f64)> = r
        .iter()
        .map(|c| (c.requested_start_s, c.requested_end_s))
        .collect();
    assert_eq!(req, [(0.3, 1.8), (1.8, 3.3), (3.3, 4.0)]);
    assert!(
        r.iter()
            .all(|c| c.span == 1 && c.path.extension().unwrap() == "mkv")
    );
    // Stream copy starts at the keyframe at or before each start: 0.0, 1.6, 3.2.
    let starts: Vec<f64> = r.iter().map(|c| c.start_s).collect();
    assert!(
        starts
            .iter()
            .zip([0.0, 1.6, 3.2])
            .all(|(a, b)| (a - b).abs() < 1e-6),
        "{starts:?}"
    );
    for c in &r {
        let f = extract_frames(&c.path, &ExtractConfig::default()).unwrap();
        // Frames k with start ≤ k / 25 < requested end: 45, 43 and 20.
        let want = ((c.requested_end_s * 25.0 - 1e-6).ceil() - (c.start_s * 25.0).round()) as usize;
        assert_eq!(f.len(), want);
        assert_eq!(c.frames as usize, want);
        assert!(f[0].keyframe);
    }
    // Fixed-duration spans work the same way.
    let fixed = fixed_spans(4.0, 1.0).unwrap();
    let r = write_clips(&p, &fixed, d.path().join("fixed"), &ClipConfig::default()).unwrap();
    // Starts at keyframes 0, 0.8, 2.0 and 2.8 (GOP 0.4 s): 25, 30, 25 and 30 frames.
    let n: Vec<u64> = r.iter().map(|c| c.frames).collect();
    assert_eq!(n, [25, 30, 25, 30]);
    // No stray temporary files.
    let names: Vec<String> = std::fs::read_dir(d.path().join("fixed"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("clip-") && !n.contains("tmp")),
        "{names:?}"
    );
}

#[test]
fn clip_errors_are_typed() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 1.0);
    let bad = ClipConfig::default().with_lengths(2.0, Some(1.0));
    assert!(matches!(
        write_clips(&p, &[(0.0, 1.0)], d.path().join("x"), &bad),
        Err(dataprep_video::Error::InvalidParam(_))
    ));
    let junk = d.path().join("junk.mp4");
    std::fs::write(&junk, b"not a video").unwrap();
    assert!(
        write_clips(
            &junk,
            &[(0.0, 1.0)],
            d.path().join("y"),
            &ClipConfig::default()
        )
        .is_err()
    );
    // A missing encoder in exact mode leaves no file behind.
    let cfg = ClipConfig::default()
        .with_precision(ClipPrecision::Exact)
        .with_encode(EncodeConfig::default().with_encoder("nope264"));
    assert!(write_clips(&p, &[(0.0, 1.0)], d.path().join("z"), &cfg).is_err());
    assert_eq!(std::fs::read_dir(d.path().join("z")).unwrap().count(), 0);
}

#[test]
fn clips_of_a_video_with_b_frames() {
    // x264 "medium" uses B-frames (presentation order differs from decode order) and puts
    // keyframes every 12 frames here.
    let d = tmp();
    let p = d.path().join("b.mp4");
    super::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=128x96:rate=25:duration=3",
        "-c:v",
        "libx264",
        "-preset",
        "medium",
        "-g",
        "12",
        "-keyint_min",
        "12",
        "-sc_threshold",
        "0",
        "-bf",
        "3",
        "-pix_fmt",
        "yuv420p",
        p.to_str().unwrap(),
    ]);
    assert!(
        super::common::ffprobe(&p, "stream=has_b_frames")
            .parse::<u32>()
            .unwrap()
            > 0,
        "fixture has B-frames"
    );
    let src = extract_frames(&p, &ExtractConfig::default()).unwrap();
    assert_eq!(src.len(), 75);
    let keys = ffprobe_keyframes(&p);
    let spans = [(0.5, 1.7), (1.7, 3.0)];
    let kf = ClipConfig::default().with_precision(ClipPrecision::KeyframeAdjusted);
    let r = write_clips(&p, &spans, d.path().join("kf"), &kf).unwrap();
    // Keyframes at 0, 0.48, 0.96, 1.44, 1.92, 2.4, 2.88: (0.5, 1.7) → frames 24..36,
    // (1.7, 3.0) → 48..75 (the end of the video is a boundary).
    let got: Vec<(u64, u64)> = r.iter().map(|c| (c.start_frame, c.frames)).collect();
    assert_eq!(got, [(24, 12), (48, 27)]);
    for c in &r {
        assert!(keys.iter().any(|k| (k - c.start_s).abs() < 1e-6));
        let f = extract_frames(&c.path, &ExtractConfig::default()).unwrap();
        assert_eq!(f.len() as u64, c.frames, "{c:?}");
        let first = c.start_frame as usize;
        assert!(f.iter().zip(&src[first..]).all(|(a, b)| a.image == b.image));
    }
    let exact = ClipConfig::default()
        .with_precision(ClipPrecision::Exact)
        .with_encode(
            EncodeConfig::default()
                .with_crf(12)
                .with_preset("ultrafast"),
        );
    let r = write_clips(&p, &spans, d.path().join("exact"), &exact).unwrap();
    // Frames with 0.5 ≤ t < 1.7: 13..43 (0.52 … 1.68); 1.7 ≤ t < 3: 43..75.
    let got: Vec<(u64, u64)> = r.iter().map(|c| (c.start_frame, c.frames)).collect();
    assert_eq!(got, [(13, 30), (43, 32)]);
    for c in &r {
        let f = extract_frames(&c.path, &ExtractConfig::default()).unwrap();
        assert_eq!(f.len() as u64, c.frames);
        assert!(f[0].time_s.abs() < 1e-9);
        assert_eq!(closest(&src, &f[0]), c.start_frame as usize);
    }
}
