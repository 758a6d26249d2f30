//! `probe_file` on files made with the `ffmpeg` CLI: recognised by content, whatever the name.

use std::path::{Path, PathBuf};

use dataprep_audio::{DecodeLimits, Error, probe_file, wav};

/// `dir/name` made by the `ffmpeg` CLI from a 1 s 440 Hz tone, with output `args`.
fn ffmpeg(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let tone = [
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=22050:duration=1",
    ];
    let all: Vec<&str> = tone.iter().chain(args).copied().collect();
    super::common::ffmpeg_cli(dir, name, &all)
}

#[test]
fn probe_file_goes_by_content() {
    let d = tempfile::tempdir().unwrap();
    let lim = DecodeLimits::default();
    std::fs::write(
        d.path().join("a.wav"),
        wav::encode_pcm16(&[vec![0.1; 8000], vec![0.2; 8000]], 8000).unwrap(),
    )
    .unwrap();
    let cases: [(PathBuf, &str); 5] = [
        (d.path().join("a.wav"), "pcm_s16le"),
        (ffmpeg(d.path(), "a.flac", &[]), "flac"),
        (ffmpeg(d.path(), "a.ogg", &["-c:a", "libvorbis"]), "vorbis"),
        (ffmpeg(d.path(), "a.mp3", &[]), "mp3"),
        (ffmpeg(d.path(), "a.m4a", &[]), "aac"),
    ];
    for (p, codec) in &cases {
        // The same bytes under a misleading name.
        let renamed = d
            .path()
            .join(format!("{}.dat", p.file_name().unwrap().to_str().unwrap()));
        std::fs::copy(p, &renamed).unwrap();
        for f in [p, &renamed] {
            let info = probe_file(f, &lim).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert_eq!(info.codec, *codec, "{}", f.display());
        }
    }
    let wav = probe_file(&d.path().join("a.wav"), &lim).unwrap();
    assert_eq!(
        (wav.sample_rate, wav.channels, wav.duration_s),
        (Some(8000), Some(2), Some(1.0))
    );

    // Opus has no decoder in symphonia: unsupported without the `ffmpeg` feature (so
    // `decode_file` would fail too), probed by FFmpeg with it.
    let opus = ffmpeg(d.path(), "a.opus", &["-c:a", "libopus"]);
    #[cfg(not(feature = "ffmpeg"))]
    assert!(matches!(
        probe_file(&opus, &lim),
        Err(Error::Unsupported(_))
    ));
    #[cfg(feature = "ffmpeg")]
    assert_eq!(probe_file(&opus, &lim).unwrap().codec, "opus");
    // Text named .mp3, an empty file, a too-long header duration.
    std::fs::write(d.path().join("notes.mp3"), "plain text, not audio\n").unwrap();
    assert!(probe_file(&d.path().join("notes.mp3"), &lim).is_err());
    std::fs::write(d.path().join("empty.wav"), "").unwrap();
    assert!(matches!(
        probe_file(&d.path().join("empty.wav"), &lim),
        Err(Error::Empty)
    ));
    let short = DecodeLimits::default().with_max_duration_s(0.5);
    assert!(matches!(
        probe_file(&d.path().join("a.wav"), &short),
        Err(Error::Limit {
            what: "duration_s",
            ..
        })
    ));
    assert!(matches!(
        probe_file(&d.path().join("missing.wav"), &lim),
        Err(Error::Io { .. })
    ));
}
