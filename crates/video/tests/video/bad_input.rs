use dataprep_video::{
    Error, ExtractConfig, ShotConfig, detect_shots, extract_frames, frame_timing, probe,
};

use super::common::{av_clip, ffmpeg, tmp};

#[test]
fn empty_garbage_and_missing_files_are_typed_errors() {
    let d = tmp();
    let empty = d.path().join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(probe(&empty), Err(Error::Open { .. })));
    let junk = d.path().join("junk.mp4");
    std::fs::write(&junk, vec![0x5au8; 4096]).unwrap();
    let e = probe(&junk).unwrap_err();
    assert!(matches!(e, Error::Open { .. }), "{e}");
    assert_eq!(e.path(), Some(junk.as_path()));
    assert!(matches!(
        probe(d.path().join("missing.mp4")),
        Err(Error::Io { .. })
    ));
    let rec: dataprep_core::RecordError = e.into();
    assert!(!rec.reason().is_empty());
}

#[test]
fn truncated_files_never_panic() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mkv", 64, 48, 25, 2.0);
    let bytes = std::fs::read(&p).unwrap();
    for frac in [0.05, 0.3, 0.6, 0.9] {
        let t = d.path().join(format!("t{frac}.mkv"));
        std::fs::write(&t, &bytes[..(bytes.len() as f64 * frac) as usize]).unwrap();
        // Either a typed error or fewer frames than the full file.
        match extract_frames(&t, &ExtractConfig::default()) {
            Ok(f) => assert!(f.len() < 50, "{frac}: {}", f.len()),
            Err(e) => assert!(e.path().is_some(), "{e}"),
        }
        let _ = detect_shots(&t, &ShotConfig::default());
    }
    // An MP4 cut before its index (moov at the end) cannot be opened at all.
    let m = av_clip(d.path(), "a.mp4", 64, 48, 25, 1.0);
    let b = std::fs::read(&m).unwrap();
    let t = d.path().join("t.mp4");
    std::fs::write(&t, &b[..b.len() / 2]).unwrap();
    assert!(extract_frames(&t, &ExtractConfig::default()).is_err());
}

#[test]
fn corrupt_packets_are_concealed_or_reported() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mkv", 64, 48, 25, 2.0);
    let mut bytes = std::fs::read(&p).unwrap();
    // Scribble over the middle of the payload.
    let n = bytes.len();
    let mut x = 12345u32;
    for b in &mut bytes[n / 3..n / 3 + n / 5] {
        x = x.wrapping_mul(1103515245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    let c = d.path().join("c.mkv");
    std::fs::write(&c, &bytes).unwrap();
    match extract_frames(&c, &ExtractConfig::default()) {
        Ok(f) => assert!(!f.is_empty()),
        Err(e) => assert!(matches!(e, Error::Decode { .. } | Error::NoFrames { .. })),
    }
    let _ = frame_timing(&c);
}

#[test]
fn audio_only_and_zero_length_streams() {
    let d = tmp();
    let a = d.path().join("a.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=duration=0.5",
        a.to_str().unwrap(),
    ]);
    assert!(matches!(
        extract_frames(&a, &ExtractConfig::default()),
        Err(Error::NoStream { kind: "video", .. })
    ));
    // A container with a video stream header but no frames.
    let z = d.path().join("z.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48:rate=25",
        "-frames:v",
        "0",
        "-c:v",
        "libx264",
        z.to_str().unwrap(),
    ]);
    match extract_frames(&z, &ExtractConfig::default()) {
        Err(Error::NoFrames { .. } | Error::Probe { .. } | Error::Open { .. }) => {}
        r => panic!("{r:?}"),
    }
    assert!(detect_shots(&z, &ShotConfig::default()).is_err());
}
