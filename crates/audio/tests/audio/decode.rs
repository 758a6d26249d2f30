use dataprep_audio::{DecodeLimits, Error, NonFinitePolicy, decode, decode_file, sanitize, wav};

use super::common::*;

fn read(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap()
}

#[test]
fn decodes_every_committed_format_with_metadata() {
    let (reference, _) = speech();
    for (name, rate, ch, codec) in [
        ("speechlike_16k.wav", 16000, 1, "pcm_s16le"),
        ("fixture_44k_stereo.flac", 44100, 2, "flac"),
        ("fixture_16k_mono.flac", 16000, 1, "flac"),
        ("fixture_44k_stereo.mp3", 44100, 2, "mp3"),
        ("fixture_22k_stereo.ogg", 22050, 2, "vorbis"),
        ("fixture_16k_mono.m4a", 16000, 1, "aac"),
    ] {
        let a = decode_file(&data(name), &DecodeLimits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let info = a.info();
        assert_eq!((info.sample_rate, info.channels), (rate, ch), "{name}");
        assert_eq!(info.codec, codec, "{name}");
        let want = if name.ends_with(".wav") { 1.0 } else { 0.5 };
        assert!(
            (info.duration_s - want).abs() < 0.08,
            "{name}: {}",
            info.duration_s
        );
        if ch == 2 {
            // right channel was written at half gain
            let (l, r) = (
                dataprep_audio::signal::rms(&a.channels[0]),
                dataprep_audio::signal::rms(&a.channels[1]),
            );
            assert!((r / l - 0.5).abs() < 0.1, "{name}: {l} {r}");
        }
    }
    // FLAC is lossless: the 16 kHz mono file decodes to exactly the WAV's samples.
    let f = decode_file(&data("fixture_16k_mono.flac"), &DecodeLimits::default()).unwrap();
    assert_eq!(f.channels[0].len(), 8000);
    assert_eq!(&f.channels[0][..], &reference[..8000]);
}

#[test]
fn wav_round_trips_pcm16_and_float() {
    let x = tone(440.0, 8000, 0.25, 0.5);
    let a = decode(
        &wav::encode_pcm16(&[x.clone(), x.clone()], 8000).unwrap(),
        None,
        &DecodeLimits::default(),
    )
    .unwrap();
    assert_eq!(a.channels.len(), 2);
    assert!(
        a.channels[1]
            .iter()
            .zip(&x)
            .all(|(a, b)| (a - b).abs() < 1.0 / 32000.0)
    );
    let f = decode(
        &wav::encode_f32(std::slice::from_ref(&x), 8000).unwrap(),
        Some("wav"),
        &DecodeLimits::default(),
    )
    .unwrap();
    assert_eq!(f.channels[0], x);
}

#[test]
fn bad_input_is_a_typed_error() {
    let lim = DecodeLimits::default();
    assert!(matches!(decode(&[], None, &lim), Err(Error::Empty)));
    assert!(matches!(
        decode(b"hello, this is not audio at all", None, &lim),
        Err(Error::Unsupported(_))
    ));
    // header only, no data
    let hdr = wav::encode_pcm16(&[vec![]], 8000).unwrap();
    assert!(decode(&hdr, None, &lim).is_err());
    for name in [
        "fixture_44k_stereo.flac",
        "fixture_44k_stereo.mp3",
        "fixture_22k_stereo.ogg",
        "fixture_16k_mono.m4a",
        "speechlike_16k.wav",
    ] {
        let b = read(name);
        // wrong header
        let mut bad = b.clone();
        bad[..4].copy_from_slice(b"XXXX");
        let _ = decode(&bad, None, &lim);
        // truncated at many points: an error or a shorter prefix, never a panic
        for cut in [8, 40, 100, b.len() / 3, b.len() / 2, b.len() - 1] {
            match decode(&b[..cut.min(b.len())], None, &lim) {
                Ok(a) => assert!(a.frames() > 0),
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
        // garbage in the middle
        let mut g = b.clone();
        let mid = g.len() / 2;
        for (i, v) in g[mid..(mid + 200).min(b.len())].iter_mut().enumerate() {
            *v = (i * 37) as u8;
        }
        let _ = decode(&g, None, &lim);
    }
}

#[test]
fn limits_are_enforced() {
    let b = wav::encode_pcm16(&[vec![0.1; 16000]], 8000).unwrap();
    let lim = DecodeLimits::default().with_max_duration_s(1.0);
    assert!(matches!(
        decode(&b, None, &lim),
        Err(Error::Limit {
            what: "duration_s",
            ..
        })
    ));
    let lim = DecodeLimits::default().with_max_bytes(1000);
    assert!(matches!(
        decode(&b, None, &lim),
        Err(Error::Limit { what: "bytes", .. })
    ));
    let s = wav::encode_pcm16(&[vec![0.1; 10], vec![0.1; 10], vec![0.1; 10]], 8000).unwrap();
    let lim = DecodeLimits::default().with_max_channels(2);
    assert!(matches!(
        decode(&s, None, &lim),
        Err(Error::Limit {
            what: "channels",
            ..
        })
    ));
    assert!(decode(&b, None, &DecodeLimits::default()).is_ok());
}

#[test]
fn non_finite_samples_are_rejected_or_repaired() {
    let mut x = vec![0.1, f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
    assert!(matches!(
        sanitize(&mut x.clone(), NonFinitePolicy::Reject),
        Err(Error::NonFinite { count: 3, first: 1 })
    ));
    sanitize(&mut x, NonFinitePolicy::Replace).unwrap();
    assert_eq!(x, vec![0.1, 0.0, 1.0, -1.0]);
    // float WAV carrying NaN decodes, and features refuse it with a typed error
    let b = wav::encode_f32(&[vec![0.0, f32::NAN, 0.5]], 8000).unwrap();
    let a = decode(&b, None, &DecodeLimits::default()).unwrap();
    assert!(a.channels[0][1].is_nan());
}

#[test]
fn corrupt_error_converts_to_a_record_error() {
    let e: dataprep_core::RecordError = Error::Empty.into();
    assert_eq!(e.kind, dataprep_core::RecordErrorKind::Parse);
    let e: dataprep_core::RecordError = Error::Limit {
        what: "bytes",
        actual: 2.0,
        limit: 1.0,
    }
    .into();
    assert_eq!(e.kind, dataprep_core::RecordErrorKind::Limit);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
        let _ = decode(&bytes, None, &DecodeLimits::default());
    }

    #[test]
    fn mutated_wav_never_panics(pos in 0usize..200, val in proptest::prelude::any::<u8>()) {
        let mut b = wav::encode_pcm16(&[vec![0.25; 64]], 8000).unwrap();
        let p = pos % b.len();
        b[p] = val;
        let _ = decode(&b, Some("wav"), &DecodeLimits::default());
    }
}

/// Found by the `audio_decode` fuzz target (fuzz/corpus/audio_decode/wav_huge_channels.wav): a
/// WAV `fmt ` chunk with 65,535 channels makes symphonia overflow (a panic with overflow checks
/// on); `decode` returns a typed error instead, for every extension hint.
#[test]
fn fuzz_found_wav_with_a_huge_channel_count_is_a_typed_error() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/audio_decode/wav_huge_channels.wav"
    );
    let bytes = std::fs::read(path).unwrap();
    for hint in [None, Some("wav")] {
        let r = decode(&bytes, hint, &DecodeLimits::default());
        assert!(
            r.is_err(),
            "{hint:?}: decoded {:?}",
            r.map(|a| a.channels.len())
        );
    }
}

/// The planes are reserved from the header's frame count, so a header that claims far more
/// audio than the file holds must not make `decode` reserve it: the reservation is capped at 4
/// frames per input byte (and by the duration limit), and the real samples still decode.
#[test]
fn a_lying_frame_count_does_not_reserve_memory() {
    let x = vec![0.25f32; 64];
    let mut b = wav::encode_pcm16(std::slice::from_ref(&x), 8000).unwrap();
    assert_eq!(&b[36..40], b"data");
    // Claim a data chunk of ~2 GiB (and a RIFF chunk to hold it): 2^30 frames of 16-bit mono,
    // 37 hours at 8 kHz.
    b[4..8].copy_from_slice(&(0x7FFF_FFF0u32 + 36).to_le_bytes());
    b[40..44].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    let a = decode(
        &b,
        Some("wav"),
        &DecodeLimits::default().with_max_duration_s(1e9),
    )
    .unwrap();
    assert_eq!(a.channels[0].len(), 64);
    assert!((a.channels[0][0] - 0.25).abs() < 1e-4);
    assert!(
        a.channels[0].capacity() <= 4 * b.len(),
        "reserved {} frames for a {}-byte file",
        a.channels[0].capacity(),
        b.len()
    );
    // An honest header reserves exactly the frames it holds.
    let honest = decode(
        &wav::encode_pcm16(&[vec![0.1f32; 5000]], 8000).unwrap(),
        Some("wav"),
        &DecodeLimits::default(),
    )
    .unwrap();
    assert_eq!(honest.channels[0].capacity(), 5000);
}

#[test]
fn ms_adpcm_decodes_like_libsndfile() {
    // symphonia 0.6.1 (and FFmpeg) round the MS-ADPCM prediction toward zero; libsndfile and
    // Windows round toward −∞. On libsndfile-encoded files that was 6.7e-2 relative RMS away.
    let g = codec_goldens();
    let lim = DecodeLimits::default();
    for name in [
        "fixture_16k_mono_msadpcm.wav",
        "fixture_22k_stereo_msadpcm.wav",
        "fixture_16k_mono_msadpcm_sndfile.wav",
        "fixture_16k_stereo_msadpcm_sndfile.wav",
        "fixture_16k_mono_msadpcm_partial.wav",
    ] {
        let a = decode_file(&data(name), &lim).unwrap();
        assert_eq!(a.codec, "adpcm_ms");
        assert_eq!(a, decode(&read(name), None, &lim).unwrap());
        // Bit-exact at every golden position, frame count included (the partial last block of
        // the `_partial` file is dropped, as libsndfile drops it).
        let (abs, rel) = compare(name, &a, &g["fixtures"][name]);
        eprintln!("{name}: max abs {abs:.3e}, sum/rms rel {rel:.3e}");
        assert!(abs == 0.0 && rel <= MAX_REL, "{name}: {abs} {rel}");
    }
}
