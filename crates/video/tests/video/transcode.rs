use dataprep_video::{
    EncodeConfig, ExtractConfig, StreamKind, TimeRange, extract_audio_wav, extract_frames,
    has_encoder, probe, remux, transcode,
};

use super::common::{av_clip, ffmpeg, tmp};

#[test]
fn remux_mp4_to_mkv_and_back_without_reencoding() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 1.0);
    let mkv = d.path().join("a.mkv");
    let r = remux(&p, &mkv, None).unwrap();
    assert_eq!(r.packets[0], 25);
    let info = probe(&mkv).unwrap();
    assert!(info.container.contains("matroska"));
    assert_eq!(info.streams.len(), 2);
    // Same decoded pixels: nothing was re-encoded.
    let a = extract_frames(&p, &ExtractConfig::default()).unwrap();
    let b = extract_frames(&mkv, &ExtractConfig::default()).unwrap();
    assert_eq!(a.len(), b.len());
    assert!(
        a.iter()
            .zip(&b)
            .all(|(x, y)| x.image == y.image && x.pts != i64::MIN)
    );
    let back = d.path().join("b.mp4");
    remux(&mkv, &back, None).unwrap();
    let c = extract_frames(&back, &ExtractConfig::default()).unwrap();
    assert!(a.iter().zip(&c).all(|(x, y)| x.image == y.image));
}

#[test]
fn h264_transcode_with_crf_and_preset() {
    assert!(has_encoder("libx264"), "Debian's libavcodec has libx264");
    let d = tmp();
    // MPEG-4 part 2 in, H.264 out.
    let src = d.path().join("in.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48:rate=25:duration=1",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=1",
        "-c:v",
        "mpeg4",
        "-c:a",
        "pcm_s16le",
        src.to_str().unwrap(),
    ]);
    let out = d.path().join("out.mp4");
    let cfg = EncodeConfig::default()
        .with_crf(30)
        .with_preset("ultrafast")
        .with_audio(false);
    let r = transcode(&src, &out, &cfg, None).unwrap();
    assert_eq!(r.frames, 25);
    let info = probe(&out).unwrap();
    let v = info.video().unwrap();
    assert_eq!(v.stream.codec, "h264");
    assert_eq!((v.width, v.height), (64, 48));
    assert_eq!(v.fps, Some(25.0));
    assert_eq!(info.streams.len(), 1);
    let f = extract_frames(&out, &ExtractConfig::default()).unwrap();
    assert_eq!(f.len(), 25);
    assert!(f[0].time_s.abs() < 1e-9);
    // A missing encoder is a typed error.
    let e = transcode(
        &src,
        &out,
        &EncodeConfig::default().with_encoder("nope264"),
        None,
    );
    assert!(matches!(
        e,
        Err(dataprep_video::Error::UnsupportedCodec { .. })
    ));
}

#[test]
fn audio_track_to_wav() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 1.0);
    let wav = d.path().join("a.wav");
    let r = extract_audio_wav(&p, &wav).unwrap();
    assert_eq!((r.sample_rate, r.channels), (16000, 1));
    // AAC adds priming samples; about one second of audio.
    assert!((r.frames as i64 - 16000).abs() < 2100, "{}", r.frames);
    let info = probe(&wav).unwrap();
    assert_eq!(info.streams[0].codec, "pcm_s16le");
    assert!(matches!(
        info.streams[0].kind,
        StreamKind::Audio {
            sample_rate: 16000,
            ..
        }
    ));
    let bytes = std::fs::read(&wav).unwrap();
    assert_eq!(bytes.len() as u64, 44 + r.frames * 2);
    // A 440 Hz sine at -18 dBFS-ish: non-silent samples.
    let peak = bytes[44..]
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]).unsigned_abs())
        .max()
        .unwrap();
    assert!(peak > 1000, "{peak}");
    let noaudio = d.path().join("v.mkv");
    remux(&p, &noaudio, None).unwrap();
    let v_only = d.path().join("v_only.mp4");
    ffmpeg(&[
        "-i",
        p.to_str().unwrap(),
        "-an",
        "-c",
        "copy",
        v_only.to_str().unwrap(),
    ]);
    assert!(matches!(
        extract_audio_wav(&v_only, d.path().join("x.wav")),
        Err(dataprep_video::Error::NoStream { kind: "audio", .. })
    ));
}

#[test]
fn remux_time_range_starts_at_keyframe() {
    let d = tmp();
    // Keyframes every 10 frames (0.4 s).
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 2.0);
    let out = d.path().join("c.mp4");
    let r = remux(&p, &out, Some(TimeRange::new(0.5, 1.2))).unwrap();
    assert!((r.start_s - 0.4).abs() < 1e-9, "{}", r.start_s);
    let f = extract_frames(&out, &ExtractConfig::default()).unwrap();
    // Frames 10..30 (0.4 s to 1.2 s).
    assert_eq!(f.len(), 20);
    assert!(f[0].time_s.abs() < 1e-9);
    assert!(f[0].keyframe);
}
