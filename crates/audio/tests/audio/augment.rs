use dataprep_audio::augment::*;
use dataprep_audio::signal::{rms, snr_db};
use rand::SeedableRng;

use super::common::*;

fn rng(seed: u64) -> rand_chacha::ChaCha8Rng {
    rand_chacha::ChaCha8Rng::seed_from_u64(seed)
}

#[test]
fn noise_at_target_snr() {
    let x = tone(440.0, 16000, 1.0, 0.5);
    for target in [0.0f32, 10.0, 20.0] {
        let mut y = x.clone();
        add_noise(&mut y, target, &mut rng(1));
        let got = snr_db(&x, &y);
        assert!((got - f64::from(target)).abs() < 0.1, "{target} → {got}");
    }
}

#[test]
fn gain_is_seeded_and_in_range() {
    let x = tone(440.0, 16000, 0.1, 0.5);
    let (mut a, mut b) = (x.clone(), x.clone());
    let ga = random_gain(&mut a, -6.0, 6.0, &mut rng(7));
    let gb = random_gain(&mut b, -6.0, 6.0, &mut rng(7));
    assert_eq!(a, b);
    assert_eq!(ga, gb);
    assert!((-6.0..6.0).contains(&ga));
    let ratio = 20.0 * (rms(&a) / rms(&x)).log10();
    assert!((ratio - ga).abs() < 1e-3);
}

#[test]
fn speed_and_pitch() {
    let x = tone(500.0, 16000, 1.0, 0.5);
    let fast = speed(&x, 16000, 1.1).unwrap();
    assert!(
        (fast.len() as f32 - 16000.0 / 1.1).abs() <= 2.0,
        "{}",
        fast.len()
    );
    // The tone is now at 550 Hz: compare with a synthesised 550 Hz tone.
    let want = tone(550.0, 16000, 1.0, 0.5);
    assert!(snr_db(&want[2000..12000], &fast[2000..12000]) > 40.0);
    let p = pitch_shift(&x, 16000, 12.0).unwrap();
    assert_eq!(p.len(), x.len());
    // Energy moves up an octave: correlation with a 1000 Hz tone beats correlation with 500 Hz.
    let corr = |f: f32| {
        let (s, c): (f32, f32) =
            p[2000..14000]
                .iter()
                .enumerate()
                .fold((0.0, 0.0), |(s, c), (i, &v)| {
                    let ph = 2.0 * std::f32::consts::PI * f * (i + 2000) as f32 / 16000.0;
                    (s + v * ph.sin(), c + v * ph.cos())
                });
        (s * s + c * c).sqrt()
    };
    assert!(
        corr(1000.0) > 5.0 * corr(500.0),
        "{} {}",
        corr(1000.0),
        corr(500.0)
    );
    assert!(speed(&x, 16000, 0.0).is_err());
}

#[test]
fn shift_and_spec_augment() {
    assert_eq!(time_shift(&[1.0, 2.0, 3.0], 1), vec![0.0, 1.0, 2.0]);
    assert_eq!(time_shift(&[1.0, 2.0, 3.0], -2), vec![3.0, 0.0, 0.0]);
    let mut f = ndarray::Array2::<f32>::ones((200, 80));
    let masks = spec_augment(&mut f, &SpecAugmentConfig::default(), &mut rng(3));
    assert_eq!(masks.len(), 4);
    for &(is_time, s, w) in &masks {
        if is_time {
            assert!(w <= 100 && s + w <= 200);
            assert!((s..s + w).all(|t| f.row(t).iter().all(|&v| v == 0.0)));
        } else {
            assert!(w <= 27 && s + w <= 80);
            assert!((s..s + w).all(|b| f.column(b).iter().all(|&v| v == 0.0)));
        }
    }
    let mut g = ndarray::Array2::<f32>::ones((200, 80));
    assert_eq!(
        spec_augment(&mut g, &SpecAugmentConfig::default(), &mut rng(3)),
        masks
    );
    assert_eq!(f, g);
    let mut tiny = ndarray::Array2::<f32>::ones((0, 0));
    spec_augment(&mut tiny, &SpecAugmentConfig::default(), &mut rng(3));
}
