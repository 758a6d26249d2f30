//! Spectral-gating noise reduction, stationary and non-stationary, following noisereduce 3.x
//! (`noisereduce.reduce_noise`) and its defaults.

use ndarray::Array2;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::Window;

/// Spectral gating parameters; defaults are noisereduce's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DenoiseConfig {
    /// Stationary (threshold from noise statistics) or non-stationary (threshold from a running
    /// time-smoothed spectrum). noisereduce's default is non-stationary.
    pub stationary: bool,
    /// FFT size (1024); the window is the same length, the hop a quarter of it.
    pub n_fft: usize,
    /// How much of the noise to remove, 0..1 (1.0).
    pub prop_decrease: f32,
    /// Stationary: threshold at mean + this × std of the noise dB per frequency (1.5).
    pub n_std_thresh_stationary: f32,
    /// Non-stationary: time constant of the smoothing in seconds (2.0).
    pub time_constant_s: f32,
    /// Non-stationary: gate where the signal exceeds the smoothed one by this factor (2.0).
    pub thresh_n_mult_nonstationary: f32,
    /// Non-stationary: slope of the sigmoid gate (10.0).
    pub sigmoid_slope_nonstationary: f32,
    /// Mask smoothing across frequency in Hz (500).
    pub freq_mask_smooth_hz: f32,
    /// Mask smoothing across time in ms (50).
    pub time_mask_smooth_ms: f32,
    /// Zeros added on both sides before processing (30000): noisereduce reads its chunks with
    /// this padding, which lowers the running average the non-stationary gate compares against.
    pub padding: usize,
}

impl Default for DenoiseConfig {
    fn default() -> Self {
        DenoiseConfig {
            stationary: false,
            n_fft: 1024,
            prop_decrease: 1.0,
            n_std_thresh_stationary: 1.5,
            time_constant_s: 2.0,
            thresh_n_mult_nonstationary: 2.0,
            sigmoid_slope_nonstationary: 10.0,
            freq_mask_smooth_hz: 500.0,
            time_mask_smooth_ms: 50.0,
            padding: 30000,
        }
    }
}

impl DenoiseConfig {
    /// Stationary mode.
    pub fn stationary() -> Self {
        DenoiseConfig {
            stationary: true,
            ..Default::default()
        }
    }
    /// Sets prop_decrease.
    pub fn with_prop_decrease(mut self, v: f32) -> Self {
        self.prop_decrease = v;
        self
    }
    /// Sets the mask smoothing (0, 0 disables it).
    pub fn with_mask_smoothing(mut self, freq_hz: f32, time_ms: f32) -> Self {
        self.freq_mask_smooth_hz = freq_hz;
        self.time_mask_smooth_ms = time_ms;
        self
    }
    /// Sets the FFT size.
    pub fn with_n_fft(mut self, n: usize) -> Self {
        self.n_fft = n;
        self
    }
}

/// Complex STFT (freq × time), centred with zero padding, periodic Hann.
struct Spec {
    n_fft: usize,
    hop: usize,
    window: Vec<f32>,
    data: Array2<Complex<f32>>,
}

fn stft(x: &[f32], n_fft: usize, hop: usize) -> Spec {
    let window = Window::Hann.coefficients(n_fft);
    let pad = n_fft / 2;
    let frames = 1 + (x.len() + 2 * pad - n_fft) / hop;
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
    let mut buf = fft.make_input_vec();
    let mut out = fft.make_output_vec();
    let mut data = Array2::from_elem((n_fft / 2 + 1, frames), Complex::new(0.0, 0.0));
    for t in 0..frames {
        for (k, b) in buf.iter_mut().enumerate() {
            let i = (t * hop + k) as isize - pad as isize;
            *b = if i >= 0 && (i as usize) < x.len() {
                x[i as usize] * window[k]
            } else {
                0.0
            };
        }
        let _ = fft.process(&mut buf, &mut out);
        for (f, c) in out.iter().enumerate() {
            data[[f, t]] = *c;
        }
    }
    Spec {
        n_fft,
        hop,
        window,
        data,
    }
}

fn istft(s: &Spec, len: usize) -> Vec<f32> {
    let n_fft = s.n_fft;
    let pad = n_fft / 2;
    let frames = s.data.ncols();
    let total = n_fft + s.hop * frames.saturating_sub(1);
    let mut y = vec![0.0f32; total];
    let mut wsum = vec![0.0f32; total];
    let ifft = RealFftPlanner::<f32>::new().plan_fft_inverse(n_fft);
    let mut spec = ifft.make_input_vec();
    let mut buf = ifft.make_output_vec();
    for t in 0..frames {
        for (f, c) in spec.iter_mut().enumerate() {
            *c = s.data[[f, t]];
        }
        spec[0].im = 0.0;
        if let Some(last) = spec.last_mut() {
            last.im = 0.0;
        }
        let _ = ifft.process(&mut spec, &mut buf);
        let o = t * s.hop;
        for k in 0..n_fft {
            let w = s.window[k];
            y[o + k] += buf[k] / n_fft as f32 * w;
            wsum[o + k] += w * w;
        }
    }
    (0..len)
        .map(|i| {
            let j = i + pad;
            if j < total && wsum[j] > 1e-8 {
                y[j] / wsum[j]
            } else {
                0.0
            }
        })
        .collect()
}

fn amp_to_db(mag: &Array2<f32>) -> Array2<f32> {
    // 20 log10(|x| + eps), floored per frequency at its max − 80 dB (noisereduce `_amp_to_db`).
    let mut db = mag.mapv(|v| 20.0 * ((f64::from(v) + f64::EPSILON).log10()) as f32);
    for mut row in db.rows_mut() {
        let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        row.mapv_inplace(|v| v.max(m - 80.0));
    }
    db
}

fn ramp(n: usize) -> Vec<f32> {
    // concat(linspace(0, 1, n + 1, endpoint=False), linspace(1, 0, n + 2))[1:-1]
    let mut v: Vec<f32> = (0..=n).map(|i| i as f32 / (n + 1) as f32).collect();
    v.extend((0..n + 2).map(|i| 1.0 - i as f32 / (n + 1) as f32));
    v[1..v.len() - 1].to_vec()
}

fn smooth_mask(mask: &Array2<f32>, nf: usize, nt: usize) -> Array2<f32> {
    if nf == 0 && nt == 0 {
        return mask.clone();
    }
    let (vf, vt) = (ramp(nf), ramp(nt));
    let sum: f32 = vf.iter().sum::<f32>() * vt.iter().sum::<f32>();
    let (rows, cols) = mask.dim();
    let (cf, ct) = ((vf.len() - 1) / 2, (vt.len() - 1) / 2);
    // Separable: convolve along time, then frequency ("same" mode, zero outside).
    let mut tmp = Array2::<f32>::zeros((rows, cols));
    for r in 0..rows {
        for c in 0..cols {
            let mut acc = 0.0;
            for (j, &w) in vt.iter().enumerate() {
                let cc = c as isize + ct as isize - j as isize;
                if cc >= 0 && (cc as usize) < cols {
                    acc += w * mask[[r, cc as usize]];
                }
            }
            tmp[[r, c]] = acc;
        }
    }
    let mut out = Array2::<f32>::zeros((rows, cols));
    for r in 0..rows {
        for (i, &w) in vf.iter().enumerate() {
            let rr = r as isize + cf as isize - i as isize;
            if rr >= 0 && (rr as usize) < rows {
                let rr = rr as usize;
                for c in 0..cols {
                    out[[r, c]] += w * tmp[[rr, c]];
                }
            }
        }
    }
    out.mapv_inplace(|v| v / sum);
    out
}

/// Reduces noise in `samples` by spectral gating. `noise` is a noise-only clip for the stationary
/// statistics (noisereduce's `y_noise`); `None` uses the signal itself, as noisereduce does.
///
/// # Errors
/// [`Error::InvalidParam`] for a zero rate or `n_fft < 16`; [`Error::NonFinite`].
pub fn reduce_noise(
    samples: &[f32],
    sample_rate: u32,
    noise: Option<&[f32]>,
    cfg: &DenoiseConfig,
) -> Result<Vec<f32>> {
    if sample_rate == 0 || cfg.n_fft < 16 {
        return Err(Error::InvalidParam(format!(
            "denoise: {cfg:?} at {sample_rate} Hz"
        )));
    }
    crate::features::check_finite(samples)?;
    if samples.is_empty() {
        return Ok(Vec::new());
    }
    let n_fft = cfg.n_fft;
    let hop = n_fft / 4;
    let sr = sample_rate as f32;
    let pad = cfg.padding;
    let mut padded = vec![0.0f32; samples.len() + 2 * pad];
    padded[pad..pad + samples.len()].copy_from_slice(samples);
    let mut spec = stft(&padded, n_fft, hop);
    let mag = spec.data.mapv(|c| c.norm());
    let mask = if cfg.stationary {
        let nspec = stft(noise.unwrap_or(samples), n_fft, hop);
        let ndb = amp_to_db(&nspec.data.mapv(|c| c.norm()));
        let thresh: Vec<f32> = ndb
            .rows()
            .into_iter()
            .map(|r| {
                let n = r.len().max(1) as f32;
                let mean = r.sum() / n;
                let var = r.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
                mean + var.sqrt() * cfg.n_std_thresh_stationary
            })
            .collect();
        let sdb = amp_to_db(&mag);
        let mut m = sdb;
        for (mut row, &t) in m.rows_mut().into_iter().zip(&thresh) {
            row.mapv_inplace(|v| if v > t { 1.0 } else { 0.0 });
        }
        m
    } else {
        // filtfilt([b], [1, b − 1]) along time, initial state at the edge value.
        let t_frames = cfg.time_constant_s * sr / hop as f32;
        let b = ((1.0 + 4.0 * t_frames * t_frames).sqrt() - 1.0) / (2.0 * t_frames * t_frames);
        let mut m = mag.clone();
        for (mut row, src) in m.rows_mut().into_iter().zip(mag.rows()) {
            let n = src.len();
            let mut fwd = vec![0.0f32; n];
            let mut y = src[0];
            for i in 0..n {
                y = b * src[i] + (1.0 - b) * y;
                fwd[i] = y;
            }
            let mut y = fwd[n - 1];
            for i in (0..n).rev() {
                y = b * fwd[i] + (1.0 - b) * y;
                let smooth = y.max(1e-12);
                let above = (src[i] - smooth) / smooth;
                row[i] = 1.0
                    / (1.0
                        + (-(above - cfg.thresh_n_mult_nonstationary)
                            * cfg.sigmoid_slope_nonstationary)
                            .exp());
            }
        }
        m
    };
    let p = cfg.prop_decrease.clamp(0.0, 1.0);
    let mask = mask.mapv(|v| v * p + (1.0 - p));
    let nf = (cfg.freq_mask_smooth_hz / (sr / (n_fft as f32 / 2.0))) as usize;
    let nt = (cfg.time_mask_smooth_ms / (hop as f32 / sr * 1000.0)) as usize;
    let mask = smooth_mask(&mask, nf, nt);
    spec.data.zip_mut_with(&mask, |c, &m| *c *= m);
    let y = istft(&spec, padded.len());
    Ok(y[pad..pad + samples.len()].to_vec())
}
