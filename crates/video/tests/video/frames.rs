use dataprep_video::{Error, ExtractConfig, FrameReader, Limits, Sampling, extract_frames};

use super::common::{av_clip, lavfi, tmp};

fn times(frames: &[dataprep_video::Frame]) -> Vec<f64> {
    frames
        .iter()
        .map(|f| (f.time_s * 1000.0).round() / 1000.0)
        .collect()
}

#[test]
fn every_frame_with_exact_timestamps() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 1.0);
    let f = extract_frames(&p, &ExtractConfig::default()).unwrap();
    assert_eq!(f.len(), 25);
    for (i, fr) in f.iter().enumerate() {
        assert_eq!(fr.index, i as u64);
        assert!((fr.time_s - i as f64 / 25.0).abs() < 1e-9, "{}", fr.time_s);
        assert_eq!(fr.image.dimensions(), (64, 48));
    }
    // -g 10: keyframes at 0, 10, 20.
    let keys: Vec<u64> = f.iter().filter(|x| x.keyframe).map(|x| x.index).collect();
    assert_eq!(keys, vec![0, 10, 20]);
}

#[test]
fn colours_are_rgb() {
    let d = tmp();
    let p = lavfi(
        d.path(),
        "red.mkv",
        "color=c=red:size=32x32:rate=5:duration=1",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv444p",
            "-qp",
            "0",
        ],
    );
    let f = extract_frames(&p, &ExtractConfig::new(Sampling::EveryNth(100))).unwrap();
    assert_eq!(f.len(), 1);
    let px = f[0].image.get_pixel(16, 16).0;
    assert!(px[0] > 240 && px[1] < 15 && px[2] < 15, "{px:?}");
}

#[test]
fn every_nth_fps_keyframes_and_timestamps() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 2.0);
    let nth = extract_frames(&p, &ExtractConfig::new(Sampling::EveryNth(7))).unwrap();
    assert_eq!(
        nth.iter().map(|f| f.index).collect::<Vec<_>>(),
        vec![0, 7, 14, 21, 28, 35, 42, 49]
    );
    let fps = extract_frames(&p, &ExtractConfig::new(Sampling::Fps(2.0))).unwrap();
    // Frames every 40 ms: none at 0.5 s, so the next one.
    assert_eq!(times(&fps), vec![0.0, 0.52, 1.0, 1.52]);
    let fps = extract_frames(&p, &ExtractConfig::new(Sampling::Fps(3.0))).unwrap();
    // The first frame at or after k/3 s (frames every 40 ms).
    assert_eq!(times(&fps), vec![0.0, 0.36, 0.68, 1.0, 1.36, 1.68]);
    let keys = extract_frames(&p, &ExtractConfig::new(Sampling::Keyframes)).unwrap();
    assert_eq!(
        keys.iter().map(|f| f.index).collect::<Vec<_>>(),
        vec![0, 10, 20, 30, 40]
    );
    assert!(keys.iter().all(|f| f.keyframe));
    let at = extract_frames(
        &p,
        &ExtractConfig::new(Sampling::Timestamps(vec![1.5, 0.0, 0.039, 0.04, 0.5, 9.0])),
    )
    .unwrap();
    assert_eq!(
        at.iter().map(|f| f.index).collect::<Vec<_>>(),
        vec![0, 0, 1, 12, 37, 49]
    );
}

#[test]
fn frames_are_identical_to_the_ffmpeg_cli() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 1.0);
    let raw = d.path().join("f.rgb");
    super::common::ffmpeg(&[
        "-i",
        p.to_str().unwrap(),
        "-frames:v",
        "3",
        "-sws_flags",
        "bicubic",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        raw.to_str().unwrap(),
    ]);
    let want = std::fs::read(&raw).unwrap();
    let f = extract_frames(&p, &ExtractConfig::default()).unwrap();
    let got: Vec<u8> = f[..3]
        .iter()
        .flat_map(|x| x.image.as_raw().clone())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn scaled_output_and_frame_limit() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 1.0);
    let f = extract_frames(
        &p,
        &ExtractConfig::new(Sampling::EveryNth(10)).with_size(32, 20),
    )
    .unwrap();
    assert_eq!(f[0].image.dimensions(), (32, 20));
    let mut l = Limits::none();
    l.max_frames = Some(5);
    // The header says 25 frames: refused before decoding.
    let e = FrameReader::open(&p, &ExtractConfig::default().with_limits(l)).unwrap_err();
    assert!(matches!(e, Error::Limit { what: "frames", .. }), "{e}");
    assert!(matches!(
        FrameReader::open(&p, &ExtractConfig::new(Sampling::EveryNth(0))),
        Err(Error::InvalidParam(_))
    ));
    assert!(matches!(
        FrameReader::open(&p, &ExtractConfig::new(Sampling::Fps(0.0))),
        Err(Error::InvalidParam(_))
    ));
}
