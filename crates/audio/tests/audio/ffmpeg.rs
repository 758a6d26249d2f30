//! The FFmpeg decoder (feature `ffmpeg`): goldens from soundfile (libsndfile) and the ffmpeg CLI
//! (tools/audio_ffmpeg_goldens.py), the fallback from symphonia, MS-ADPCM parity with libsndfile,
//! limits during decoding, hostile input, in-memory bytes and probing.

use std::path::{Path, PathBuf};
use std::process::Command;

use dataprep_audio::ffmpeg::{decode_ffmpeg, decode_file_ffmpeg, probe_file_ffmpeg};
use dataprep_audio::{
    Audio, Backend, DecodeLimits, Error, decode, decode_file, decode_file_with, decode_with,
    probe_file,
};

use super::common::{MAX_ABS, MAX_REL, codec_goldens, compare, data, ffmpeg_cli, rel_rms};

#[test]
fn ffmpeg_decodes_every_fixture_like_soundfile_and_the_ffmpeg_cli() {
    let g = codec_goldens();
    let lim = DecodeLimits::default();
    for (name, want) in g["fixtures"].as_object().unwrap() {
        if name.contains("_msadpcm_") {
            // FFmpeg's MS-ADPCM is not libsndfile's: ms_adpcm_decodes_like_libsndfile.
            continue;
        }
        let path = data(name);
        let bytes = std::fs::read(&path).unwrap();
        let forced = decode_file_ffmpeg(&path, &lim).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (abs, rel) = compare(name, &forced, want);
        eprintln!(
            "{name} ({} reference): max abs {abs:.3e}, sum/rms rel {rel:.3e}",
            want["reference"]
        );
        assert!(abs <= MAX_ABS && rel <= MAX_REL, "{name}: {abs} {rel}");
        // The same from bytes in memory, through either entry point.
        assert_eq!(decode_ffmpeg(&bytes, &lim).unwrap(), forced, "{name}");
        assert_eq!(
            decode_with(&bytes, None, &lim, Backend::Ffmpeg).unwrap(),
            forced,
            "{name}"
        );
    }
}

#[test]
fn auto_falls_back_to_ffmpeg_for_what_symphonia_cannot_decode() {
    let g = codec_goldens();
    let lim = DecodeLimits::default();
    for (name, codec) in [
        ("fixture_48k_stereo.opus", "opus"),
        ("fixture_48k_mono.webm", "opus"),
        ("fixture_22k_stereo.wma", "wmav2"),
        ("fixture_8k_mono.amr", "amr_nb"),
    ] {
        let path = data(name);
        let bytes = std::fs::read(&path).unwrap();
        // symphonia alone refuses the codec (no decoder, or no demuxer at all for ASF)...
        assert!(
            matches!(
                decode_with(&bytes, None, &lim, Backend::Symphonia),
                Err(Error::Unsupported(_))
            ),
            "{name}"
        );
        // ...so the default path decodes it with FFmpeg, from a file and from bytes.
        let a = decode_file(&path, &lim).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(a.codec, codec, "{name}");
        let (abs, rel) = compare(name, &a, &g["fixtures"][name]);
        assert!(abs <= MAX_ABS && rel <= MAX_REL, "{name}: {abs} {rel}");
        assert_eq!(decode(&bytes, None, &lim).unwrap(), a, "{name}");
        assert_eq!(decode(&bytes, Some("bin"), &lim).unwrap(), a, "{name}");
    }
    // What symphonia decodes well stays with symphonia (its codec names, its samples).
    let flac = data("fixture_16k_mono.flac");
    assert_eq!(
        decode_file(&flac, &lim).unwrap(),
        decode_file_with(&flac, &lim, Backend::Symphonia).unwrap()
    );
    // Not audio for either library: symphonia's error, unchanged.
    assert!(matches!(
        decode(b"hello, this is not audio at all", None, &lim),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn ffmpeg_ms_adpcm_rounds_differently_from_libsndfile() {
    // Why MS-ADPCM is not left to FFmpeg (decode::tests: ours is bit-exact with libsndfile).
    // FFmpeg's adpcm_ms rounds the prediction toward zero: equal on files from FFmpeg's encoder
    // (predictor 0 only, where rounding never happens), off on libsndfile's; and it decodes a
    // partial last block that libsndfile drops.
    let lim = DecodeLimits::default();
    for name in [
        "fixture_16k_mono_msadpcm.wav",
        "fixture_22k_stereo_msadpcm.wav",
        "fixture_16k_mono_msadpcm_sndfile.wav",
        "fixture_16k_stereo_msadpcm_sndfile.wav",
        "fixture_16k_mono_msadpcm_partial.wav",
    ] {
        let path = data(name);
        let ours = decode_file(&path, &lim).unwrap();
        let ff = decode_file_ffmpeg(&path, &lim).unwrap();
        let off = rel_rms(&ff, &ours);
        eprintln!(
            "{name}: FFmpeg {} frames, libsndfile and ours {}; FFmpeg relative RMS difference {off:.3e}",
            ff.frames(),
            ours.frames()
        );
        if name.ends_with("_sndfile.wav") {
            assert!(off > 1e-2, "{name}: {off}");
        } else {
            assert_eq!(off, 0.0, "{name}");
        }
        if name.ends_with("_partial.wav") {
            assert!(ff.frames() > ours.frames(), "{name}");
        } else {
            assert_eq!(ff.frames(), ours.frames(), "{name}");
        }
    }
}

/// `ffmpeg ... -f FMT pipe:1 > path`: written to a pipe, so the header cannot state a duration.
fn ffmpeg_piped(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let p = dir.join(name);
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .arg("pipe:1")
        .output()
        .expect("the ffmpeg CLI is installed (scripts/dev deps)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&p, out.stdout).unwrap();
    p
}

fn duration_limit(r: Result<Audio, Error>) -> f64 {
    match r {
        Err(Error::Limit {
            what: "duration_s",
            actual,
            ..
        }) => actual,
        other => panic!("expected a duration limit, got {other:?}"),
    }
}

#[test]
fn limits_stop_ffmpeg_decoding_early() {
    let d = tempfile::tempdir().unwrap();
    // 20 s of Opus in Matroska written to a pipe: no duration in the header, so only the check
    // during decoding can stop it.
    let long = ffmpeg_piped(
        d.path(),
        "long.mka",
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:duration=20",
            "-c:a",
            "libopus",
            "-b:a",
            "16k",
            "-f",
            "matroska",
        ],
    );
    let lim = DecodeLimits::default().with_max_duration_s(1.0);
    let full = decode_file(&long, &DecodeLimits::default()).unwrap();
    assert!(
        (full.duration_s() - 20.0).abs() < 0.05,
        "{}",
        full.duration_s()
    );
    for r in [
        decode_file(&long, &lim),
        decode(&std::fs::read(&long).unwrap(), None, &lim),
    ] {
        // Stopped at the frame that crossed the limit (Opus frames are 20 ms), not at the end.
        let actual = duration_limit(r);
        assert!((1.0..1.03).contains(&actual), "{actual}");
    }

    // A decompression bomb: 10 minutes of FLAC silence in 110 KB, without a stated length, forced
    // through FFmpeg. Decoding stops at the 5 s limit, having allocated 5 s of samples.
    let bomb = ffmpeg_piped(
        d.path(),
        "bomb.flac",
        &[
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=8000:cl=mono",
            "-t",
            "600",
            "-c:a",
            "flac",
            "-f",
            "flac",
        ],
    );
    assert!(std::fs::metadata(&bomb).unwrap().len() < 200_000);
    let lim = DecodeLimits::default().with_max_duration_s(5.0);
    let actual = duration_limit(decode_file_with(&bomb, &lim, Backend::Ffmpeg));
    assert!((5.0..5.6).contains(&actual), "{actual}");

    // A duration the header states is refused before decoding.
    let stated = ffmpeg_cli(
        d.path(),
        "stated.opus",
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:duration=20",
            "-c:a",
            "libopus",
            "-b:a",
            "16k",
        ],
    );
    let actual = duration_limit(decode_file(
        &stated,
        &DecodeLimits::default().with_max_duration_s(1.0),
    ));
    assert!((actual - 20.0).abs() < 0.05, "{actual}");

    // Bytes and channels.
    let opus = data("fixture_48k_stereo.opus");
    let small = DecodeLimits::default().with_max_bytes(1000);
    for r in [
        decode_file(&opus, &small),
        decode_file_with(&opus, &small, Backend::Ffmpeg),
        decode(&std::fs::read(&opus).unwrap(), None, &small),
    ] {
        assert!(
            matches!(r, Err(Error::Limit { what: "bytes", .. })),
            "{r:?}"
        );
    }
    let mono = DecodeLimits::default().with_max_channels(1);
    assert!(matches!(
        decode_file(&opus, &mono),
        Err(Error::Limit {
            what: "channels",
            ..
        })
    ));
}

/// A 64-bit LCG for deterministic mutations.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn truncated_and_corrupt_files_are_typed_errors_or_prefixes() {
    let lim = DecodeLimits::default();
    let mut rng = Lcg(19);
    for name in [
        "fixture_48k_stereo.opus",
        "fixture_48k_mono.webm",
        "fixture_22k_stereo.wma",
        "fixture_22k_stereo.aac",
        "fixture_16k_mono_msadpcm.wav",
        "fixture_8k_mono.amr",
    ] {
        let b = std::fs::read(data(name)).unwrap();
        let full = decode_ffmpeg(&b, &lim).unwrap().frames();
        for cut in [1, 8, 40, 100, b.len() / 3, b.len() / 2, b.len() - 1] {
            for r in [
                decode_ffmpeg(&b[..cut], &lim),
                decode(&b[..cut], None, &lim),
            ] {
                match r {
                    // A truncated stream keeps a prefix (never more than the whole).
                    Ok(a) => assert!(a.frames() > 0 && a.frames() <= full, "{name} cut {cut}"),
                    Err(e) => assert!(!e.to_string().is_empty()),
                }
            }
        }
        // Random bytes overwritten, a wrong magic, garbage in the middle: no panic, no stall.
        for _ in 0..20 {
            let mut m = b.clone();
            for _ in 0..1 + rng.next() % 8 {
                let i = rng.next() as usize % m.len();
                m[i] = rng.next() as u8;
            }
            if let Ok(a) = decode_ffmpeg(&m, &lim) {
                assert!(a.channels.iter().all(|c| c.len() == a.frames()));
            }
            let _ = decode(&m, None, &lim);
        }
        let mut bad = b.clone();
        bad[..4].copy_from_slice(b"XXXX");
        let _ = decode_ffmpeg(&bad, &lim);
        let mut g = b.clone();
        let mid = g.len() / 2;
        for (i, v) in g[mid..(mid + 200).min(b.len())].iter_mut().enumerate() {
            *v = (i * 37) as u8;
        }
        let _ = decode_ffmpeg(&g, &lim);
    }
    assert!(matches!(decode_ffmpeg(&[], &lim), Err(Error::Empty)));
    assert!(matches!(
        decode_ffmpeg(b"hello, this is not audio at all", &lim),
        Err(Error::Unsupported(_))
    ));
    // Playlists are refused before FFmpeg opens what they list.
    let d = tempfile::tempdir().unwrap();
    let m3u = d.path().join("list.m3u8");
    std::fs::write(
        &m3u,
        format!(
            "#EXTM3U\n#EXTINF:1.0,\n{}\n#EXT-X-ENDLIST\n",
            data("fixture_22k_stereo.aac").display()
        ),
    )
    .unwrap();
    for r in [
        decode_file(&m3u, &lim),
        decode_file_ffmpeg(&m3u, &lim),
        decode_ffmpeg(&std::fs::read(&m3u).unwrap(), &lim),
    ] {
        assert!(matches!(r, Err(Error::Unsupported(_))), "{r:?}");
    }
    assert!(matches!(
        decode_file_ffmpeg(&d.path().join("missing.opus"), &lim),
        Err(Error::Io { .. })
    ));
}

#[test]
fn probe_accepts_what_ffmpeg_decodes_and_refuses_video_and_images() {
    let lim = DecodeLimits::default();
    for (name, format, codec, rate, ch) in [
        ("fixture_48k_stereo.opus", "ogg", "opus", 48000, 2),
        ("fixture_48k_mono.webm", "matroska,webm", "opus", 48000, 1),
        ("fixture_22k_stereo.wma", "asf", "wmav2", 22050, 2),
        ("fixture_8k_mono.amr", "amr", "amr_nb", 8000, 1),
    ] {
        let p = probe_file(&data(name), &lim).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (
                p.format.as_str(),
                p.codec.as_str(),
                p.sample_rate,
                p.channels,
                p.backend
            ),
            (format, codec, Some(rate), Some(ch), Backend::Ffmpeg),
            "{name}"
        );
        assert_eq!(probe_file_ffmpeg(&data(name), &lim).unwrap(), p);
    }
    let opus = probe_file(&data("fixture_48k_stereo.opus"), &lim).unwrap();
    assert!((opus.duration_s.unwrap() - 1.0).abs() < 0.01, "{opus:?}");
    let adpcm = probe_file(&data("fixture_16k_mono_msadpcm.wav"), &lim).unwrap();
    assert_eq!(
        (adpcm.codec.as_str(), adpcm.backend),
        ("adpcm_ms", Backend::Symphonia)
    );
    assert!(matches!(
        probe_file(
            &data("fixture_48k_stereo.opus"),
            &DecodeLimits::default().with_max_duration_s(0.5)
        ),
        Err(Error::Limit {
            what: "duration_s",
            ..
        })
    ));

    // Video without audio, and an image: no audio stream, refused.
    let d = tempfile::tempdir().unwrap();
    let video = ffmpeg_cli(
        d.path(),
        "v.mkv",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=10:duration=1",
            "-c:v",
            "mpeg4",
        ],
    );
    let image = ffmpeg_cli(
        d.path(),
        "i.png",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=1:duration=1",
            "-frames:v",
            "1",
        ],
    );
    for p in [&video, &image] {
        assert!(
            matches!(probe_file(p, &lim), Err(Error::Unsupported(_))),
            "{}",
            p.display()
        );
        assert!(matches!(decode_file(p, &lim), Err(Error::Unsupported(_))));
    }
}

#[test]
fn the_decode_stage_takes_opus_records_and_honours_the_backend() {
    use dataprep_audio::stages::DecodeAudioStage;
    use dataprep_core::{Context, Record, RecordErrorKind, Stage};
    let bytes = std::fs::read(data("fixture_48k_stereo.opus")).unwrap();
    let cx = Context::new("decode_audio", 0);
    let mut r = Record::new().with_key("o").with("audio", bytes.clone());
    DecodeAudioStage::default().process(&mut r, &cx).unwrap();
    assert_eq!(r.str("codec").unwrap(), "opus");
    assert_eq!(r.u64("sample_rate").unwrap(), 48000);
    assert_eq!(r.tensor("samples").unwrap().shape(), &[48000]);
    let mut r = Record::new().with_key("o").with("audio", bytes);
    let e = DecodeAudioStage::default()
        .with_backend(Backend::Symphonia)
        .process(&mut r, &cx)
        .unwrap_err();
    assert_eq!(e.kind, RecordErrorKind::Parse);
}
