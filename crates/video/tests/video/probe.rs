use dataprep_video::{Limits, StreamKind, VideoError, frame_timing, probe, probe_checked};

use super::common::{av_clip, ffmpeg, ffprobe, lavfi, tmp};

#[test]
fn probes_container_streams_and_rates() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 160, 120, 25, 2.0);
    let info = probe(&p).unwrap();
    assert!(info.container.contains("mp4"), "{}", info.container);
    let dur = info.duration_s.unwrap();
    assert!((dur - 2.0).abs() < 0.1, "{dur}");
    assert!(info.bit_rate.unwrap() > 0);
    assert_eq!(info.streams.len(), 2);
    let v = info.video().unwrap();
    assert_eq!((v.width, v.height), (160, 120));
    assert_eq!(v.fps, Some(25.0));
    assert_eq!(v.frames, Some(50));
    assert_eq!(v.stream.codec, "h264");
    assert_eq!(v.rotation, 0.0);
    match &v.stream.kind {
        StreamKind::Video {
            pixel_format,
            variable_fps,
            real_fps,
            ..
        } => {
            assert_eq!(pixel_format, "yuv420p");
            assert!(!variable_fps);
            assert_eq!(*real_fps, Some(25.0));
        }
        k => panic!("{k:?}"),
    }
    let a = &info.streams[info.best_audio.unwrap()];
    assert_eq!(a.codec, "aac");
    assert_eq!(
        a.kind,
        StreamKind::Audio {
            sample_rate: 16000,
            channels: 1
        }
    );
    // JSON round trip of the metadata.
    let j = serde_json::to_string(&info).unwrap();
    assert!(j.contains("\"type\":\"video\""));
}

#[test]
fn rotation_from_display_matrix_matches_ffprobe() {
    let d = tmp();
    let p = lavfi(
        d.path(),
        "r.mp4",
        "testsrc2=size=96x64:rate=10:duration=0.5",
        &["-c:v", "libx264", "-preset", "ultrafast"],
    );
    for deg in ["90", "180", "270"] {
        let out = d.path().join(format!("rot{deg}.mp4"));
        let meta = format!("rotate={deg}");
        ffmpeg(&[
            "-i",
            p.to_str().unwrap(),
            "-c",
            "copy",
            "-metadata:s:v:0",
            &meta,
            out.to_str().unwrap(),
        ]);
        let want: f64 = ffprobe(&out, "stream_side_data=rotation").parse().unwrap();
        let got = probe(&out).unwrap().video().unwrap().rotation;
        assert_eq!(got, want, "rotate={deg}");
        assert_ne!(got, 0.0);
    }
}

#[test]
fn variable_frame_rate_detected() {
    let d = tmp();
    // 30 fps for one second, then every third frame: timestamps keep the gaps.
    let p = lavfi(
        d.path(),
        "vfr.mp4",
        "testsrc2=size=96x64:rate=30:duration=2",
        &[
            "-vf",
            "select='lt(n\\,30)+not(mod(n\\,3))'",
            "-vsync",
            "vfr",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ],
    );
    let info = probe(&p).unwrap();
    match &info.video().unwrap().stream.kind {
        StreamKind::Video { variable_fps, .. } => assert!(variable_fps),
        k => panic!("{k:?}"),
    }
    let t = frame_timing(&p).unwrap();
    assert_eq!(t.frames, 40);
    assert!(t.variable_fps);
    assert!((t.min_interval_s - 1.0 / 30.0).abs() < 1e-3);
    assert!((t.max_interval_s - 0.1).abs() < 1e-3);

    let c = av_clip(d.path(), "cfr.mp4", 96, 64, 25, 1.0);
    let t = frame_timing(&c).unwrap();
    assert!(!t.variable_fps);
    assert_eq!(t.frames, 25);
    assert!((t.mean_fps - 25.0).abs() < 1e-6);
    assert_eq!(t.keyframes, 3);
}

#[test]
fn limits_checked_before_decoding() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 160, 120, 25, 2.0);
    let lim = |l: Limits| probe_checked(&p, &l).unwrap_err();
    match lim(Limits::none().with_max_duration_s(1.0)) {
        VideoError::Limit { what, path, .. } => {
            assert_eq!(what, "duration_s");
            assert_eq!(path, p);
        }
        e => panic!("{e}"),
    }
    assert!(matches!(
        lim(Limits::none().with_max_resolution(100, 1000)),
        VideoError::Limit { what: "width", .. }
    ));
    assert!(matches!(
        lim(Limits::none().with_max_pixels(160 * 119)),
        VideoError::Limit { what: "pixels", .. }
    ));
    assert!(matches!(
        lim(Limits::none().with_max_bytes(100)),
        VideoError::Limit { what: "bytes", .. }
    ));
    assert!(matches!(
        lim(Limits::none().with_max_frames(10)),
        VideoError::Limit { what: "frames", .. }
    ));
    assert!(probe_checked(&p, &Limits::default()).is_ok());
}
