//! Signal basics: downmix and channel selection, resampling (rubato), peak / RMS / EBU R128
//! loudness normalisation, silence trimming.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};
use serde::{Deserialize, Serialize};

use crate::decode::Audio;
use crate::error::{AudioError, Result};

/// Averages all channels into one.
pub fn downmix(audio: &Audio) -> Vec<f32> {
    let n = audio.frames();
    let c = audio.channels.len();
    if c == 1 {
        return audio.channels[0].clone();
    }
    let mut out = vec![0.0f32; n];
    for ch in &audio.channels {
        out.iter_mut().zip(ch).for_each(|(o, &x)| *o += x);
    }
    let k = 1.0 / c.max(1) as f32;
    out.iter_mut().for_each(|o| *o *= k);
    out
}

/// One channel, by index.
///
/// # Errors
/// [`AudioError::InvalidParam`] if the channel does not exist.
pub fn select_channel(audio: &Audio, index: usize) -> Result<Vec<f32>> {
    audio.channels.get(index).cloned().ok_or_else(|| {
        AudioError::InvalidParam(format!(
            "channel {index} of {} channels",
            audio.channels.len()
        ))
    })
}

/// Resamples mono samples from `from` Hz to `to` Hz with rubato's synchronous FFT resampler
/// (band-limited, anti-aliased; the delay is trimmed so output sample `i` is at time `i / to`).
/// The output has `round(n * to / from)` samples.
///
/// # Errors
/// [`AudioError::InvalidParam`] for a zero rate, a rate above 1.536 MHz or a ratio beyond 256×
/// (bounding the FFT sizes a hostile header could ask for); [`AudioError::Resample`] if rubato
/// fails.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    if from == 0 || to == 0 {
        return Err(AudioError::InvalidParam(format!(
            "resample from {from} Hz to {to} Hz"
        )));
    }
    let ratio = f64::from(to) / f64::from(from);
    if !(1.0 / 256.0..=256.0).contains(&ratio) || from.max(to) > 1_536_000 {
        return Err(AudioError::InvalidParam(format!(
            "resample from {from} Hz to {to} Hz: rates must be ≤ 1.536 MHz and within 256× of each other"
        )));
    }
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    // One FFT block of an even number of minimal chunks, so both FFT sizes are even and the
    // filter delay is a whole number of output samples (rubato trims `fft_size_out / 2`; with an
    // odd size that leaves a half-sample shift).
    let g = gcd(from as usize, to as usize);
    let min_in = from as usize / g;
    let blocks = (1024usize.div_ceil(min_in)).max(2);
    let blocks = blocks + blocks % 2;
    let mut r = Fft::<f32>::new_custom(
        from as usize,
        to as usize,
        blocks * min_in,
        1,
        1,
        WindowFunction::BlackmanHarris2,
        FixedSync::Input,
    )
    .map_err(|e| AudioError::Resample(e.to_string()))?;
    let input = InterleavedSlice::new(samples, 1, samples.len())
        .map_err(|e| AudioError::Resample(e.to_string()))?;
    let out = r
        .process_all(&input, samples.len(), None)
        .map_err(|e| AudioError::Resample(e.to_string()))?;
    Ok(out.take_data())
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// Peak absolute value.
pub fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |m, x| m.max(x.abs()))
}

/// Root mean square.
pub fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let s: f64 = samples.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    (s / samples.len() as f64).sqrt() as f32
}

fn db_to_gain(db: f64) -> f32 {
    10f64.powf(db / 20.0) as f32
}

/// Scales so the peak is `target_dbfs` (e.g. −1.0). Silence is left as is. Returns the gain.
pub fn normalize_peak(samples: &mut [f32], target_dbfs: f64) -> f32 {
    let p = peak(samples);
    if p <= 0.0 || !p.is_finite() {
        return 1.0;
    }
    let g = db_to_gain(target_dbfs) / p;
    samples.iter_mut().for_each(|x| *x *= g);
    g
}

/// Scales so the RMS is `target_dbfs` (e.g. −20.0). Silence is left as is. Returns the gain.
pub fn normalize_rms(samples: &mut [f32], target_dbfs: f64) -> f32 {
    let r = rms(samples);
    if r <= 0.0 || !r.is_finite() {
        return 1.0;
    }
    let g = db_to_gain(target_dbfs) / r;
    samples.iter_mut().for_each(|x| *x *= g);
    g
}

/// Integrated loudness (EBU R128 / ITU-R BS.1770, gated) in LUFS of planar audio; `-inf` for
/// silence or audio shorter than one 400 ms block.
///
/// # Errors
/// [`AudioError::InvalidParam`] for a zero rate or no channels.
pub fn loudness_lufs(audio: &Audio) -> Result<f64> {
    let c = audio.channels.len();
    if c == 0 || audio.sample_rate == 0 {
        return Err(AudioError::InvalidParam(
            "loudness: no channels or zero rate".into(),
        ));
    }
    let mut m = ebur128::EbuR128::new(c as u32, audio.sample_rate, ebur128::Mode::I)
        .map_err(|e| AudioError::InvalidParam(format!("loudness: {e:?}")))?;
    let n = audio.frames();
    let mut inter = Vec::with_capacity(n * c);
    for i in 0..n {
        for ch in &audio.channels {
            inter.push(ch[i]);
        }
    }
    m.add_frames_f32(&inter)
        .map_err(|e| AudioError::InvalidParam(format!("loudness: {e:?}")))?;
    m.loudness_global()
        .map_err(|e| AudioError::InvalidParam(format!("loudness: {e:?}")))
}

/// Scales every channel so the integrated loudness is `target_lufs` (−23 for EBU R128 broadcast,
/// −16 for podcasts). Audio without measurable loudness is left as is. Returns the applied gain.
///
/// # Errors
/// As [`loudness_lufs`].
pub fn normalize_loudness(audio: &mut Audio, target_lufs: f64) -> Result<f32> {
    let l = loudness_lufs(audio)?;
    if !l.is_finite() {
        return Ok(1.0);
    }
    let g = db_to_gain(target_lufs - l);
    for ch in &mut audio.channels {
        ch.iter_mut().for_each(|x| *x *= g);
    }
    Ok(g)
}

/// Silence trimming parameters (librosa `effects.trim` semantics).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrimConfig {
    /// Frames quieter than the loudest frame by more than this many dB are silence (60).
    pub top_db: f32,
    /// RMS frame length (2048).
    pub frame_length: usize,
    /// RMS hop (512).
    pub hop_length: usize,
}

impl Default for TrimConfig {
    fn default() -> Self {
        TrimConfig {
            top_db: 60.0,
            frame_length: 2048,
            hop_length: 512,
        }
    }
}

impl TrimConfig {
    /// Sets top_db.
    pub fn with_top_db(mut self, v: f32) -> Self {
        self.top_db = v;
        self
    }
    /// Sets the frame length and hop.
    pub fn with_frames(mut self, frame_length: usize, hop_length: usize) -> Self {
        self.frame_length = frame_length;
        self.hop_length = hop_length;
        self
    }
}

/// Frame RMS over centred frames (zero padded), as `librosa.feature.rms(center=True)`.
pub(crate) fn frame_rms(samples: &[f32], frame: usize, hop: usize) -> Vec<f32> {
    let frame = frame.max(1);
    let hop = hop.max(1);
    let pad = frame / 2;
    let n = samples.len();
    let frames = 1 + n / hop;
    (0..frames)
        .map(|t| {
            let start = (t * hop) as isize - pad as isize;
            let lo = start.max(0) as usize;
            let hi = ((start + frame as isize).max(0) as usize).min(n);
            let s: f64 = samples[lo.min(hi)..hi]
                .iter()
                .map(|&x| f64::from(x) * f64::from(x))
                .sum();
            (s / frame as f64).sqrt() as f32
        })
        .collect()
}

/// The non-silent range `[start, end)` in samples (librosa `effects.trim`): `(0, 0)` if all is
/// silent.
pub fn trim_range(samples: &[f32], cfg: &TrimConfig) -> (usize, usize) {
    if samples.is_empty() {
        return (0, 0);
    }
    let r = frame_rms(samples, cfg.frame_length, cfg.hop_length);
    let max = r.iter().copied().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return (0, 0);
    }
    let thr = max * 10f32.powf(-cfg.top_db / 20.0);
    let first = r.iter().position(|&v| v > thr);
    let last = r.iter().rposition(|&v| v > thr);
    match (first, last) {
        (Some(a), Some(b)) => (
            (a * cfg.hop_length).min(samples.len()),
            ((b + 1) * cfg.hop_length).min(samples.len()),
        ),
        _ => (0, 0),
    }
}

/// Leading and trailing silence removed (see [`trim_range`]).
pub fn trim(samples: &[f32], cfg: &TrimConfig) -> Vec<f32> {
    let (a, b) = trim_range(samples, cfg);
    samples[a..b].to_vec()
}

/// Signal-to-noise ratio in dB of `test` against `reference` (same length is compared; the
/// shorter length is used): `10 log10(Σ ref² / Σ (ref − test)²)`.
pub fn snr_db(reference: &[f32], test: &[f32]) -> f64 {
    let (mut s, mut e) = (0.0f64, 0.0f64);
    for (&r, &t) in reference.iter().zip(test) {
        s += f64::from(r) * f64::from(r);
        e += (f64::from(r) - f64::from(t)).powi(2);
    }
    if e == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (s / e).log10()
}
