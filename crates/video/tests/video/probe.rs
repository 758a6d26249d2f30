use dataprep_video::{Error, Limits, StreamKind, frame_timing, probe, probe_checked};

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
        Error::Limit { what, path, .. } => {
            assert_eq!(what, "duration_s");
            assert_eq!(path, p);
        }
        e => panic!("{e}"),
    }
    assert!(matches!(
        lim(Limits::none().with_max_resolution(100, 1000)),
        Error::Limit { what: "width", .. }
    ));
    assert!(matches!(
        lim(Limits::none().with_max_pixels(160 * 119)),
        Error::Limit { what: "pixels", .. }
    ));
    assert!(matches!(
        lim(Limits::none().with_max_bytes(100)),
        Error::Limit { what: "bytes", .. }
    ));
    assert!(matches!(
        lim(Limits::none().with_max_frames(10)),
        Error::Limit { what: "frames", .. }
    ));
    assert!(probe_checked(&p, &Limits::default()).is_ok());
}

/// `probe_video` recognises the containers `video_clips` used to skip by extension (MPEG-PS,
/// MPEG-TS, M2TS, FLV, ASF, 3GP, Ogg Theora) and the common ones, whatever the file is named;
/// stills and audio with cover art are not videos.
#[test]
fn probe_video_goes_by_content_and_rejects_stills_and_cover_art() {
    use dataprep_video::probe_video;
    let d = tmp();
    let src = "testsrc=duration=1:size=176x144:rate=25";
    let cases: [(&str, &[&str], &str); 10] = [
        ("a.mpg", &[], "mpeg"),
        ("a.ts", &[], "mpegts"),
        ("a.m2ts", &[], "mpegts"),
        ("a.flv", &[], "flv"),
        ("a.wmv", &[], "asf"),
        ("a.3gp", &[], "mov,mp4,m4a,3gp,3g2,mj2"),
        ("a.ogv", &[], "ogg"),
        (
            "a.mkv",
            &["-c:v", "libx264", "-preset", "ultrafast"],
            "matroska,webm",
        ),
        (
            "a.webm",
            &["-c:v", "libvpx", "-deadline", "realtime"],
            "matroska,webm",
        ),
        (
            "a.mp4",
            &["-c:v", "libx264", "-preset", "ultrafast"],
            "mov,mp4,m4a,3gp,3g2,mj2",
        ),
    ];
    for (name, extra, container) in cases {
        let p = lavfi(d.path(), name, src, extra);
        // The same bytes under a name that says nothing.
        let renamed = d.path().join(format!("{name}.dat"));
        std::fs::copy(&p, &renamed).unwrap();
        for f in [&p, &renamed] {
            let info = probe_video(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert_eq!(info.container, container, "{}", f.display());
            let v = info.video().unwrap();
            assert_eq!((v.width, v.height), (176, 144), "{}", f.display());
        }
    }
    // M2TS really has 192-byte packets (4-byte timestamp before each 0x47 sync byte).
    let m2ts = std::fs::read(d.path().join("a.m2ts")).unwrap();
    assert!((0..4).all(|k| m2ts[4 + 192 * k] == 0x47));

    // A PNG named .mp4: FFmpeg opens it (png_pipe) but it is a still, not a video.
    let png = lavfi(d.path(), "still.png", src, &["-frames:v", "1"]);
    let fake = d.path().join("still.mp4");
    std::fs::copy(&png, &fake).unwrap();
    assert!(
        probe(&fake).unwrap().best_video.is_some(),
        "FFmpeg sees a video stream"
    );
    let e = probe_video(&fake).unwrap_err();
    assert!(matches!(e, Error::NoStream { kind: "video", .. }), "{e}");

    // An MP3 with cover art: its only video stream is an attached picture.
    let mp3 = d.path().join("song.mp3");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=duration=1",
        "-i",
        png.to_str().unwrap(),
        "-map",
        "0",
        "-map",
        "1",
        "-c:a",
        "libmp3lame",
        "-c:v",
        "png",
        "-disposition:v",
        "attached_pic",
        mp3.to_str().unwrap(),
    ]);
    assert!(probe(&mp3).unwrap().best_video.is_some());
    assert!(matches!(probe_video(&mp3), Err(Error::NoStream { .. })));

    // Text named .mp4 and an empty file: open errors, not panics.
    std::fs::write(d.path().join("notes.mp4"), "just some text\n").unwrap();
    assert!(matches!(
        probe_video(d.path().join("notes.mp4")),
        Err(Error::Open { .. })
    ));
    std::fs::write(d.path().join("empty.mkv"), "").unwrap();
    assert!(matches!(
        probe_video(d.path().join("empty.mkv")),
        Err(Error::Open { .. })
    ));
}
