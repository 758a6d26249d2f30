use dataprep_audio::features::*;

use super::common::*;

#[test]
fn librosa_preset_matches_librosa() {
    let (y, sr) = speech();
    let fx = FeatureExtractor::new(FeatureConfig::preset(Preset::Librosa, sr)).unwrap();
    let mel = fx.mel(&y).unwrap();
    let e = max_rel_err(&mel, &golden("librosa_mel"), 1e-7);
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 1e-4, "librosa mel power rel err {e}");
    let db = fx.log_of(&mel);
    let e = max_abs_err(&db, &golden("librosa_logmel"));
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 1e-3, "librosa log-mel abs err {e} dB");
    let m = fx.mfcc_of_log(&db);
    let e = max_abs_err(&m, &golden("librosa_mfcc"));
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 5e-3, "librosa mfcc abs err {e}");
    let lift = mfcc_from_log_mel(&db, 20, Lifter::Librosa(22.0));
    let e = max_abs_err(&lift, &golden("librosa_mfcc_lifter22"));
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 5e-2, "librosa lifter mfcc abs err {e}");
}

#[test]
fn torchaudio_preset_matches_torchaudio() {
    let (y, sr) = speech();
    let fx = FeatureExtractor::new(FeatureConfig::preset(Preset::Torchaudio, sr)).unwrap();
    let mel = fx.mel(&y).unwrap();
    let e = max_rel_err(&mel, &golden("torchaudio_mel"), 1e-5);
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 1e-4, "torchaudio mel rel err {e}");
    let db = fx.log_of(&mel);
    let e = max_abs_err(&db, &golden("torchaudio_logmel"));
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 1e-3, "torchaudio log-mel abs err {e} dB");
    let e = max_abs_err(&fx.mfcc_of_log(&db), &golden("torchaudio_mfcc"));
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 5e-3, "torchaudio mfcc abs err {e}");
}

#[test]
fn kaldi_preset_matches_kaldi_native_fbank() {
    let (y, sr) = speech();
    let fx = FeatureExtractor::new(FeatureConfig::preset(Preset::Kaldi, sr)).unwrap();
    let fb = fx.log_mel(&y).unwrap();
    let e = max_abs_err(&fb, &golden("kaldi_fbank"));
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 1e-3, "kaldi fbank abs err {e} (natural log)");
    let e = max_abs_err(&fb, &golden("torchaudio_kaldi_fbank"));
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 1e-3, "torchaudio.compliance.kaldi.fbank abs err {e}");
    let m = fx.mfcc_of_log(&fb);
    let e = max_abs_err(&m, &golden("kaldi_mfcc"));
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 1e-2, "kaldi mfcc abs err {e}");
}

#[test]
fn filterbanks_match_librosa() {
    let htk = MelFilterbank::new(
        &MelConfig::new(16000, 512)
            .with_n_mels(40)
            .with_range(50.0, Some(7000.0))
            .with_scale(MelScale::Htk)
            .with_norm(MelNorm::None),
    )
    .unwrap();
    let e = max_abs_err(&htk.to_dense(), &golden("fb_htk_nonorm"));
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 1e-6, "htk bank {e}");
    let sl = MelFilterbank::new(&MelConfig::new(22050, 512).with_n_mels(64)).unwrap();
    let e = max_abs_err(&sl.to_dense(), &golden("fb_slaney_slaney"));
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 1e-7, "slaney bank {e}");
}

#[test]
fn stft_with_short_window_matches_librosa() {
    let (y, _) = speech();
    let stft = Stft::new(
        StftConfig::default()
            .with_n_fft(512)
            .with_win_length(400)
            .with_hop_length(160),
    )
    .unwrap();
    let mag = stft.spectrogram(&y, 1.0).unwrap();
    let e = max_rel_err(&mag, &golden("librosa_stft_mag"), 1e-3);
    eprintln!("{}:{} err {e:e}", file!(), line!());
    assert!(e <= 1e-4, "stft magnitude rel err {e}");
}

#[test]
fn reflect_and_constant_padding_differ_only_at_edges() {
    let (y, _) = speech();
    let c = Stft::new(StftConfig::default().with_n_fft(256).with_hop_length(64)).unwrap();
    let r = Stft::new(
        StftConfig::default()
            .with_n_fft(256)
            .with_hop_length(64)
            .with_pad_mode(PadMode::Reflect),
    )
    .unwrap();
    let a = c.spectrogram(&y, 2.0).unwrap();
    let b = r.spectrogram(&y, 2.0).unwrap();
    assert_eq!(a.dim(), b.dim());
    assert_ne!(a.row(0), b.row(0));
    assert_eq!(a.row(10), b.row(10));
}

#[test]
fn short_and_bad_signals_never_panic() {
    let fx = FeatureExtractor::new(FeatureConfig::preset(Preset::Librosa, 16000)).unwrap();
    assert_eq!(fx.mel(&[]).unwrap().nrows(), 1);
    assert_eq!(fx.mel(&[0.5]).unwrap().nrows(), 1);
    let tx = FeatureExtractor::new(FeatureConfig::preset(Preset::Torchaudio, 16000)).unwrap();
    assert_eq!(tx.mel(&[0.5, 0.1, -0.2]).unwrap().nrows(), 1);
    let kx = FeatureExtractor::new(FeatureConfig::preset(Preset::Kaldi, 16000)).unwrap();
    assert_eq!(kx.mel(&[0.1; 100]).unwrap().nrows(), 0);
    assert!(matches!(
        fx.mel(&[0.0, f32::NAN]),
        Err(dataprep_audio::Error::NonFinite { count: 1, first: 1 })
    ));
    assert!(Stft::new(StftConfig::default().with_hop_length(0)).is_err());
    assert!(MelFilterbank::new(&MelConfig::new(16000, 512).with_range(9000.0, None)).is_err());
}

#[test]
fn power_to_db_floors_at_top_db() {
    let a = ndarray::array![[1.0f32, 1e-3], [1e-12, 10.0]];
    let d = power_to_db(&a, 1.0, 1e-10, Some(80.0));
    assert_eq!(d[[0, 0]], 0.0);
    assert!((d[[0, 1]] + 30.0).abs() < 1e-4);
    assert_eq!(d[[1, 0]], -70.0);
    assert!((d[[1, 1]] - 10.0).abs() < 1e-5);
}

#[test]
fn presets_parse() {
    assert_eq!("Librosa".parse::<Preset>().unwrap(), Preset::Librosa);
    assert_eq!("kaldi".parse::<Preset>().unwrap(), Preset::Kaldi);
    assert!("htk".parse::<Preset>().is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// Power mel is quadratic in the amplitude, and frame counts follow the centred formula.
    #[test]
    fn mel_scales_quadratically(len in 0usize..3000, k in 0.1f32..4.0, seed in 0u64..1000) {
        let x: Vec<f32> = (0..len).map(|i| (((i as u64 * 2654435761 + seed) % 1000) as f32 / 500.0 - 1.0) * 0.5).collect();
        let y: Vec<f32> = x.iter().map(|v| v * k).collect();
        for preset in [Preset::Librosa, Preset::Torchaudio, Preset::Kaldi] {
            let fx = FeatureExtractor::new(FeatureConfig::preset(preset, 16000)).unwrap();
            let (a, b) = (fx.mel(&x).unwrap(), fx.mel(&y).unwrap());
            proptest::prop_assert_eq!(a.dim(), b.dim());
            if preset == Preset::Librosa {
                proptest::prop_assert_eq!(a.nrows(), 1 + len / 512);
            }
            let max = a.iter().copied().fold(0.0f32, f32::max);
            for (p, q) in a.iter().zip(b.iter()) {
                proptest::prop_assert!((q - p * k * k).abs() <= 1e-4 * max * k * k + 1e-12);
            }
        }
    }
}

#[test]
fn fused_mel_equals_mel_of_spectrogram_at_any_thread_count() {
    use dataprep_audio::features::{MelConfig, MelFilterbank, PadMode, Stft, StftConfig};
    let x: Vec<f32> = (0..50_000)
        .map(|i| ((i as f32) * 0.013).sin() * 0.4 + ((i * 7919 % 991) as f32 / 991.0 - 0.5) * 0.1)
        .collect();
    for (n_fft, hop, pad) in [
        (2048, 512, PadMode::Constant),
        (400, 160, PadMode::Reflect),
        (511, 128, PadMode::Reflect),
    ] {
        let stft = Stft::new(
            StftConfig::default()
                .with_n_fft(n_fft)
                .with_hop_length(hop)
                .with_pad_mode(pad),
        )
        .unwrap();
        let bank = MelFilterbank::new(&MelConfig::new(16_000, n_fft).with_n_mels(64)).unwrap();
        let two_step = bank.apply(&stft.spectrogram(&x, 2.0).unwrap()).unwrap();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let a = one.install(|| stft.mel_spectrogram(&x, &bank).unwrap());
        let b = three.install(|| stft.mel_spectrogram(&x, &bank).unwrap());
        assert_eq!(a, two_step, "n_fft {n_fft}");
        assert_eq!(a, b, "n_fft {n_fft}: thread count changed the result");
        assert_eq!(a.nrows(), stft.n_frames(x.len()));
    }
    let stft = Stft::new(StftConfig::default()).unwrap();
    let wrong = MelFilterbank::new(&MelConfig::new(16_000, 1024)).unwrap();
    assert!(stft.mel_spectrogram(&x, &wrong).is_err());
}

#[test]
fn fused_log_mel_equals_power_to_db_of_mel() {
    let x: Vec<f32> = (0..40_000)
        .map(|i| ((i as f32) * 0.021).sin() * 0.3 + ((i * 7919 % 613) as f32 / 613.0 - 0.5) * 0.05)
        .collect();
    for preset in [Preset::Librosa, Preset::Torchaudio] {
        let fx = FeatureExtractor::new(FeatureConfig::preset(preset, 16_000)).unwrap();
        let mel = fx.mel(&x).unwrap();
        assert_eq!(fx.log_mel(&x).unwrap(), fx.log_of(&mel), "{preset:?}");
        let no_top =
            FeatureExtractor::new(FeatureConfig::preset(preset, 16_000).with_top_db(None)).unwrap();
        assert_eq!(
            no_top.log_mel(&x).unwrap(),
            power_to_db(&mel, 1.0, 1e-10, None)
        );
    }
}

#[test]
fn fused_mfcc_equals_mfcc_of_log_mel() {
    // A loud tone followed by near-silence, so that the top_db floor clamps some frames.
    let mut x: Vec<f32> = (0..30_000)
        .map(|i| ((i as f32) * 0.05).sin() * 0.8)
        .collect();
    x.extend((0..30_000).map(|i| ((i * 7919 % 613) as f32 / 613.0 - 0.5) * 1e-7));
    for preset in [Preset::Librosa, Preset::Torchaudio, Preset::Kaldi] {
        for top in [Some(80.0), None] {
            let fx = FeatureExtractor::new(FeatureConfig::preset(preset, 16_000).with_top_db(top))
                .unwrap();
            let two_step = fx.mfcc_of_log(&fx.log_mel(&x).unwrap());
            assert_eq!(fx.mfcc(&x).unwrap(), two_step, "{preset:?} top_db {top:?}");
        }
    }
}
