use dataprep_audio::denoise::{DenoiseConfig, reduce_noise};
use dataprep_audio::signal::{rms, snr_db};
use rand::SeedableRng;

use super::common::*;

/// Speech-like bursts (150 ms on, 450 ms off, like syllables) in white noise at `snr` dB, and a
/// separate noise-only clip at the same level.
fn noisy(snr: f32) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    use rand::RngExt;
    let (speech, _) = speech();
    let mut clean = vec![0.0f32; 48000];
    for (i, v) in clean.iter_mut().enumerate() {
        if (i % 9600) < 2400 {
            *v = speech[i % speech.len()];
        }
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let white: Vec<f32> = (0..clean.len() + 16000)
        .map(|_| rng.random::<f32>() - 0.5)
        .collect();
    let k = rms(&clean) / (rms(&white) * 10f32.powf(snr / 20.0));
    let x: Vec<f32> = clean.iter().zip(&white).map(|(c, w)| c + k * w).collect();
    let clip = white[clean.len()..].iter().map(|w| k * w).collect();
    (clean, x, clip)
}

#[test]
fn stationary_gating_improves_snr() {
    let (clean, x, noise_clip) = noisy(5.0);
    let before = snr_db(&clean, &x);
    let y = reduce_noise(&x, 16000, Some(&noise_clip), &DenoiseConfig::stationary()).unwrap();
    assert_eq!(y.len(), x.len());
    let after = snr_db(&clean, &y);
    eprintln!("stationary gain {}", after - before);
    assert!(
        after - before > 4.0,
        "stationary: {before:.2} dB → {after:.2} dB"
    );
}

#[test]
fn nonstationary_gating_improves_snr() {
    let (clean, x, _) = noisy(5.0);
    let before = snr_db(&clean, &x);
    let y = reduce_noise(&x, 16000, None, &DenoiseConfig::default()).unwrap();
    let after = snr_db(&clean, &y);
    eprintln!("non-stationary gain {}", after - before);
    assert!(
        after - before > 2.0,
        "non-stationary: {before:.2} dB → {after:.2} dB"
    );
}

#[test]
fn zero_prop_decrease_is_identity_and_bad_input_errors() {
    let (_, x, _) = noisy(5.0);
    let y = reduce_noise(
        &x,
        16000,
        None,
        &DenoiseConfig::stationary()
            .with_prop_decrease(0.0)
            .with_mask_smoothing(0.0, 0.0),
    )
    .unwrap();
    let snr = snr_db(&x, &y);
    assert!(snr > 60.0, "identity reconstruction {snr}");
    assert!(reduce_noise(&[f32::NAN], 16000, None, &DenoiseConfig::default()).is_err());
    assert!(
        reduce_noise(&[], 16000, None, &DenoiseConfig::default())
            .unwrap()
            .is_empty()
    );
    assert!(reduce_noise(&[0.1; 10], 16000, None, &DenoiseConfig::default()).is_ok());
}

#[test]
fn matches_noisereduce_output() {
    let row = |name: &str| {
        golden(name)
            .row(0)
            .iter()
            .map(|&v| v as f32)
            .collect::<Vec<f32>>()
    };
    let (noisy, clip) = (row("nr_noisy"), row("nr_clip"));
    let ours = reduce_noise(&noisy, 16000, Some(&clip), &DenoiseConfig::stationary()).unwrap();
    let agree = snr_db(&row("nr_stationary"), &ours);
    eprintln!("stationary: ours vs noisereduce {agree:.1} dB");
    assert!(agree > 100.0, "stationary agreement {agree} dB");
    let ours = reduce_noise(&noisy, 16000, None, &DenoiseConfig::default()).unwrap();
    let agree = snr_db(&row("nr_nonstationary"), &ours);
    eprintln!("non-stationary: ours vs noisereduce {agree:.1} dB");
    assert!(agree > 100.0, "non-stationary agreement {agree} dB");
}
