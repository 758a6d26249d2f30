use dataprep_audio::Audio;
use dataprep_audio::signal::*;

use super::common::*;

fn sweep(sr: u32, secs: f64, f0: f64, f1: f64) -> Vec<f32> {
    let n = (f64::from(sr) * secs) as usize;
    let k = (f1 - f0) / secs;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(sr);
            (0.5 * (2.0 * std::f64::consts::PI * (f0 * t + 0.5 * k * t * t)).sin()) as f32
        })
        .collect()
}

#[test]
fn resampling_a_sweep_has_high_snr() {
    // Sweep 50 Hz..7 kHz at 44.1 kHz → 16 kHz, compared with the same sweep synthesised at 16 kHz.
    let x = sweep(44100, 2.0, 50.0, 7000.0);
    let y = resample(&x, 44100, 16000).unwrap();
    let want = sweep(16000, 2.0, 50.0, 7000.0);
    assert!(
        (y.len() as i64 - want.len() as i64).abs() <= 1,
        "{} vs {}",
        y.len(),
        want.len()
    );
    let snr = snr_db(&want[1000..30000], &y[1000..30000]);
    eprintln!("rubato FFT 44.1k->16k sweep SNR {snr:.1} dB");
    assert!(snr > 100.0, "downsampling sweep SNR {snr} dB");
    let up = resample(&want, 16000, 48000).unwrap();
    let want48 = sweep(48000, 2.0, 50.0, 7000.0);
    let snr = snr_db(&want48[3000..90000], &up[3000..90000]);
    assert!(snr > 100.0, "upsampling sweep SNR {snr} dB");
    assert!(resample(&x, 0, 16000).is_err());
    assert!(resample(&x, 1, 16000).is_err());
    assert!(resample(&x, 16000, 4_000_000).is_err());
    assert_eq!(
        resample(&x[..441], 44100, 44100).unwrap(),
        x[..441].to_vec()
    );
    // odd, coprime rates work too
    let y = resample(&x, 44100, 16001).unwrap();
    assert!((y.len() as i64 - (x.len() as i64 * 16001 / 44100)).abs() <= 1);
    assert!(resample(&[], 44100, 16000).unwrap().is_empty());
}

#[test]
fn resampling_in_parts_is_bit_identical_to_one_pass() {
    // A 10 s clip at 44.1 kHz is ~250 FFT blocks, so `resample` splits it when there are two
    // or more threads.
    let x = noise(441_000 + 123, 0.5, 7);
    let serial = resample_in_parts(&x, 44100, 16000, Some(1)).unwrap();
    assert_eq!(serial.len(), 160_045);
    assert_eq!(resample(&x, 44100, 16000).unwrap(), serial);
    for parts in [2, 3, 5, 17, 1000] {
        assert_eq!(
            resample_in_parts(&x, 44100, 16000, Some(parts)).unwrap(),
            serial,
            "{parts} parts"
        );
    }
    // Upsampling too, with the trailing zero blocks needed to cover the delay.
    let y = noise(48_000, 0.5, 3);
    let serial = resample_in_parts(&y, 16000, 48000, Some(1)).unwrap();
    assert_eq!(serial.len(), 144_000);
    assert_eq!(
        resample_in_parts(&y, 16000, 48000, Some(2)).unwrap(),
        serial
    );
    // And a pair computed in f64.
    let serial = resample_in_parts(&x, 44100, 22050, Some(1)).unwrap();
    assert_eq!(serial.len(), 220_562);
    for parts in [2, 7] {
        assert_eq!(
            resample_in_parts(&x, 44100, 22050, Some(parts)).unwrap(),
            serial
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    #[test]
    fn any_split_into_parts_gives_the_same_bits(
        n in 1usize..20_000,
        seed in 0u64..1000,
        parts in 2usize..9,
        rates in proptest::sample::select(vec![
            (44100u32, 16000u32), (16000, 44100), (48000, 16000), (8000, 22050), (22050, 16001),
            // computed in f64 (downsampling by at most 2.5×)
            (44100, 22050), (48000, 44100), (44100, 24000),
        ]),
    ) {
        let x = noise(n, 0.5, seed);
        let serial = resample_in_parts(&x, rates.0, rates.1, Some(1)).unwrap();
        let want = (n as u64 * u64::from(rates.1)).div_ceil(u64::from(rates.0)) as usize;
        proptest::prop_assert!(serial.len().abs_diff(want) <= 1, "{} vs {want}", serial.len());
        proptest::prop_assert_eq!(resample_in_parts(&x, rates.0, rates.1, Some(parts)).unwrap(), serial);
    }
}

#[test]
fn downmix_and_select() {
    let a = Audio {
        sample_rate: 8000,
        channels: vec![vec![1.0, 0.0], vec![0.0, 1.0]],
        codec: "raw".into(),
    };
    assert_eq!(downmix(&a), vec![0.5, 0.5]);
    assert_eq!(select_channel(&a, 1).unwrap(), vec![0.0, 1.0]);
    assert!(select_channel(&a, 2).is_err());
}

#[test]
fn peak_rms_and_loudness_normalisation() {
    let mut x = tone(1000.0, 48000, 3.0, 0.1);
    normalize_peak(&mut x, -1.0);
    assert!((20.0 * peak(&x).log10() + 1.0).abs() < 1e-3);
    normalize_rms(&mut x, -20.0);
    assert!((20.0 * rms(&x).log10() + 20.0).abs() < 1e-3);
    // A 1 kHz sine at −20 dBFS RMS: K-weighting gain at 1 kHz is ≈ +0.7 dB, so about −19.3 LUFS
    // (the −3.01 dB sine-vs-square relation cancels with the 0.691 constant ≈ −0.7 offset).
    let mut a = Audio::mono(x, 48000);
    let l = loudness_lufs(&a).unwrap();
    assert!((l - -20.0).abs() < 1.0, "loudness {l}");
    normalize_loudness(&mut a, -23.0).unwrap();
    let l2 = loudness_lufs(&a).unwrap();
    assert!((l2 + 23.0).abs() < 0.05, "after normalisation {l2}");
    let mut silent = Audio::mono(vec![0.0; 48000], 48000);
    assert_eq!(normalize_loudness(&mut silent, -23.0).unwrap(), 1.0);
    assert!(loudness_lufs(&silent).unwrap().is_infinite());
}

#[test]
fn trims_leading_and_trailing_silence() {
    let mut x = vec![0.0f32; 8000];
    x.extend(tone(300.0, 16000, 0.5, 0.5));
    x.extend(vec![0.0; 16000]);
    let (a, b) = trim_range(&x, &TrimConfig::default());
    assert!((8000 - 2048..=8000).contains(&a), "start {a}");
    assert!((16000..=16000 + 2048).contains(&b), "end {b}");
    assert_eq!(trim(&vec![0.0; 100], &TrimConfig::default()).len(), 0);
    assert_eq!(trim(&[], &TrimConfig::default()).len(), 0);
}
