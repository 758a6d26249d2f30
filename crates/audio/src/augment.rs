//! Seeded augmentation: gain, additive noise at a target SNR, speed and pitch perturbation, time
//! shift, SpecAugment masks. Every function takes the RNG, so a stage draws from
//! [`dataprep_core::Context::rng`] and results depend only on (seed, stage, record key).

use ndarray::Array2;
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::signal::{resample, rms};

/// Multiplies by a gain drawn uniformly in `[min_db, max_db]` dB; returns the gain in dB.
pub fn random_gain<R: Rng + ?Sized>(x: &mut [f32], min_db: f32, max_db: f32, rng: &mut R) -> f32 {
    let db = if max_db > min_db {
        rng.random_range(min_db..max_db)
    } else {
        min_db
    };
    let g = 10f32.powf(db / 20.0);
    x.iter_mut().for_each(|v| *v *= g);
    db
}

/// Adds Gaussian white noise so that the signal-to-noise ratio is `snr_db` (by RMS). Silent input
/// is left unchanged.
pub fn add_noise<R: Rng + ?Sized>(x: &mut [f32], snr_db: f32, rng: &mut R) {
    let s = rms(x);
    if s <= 0.0 {
        return;
    }
    let noise: Vec<f32> = (0..x.len()).map(|_| gaussian(rng)).collect();
    add_noise_signal(x, &noise, snr_db);
}

/// Adds `noise` (looped to length) scaled so the SNR is `snr_db` (by RMS).
pub fn add_noise_signal(x: &mut [f32], noise: &[f32], snr_db: f32) {
    let (s, n) = (rms(x), rms(noise));
    if s <= 0.0 || n <= 0.0 || noise.is_empty() {
        return;
    }
    let k = s / (n * 10f32.powf(snr_db / 20.0));
    for (i, v) in x.iter_mut().enumerate() {
        *v += k * noise[i % noise.len()];
    }
}

fn gaussian<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    // Box–Muller
    let u1: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

/// Speed perturbation as Kaldi/lhotse do it: resample so the clip plays `factor` times faster
/// (duration / factor, pitch × factor), at the same sample rate.
///
/// # Errors
/// [`Error::InvalidParam`] for a factor outside (0.1, 10).
pub fn speed(x: &[f32], sample_rate: u32, factor: f32) -> Result<Vec<f32>> {
    if !(factor > 0.1 && factor < 10.0) {
        return Err(Error::InvalidParam(format!("speed factor {factor}")));
    }
    // Treat the signal as if recorded at sr·factor and bring it back to sr.
    let from = (sample_rate as f64 * factor as f64).round() as u32;
    resample(x, from, sample_rate)
}

/// Pitch shift by `semitones` keeping the duration: a speed change by 2^(s/12) followed by a
/// phase-vocoder-free time stretch (overlap-add with a Hann window) back to the original length.
///
/// # Errors
/// As [`speed`].
pub fn pitch_shift(x: &[f32], sample_rate: u32, semitones: f32) -> Result<Vec<f32>> {
    let factor = 2f32.powf(semitones / 12.0);
    let fast = speed(x, sample_rate, factor)?;
    Ok(ola_stretch(
        &fast,
        x.len(),
        (sample_rate as usize / 25).max(16),
    ))
}

/// Overlap-add time stretch of `x` to `target` samples with frames of `frame` samples.
fn ola_stretch(x: &[f32], target: usize, frame: usize) -> Vec<f32> {
    if x.is_empty() || target == 0 {
        return vec![0.0; target];
    }
    let hop_out = frame / 2;
    let ratio = x.len() as f64 / target as f64;
    let w = crate::features::Window::Hann.coefficients(frame);
    let mut y = vec![0.0f32; target + frame];
    let mut ws = vec![0.0f32; target + frame];
    let mut o = 0;
    while o < target {
        let i0 = (o as f64 * ratio) as usize;
        for k in 0..frame {
            let v = x.get(i0 + k).copied().unwrap_or(0.0);
            y[o + k] += v * w[k];
            ws[o + k] += w[k];
        }
        o += hop_out;
    }
    y.truncate(target);
    y.iter_mut().zip(&ws).for_each(|(v, &s)| {
        if s > 1e-3 {
            *v /= s
        }
    });
    y
}

/// Circular-free time shift by `shift` samples (positive delays, negative advances), zero filled.
pub fn time_shift(x: &[f32], shift: isize) -> Vec<f32> {
    let n = x.len() as isize;
    (0..n)
        .map(|i| {
            let j = i - shift;
            if j >= 0 && j < n { x[j as usize] } else { 0.0 }
        })
        .collect()
}

/// SpecAugment masking parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpecAugmentConfig {
    /// Number of frequency masks (2).
    pub freq_masks: usize,
    /// Maximum width of a frequency mask in bins (27, the LibriSpeech "LD" policy).
    pub max_freq_width: usize,
    /// Number of time masks (2).
    pub time_masks: usize,
    /// Maximum width of a time mask in frames (100), also capped at `max_time_ratio × frames`.
    pub max_time_width: usize,
    /// Upper bound of a time mask as a fraction of the frames (1.0, i.e. no extra cap).
    pub max_time_ratio: f32,
    /// Value written into masked cells (0.0; use the mean for normalised features).
    pub fill: f32,
}

impl Default for SpecAugmentConfig {
    fn default() -> Self {
        SpecAugmentConfig {
            freq_masks: 2,
            max_freq_width: 27,
            time_masks: 2,
            max_time_width: 100,
            max_time_ratio: 1.0,
            fill: 0.0,
        }
    }
}

/// Applies SpecAugment frequency and time masks in place to a frames × bins matrix; returns the
/// masks as `(is_time, start, width)`.
pub fn spec_augment<R: Rng + ?Sized>(
    feats: &mut Array2<f32>,
    cfg: &SpecAugmentConfig,
    rng: &mut R,
) -> Vec<(bool, usize, usize)> {
    let (frames, bins) = feats.dim();
    let mut masks = Vec::new();
    for _ in 0..cfg.freq_masks {
        let w = rng.random_range(0..=cfg.max_freq_width.min(bins));
        let s = rng.random_range(0..=bins - w);
        for mut row in feats.rows_mut() {
            row.iter_mut().skip(s).take(w).for_each(|v| *v = cfg.fill);
        }
        masks.push((false, s, w));
    }
    let cap = ((frames as f32 * cfg.max_time_ratio) as usize)
        .min(cfg.max_time_width)
        .min(frames);
    for _ in 0..cfg.time_masks {
        let w = rng.random_range(0..=cap);
        let s = rng.random_range(0..=frames - w);
        for mut row in feats.rows_mut().into_iter().skip(s).take(w) {
            row.fill(cfg.fill);
        }
        masks.push((true, s, w));
    }
    masks
}
