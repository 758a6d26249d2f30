//! Spectral features with rustfft/realfft: STFT, power spectrograms, mel filterbanks, power-to-dB,
//! MFCC and Kaldi-style fbank, with presets matching librosa, torchaudio and Kaldi.
//!
//! Matrices are `ndarray::Array2<f32>` laid out **frames × bins** (time first), the transpose of
//! librosa's `(n_mels, frames)`.

use std::f64::consts::PI;
use std::sync::Arc;

use ndarray::Array2;
use rayon::prelude::*;
use realfft::{RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Analysis window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Window {
    /// Periodic Hann (`scipy.signal.get_window("hann", n)`, `torch.hann_window(n)`).
    Hann,
    /// Symmetric Hann (`torch.hann_window(n, periodic=False)`).
    HannSymmetric,
    /// Periodic Hamming (0.54 − 0.46 cos).
    Hamming,
    /// Kaldi's "povey" window: symmetric Hann to the power 0.85.
    Povey,
    /// All ones.
    Rectangular,
}

impl Window {
    /// The window's `n` coefficients.
    pub fn coefficients(self, n: usize) -> Vec<f32> {
        let sym = |i: usize| {
            if n <= 1 {
                1.0
            } else {
                0.5 - 0.5 * (2.0 * PI * i as f64 / (n - 1) as f64).cos()
            }
        };
        (0..n)
            .map(|i| {
                let v = match self {
                    Window::Hann => 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos(),
                    Window::HannSymmetric => sym(i),
                    Window::Hamming => 0.54 - 0.46 * (2.0 * PI * i as f64 / n as f64).cos(),
                    Window::Povey => sym(i).powf(0.85),
                    Window::Rectangular => 1.0,
                };
                v as f32
            })
            .collect()
    }
}

/// How the signal is padded at both ends when frames are centred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PadMode {
    /// Zeros (librosa ≥ 0.10 default).
    Constant,
    /// Mirror without repeating the edge sample (torch `reflect`).
    Reflect,
}

/// STFT parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StftConfig {
    /// FFT size.
    pub n_fft: usize,
    /// Window length (≤ n_fft; the window is centred in the FFT frame, as librosa and torch do).
    pub win_length: usize,
    /// Hop in samples.
    pub hop_length: usize,
    /// Window function.
    pub window: Window,
    /// Pad `n_fft / 2` on both sides so frame `t` is centred at `t * hop`.
    pub center: bool,
    /// Padding used when `center` is set.
    pub pad_mode: PadMode,
}

impl Default for StftConfig {
    /// librosa's defaults: 2048 / 2048 / 512, Hann, centred, zero padding.
    fn default() -> Self {
        StftConfig {
            n_fft: 2048,
            win_length: 2048,
            hop_length: 512,
            window: Window::Hann,
            center: true,
            pad_mode: PadMode::Constant,
        }
    }
}

impl StftConfig {
    /// Sets n_fft and the window length together.
    pub fn with_n_fft(mut self, n: usize) -> Self {
        self.n_fft = n;
        self.win_length = n;
        self
    }
    /// Sets the window length.
    pub fn with_win_length(mut self, n: usize) -> Self {
        self.win_length = n;
        self
    }
    /// Sets the hop.
    pub fn with_hop_length(mut self, n: usize) -> Self {
        self.hop_length = n;
        self
    }
    /// Sets the window.
    pub fn with_window(mut self, w: Window) -> Self {
        self.window = w;
        self
    }
    /// Sets centring.
    pub fn with_center(mut self, c: bool) -> Self {
        self.center = c;
        self
    }
    /// Sets the padding mode.
    pub fn with_pad_mode(mut self, p: PadMode) -> Self {
        self.pad_mode = p;
        self
    }
    fn validate(&self) -> Result<()> {
        if self.n_fft < 2 || self.hop_length == 0 || self.win_length == 0 {
            return Err(Error::InvalidParam(format!(
                "stft: n_fft {} (≥ 2), hop {} and win_length {} (≥ 1)",
                self.n_fft, self.hop_length, self.win_length
            )));
        }
        if self.win_length > self.n_fft {
            return Err(Error::InvalidParam(format!(
                "stft: win_length {} > n_fft {}",
                self.win_length, self.n_fft
            )));
        }
        Ok(())
    }
}

/// A planned STFT: window and FFT plan built once, reused for every signal.
#[derive(Clone)]
pub struct Stft {
    cfg: StftConfig,
    window: Vec<f32>,
    fft: PowerFft,
}

/// Frames per parallel work item: large enough that scheduling costs nothing next to the FFTs,
/// small enough that a 10 s clip keeps both cores busy. Results do not depend on it.
const FRAMES_PER_TASK: usize = 32;

/// A planned real FFT that yields the power `|X_k|²` for `k = 0..=n/2`.
///
/// For even `n` the frame is packed into `n/2` complex values, transformed with one complex FFT
/// of half the length and unpacked with the split-radix twiddles (the standard real-FFT trick,
/// fused with the power so the spectrum is never stored); odd `n` goes through realfft.
#[derive(Clone)]
struct PowerFft {
    n: usize,
    kind: PowerFftKind,
}

#[derive(Clone)]
enum PowerFftKind {
    Half {
        fft: Arc<dyn Fft<f32>>,
        /// `cos` and `sin` of `−2πk/n`, `k ≤ n/4` (the unpacking pairs bin `k` with `n/2 − k`).
        tw_re: Vec<f32>,
        tw_im: Vec<f32>,
    },
    Real(Arc<dyn RealToComplex<f32>>),
}

/// Per-thread buffers of a [`PowerFft`].
struct FftWork {
    /// The windowed frame, `n` reals (used for padded edge frames and odd sizes).
    frame: Vec<f32>,
    packed: Vec<Complex<f32>>,
    /// Re and Im of `Z_{m−k}`, `k = 1..=(m−1)/2`, of the half-length transform: the upper half
    /// reversed, so that the unpacking reads both halves forwards.
    rev_re: Vec<f32>,
    rev_im: Vec<f32>,
    scratch: Vec<Complex<f32>>,
    spec: Vec<Complex<f32>>,
    /// One frame's power spectrum, `n/2 + 1` bins.
    power: Vec<f32>,
}

impl PowerFft {
    fn new(n: usize) -> Self {
        let kind = if n.is_multiple_of(2) {
            let m = n / 2;
            let fft = FftPlanner::<f32>::new().plan_fft_forward(m);
            let angle = |k: usize| -2.0 * PI * k as f64 / n as f64;
            PowerFftKind::Half {
                fft,
                tw_re: (0..=m / 2).map(|k| angle(k).cos() as f32).collect(),
                tw_im: (0..=m / 2).map(|k| angle(k).sin() as f32).collect(),
            }
        } else {
            PowerFftKind::Real(RealFftPlanner::<f32>::new().plan_fft_forward(n))
        };
        PowerFft { n, kind }
    }

    fn work(&self) -> FftWork {
        let zero = Complex::new(0.0, 0.0);
        let (packed, scratch, spec) = match &self.kind {
            PowerFftKind::Half { fft, .. } => (
                vec![zero; self.n / 2],
                vec![zero; fft.get_inplace_scratch_len()],
                Vec::new(),
            ),
            PowerFftKind::Real(fft) => (Vec::new(), fft.make_scratch_vec(), fft.make_output_vec()),
        };
        FftWork {
            frame: vec![0.0; self.n],
            rev_re: vec![0.0; packed.len() / 2],
            rev_im: vec![0.0; packed.len() / 2],
            packed,
            scratch,
            spec,
            power: vec![0.0; self.n / 2 + 1],
        }
    }

    /// Power of the windowed frame `x · w` (both `n` long) into `work.power`.
    fn power_windowed(&self, x: &[f32], w: &[f32], work: &mut FftWork) {
        match &self.kind {
            PowerFftKind::Half { .. } => {
                pack_windowed(&mut work.packed, x, w);
                self.power_packed(work);
            }
            PowerFftKind::Real(_) => {
                for ((f, &a), &b) in work.frame.iter_mut().zip(x).zip(w) {
                    *f = a * b;
                }
                self.power_frame(work);
            }
        }
    }

    /// Power of `work.frame` (already windowed) into `work.power`.
    fn power_frame(&self, work: &mut FftWork) {
        match &self.kind {
            PowerFftKind::Half { .. } => {
                let flat: &mut [f32] = bytemuck::cast_slice_mut(&mut work.packed);
                flat.copy_from_slice(&work.frame);
                self.power_packed(work);
            }
            PowerFftKind::Real(fft) => {
                // Lengths are fixed by the plan, so this cannot fail.
                let _ =
                    fft.process_with_scratch(&mut work.frame, &mut work.spec, &mut work.scratch);
                for (o, c) in work.power.iter_mut().zip(&work.spec) {
                    *o = c.re * c.re + c.im * c.im;
                }
            }
        }
    }

    /// Transforms `work.packed` (`z_j = x_2j + i x_2j+1`) and unpacks `|X_k|²`.
    fn power_packed(&self, work: &mut FftWork) {
        let PowerFftKind::Half { fft, tw_re, tw_im } = &self.kind else {
            return;
        };
        fft.process_with_scratch(&mut work.packed, &mut work.scratch);
        unpack_power(
            &work.packed,
            tw_re,
            tw_im,
            (&mut work.rev_re, &mut work.rev_im),
            &mut work.power,
        );
    }
}

// The per-frame kernels below run inside `vectorized`, which compiles them for the CPU's vector
// extensions (AVX2; NEON etc. elsewhere) as well as the baseline and picks one at run time (pulp). They hold
// no reductions whose order the vector width could change, so every version gives the same bits.

/// Runs `f` compiled for the CPU's vector extensions (pulp's run-time dispatch); `f` and what it
/// calls must be `#[inline(always)]` for the choice to reach the loops. On x86 AVX2 is preferred
/// to AVX-512: these loads-and-stores-bound loops measured 13 % faster with it (one thread, log
/// mel, docs/performance.md).
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[inline(always)]
fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    match pulp::x86::V3::try_new() {
        Some(avx2) => avx2.vectorize(f),
        None => pulp::Arch::new().dispatch(f),
    }
}

/// Runs `f` compiled for the CPU's vector extensions (pulp's run-time dispatch).
#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
#[inline(always)]
fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(f)
}

/// `z_j = (x_2j w_2j) + i (x_2j+1 w_2j+1)`: on the interleaved view of `packed` this is a plain
/// elementwise product.
fn pack_windowed(packed: &mut [Complex<f32>], x: &[f32], w: &[f32]) {
    let flat: &mut [f32] = bytemuck::cast_slice_mut(packed);
    vectorized(
        #[inline(always)]
        || {
            for ((z, &a), &b) in flat.iter_mut().zip(x).zip(w) {
                *z = a * b;
            }
        },
    )
}

/// `|X_k|²`, `k = 0..=m`, of the `2m`-point real transform whose packed half-length transform
/// is `z`; `rev` is scratch for the reversed upper half (`m/2` floats each), `tw` the twiddles
/// `W^k`, `k ≤ m/2`.
///
/// With `E = (Z_k + conj Z_{m−k}) / 2`, `O = −i (Z_k − conj Z_{m−k}) / 2` and `P = W^k O`
/// (`W = e^{−2πi/n}`), `X_k = E + P` and `X_{m−k} = conj(E − P)`: each pair `(k, m − k)` shares
/// one `E` and one twiddle product.
fn unpack_power(
    z: &[Complex<f32>],
    tw_re: &[f32],
    tw_im: &[f32],
    rev: (&mut [f32], &mut [f32]),
    out: &mut [f32],
) {
    vectorized(
        #[inline(always)]
        || {
            let m = z.len();
            // Bin 0 and bin n/2 come from Z_0 alone.
            out[0] = (z[0].re + z[0].im) * (z[0].re + z[0].im);
            out[m] = (z[0].re - z[0].im) * (z[0].re - z[0].im);
            // Pairs (k, m − k) for k = 1..=q; for even m the middle bin m/2 pairs with itself.
            let q = (m - 1) / 2;
            let (br, bi) = rev;
            // Z_{m−k} for k = 1..=q, written forwards so that the loop below reads in order.
            for ((r, i), c) in br[..q]
                .iter_mut()
                .zip(bi[..q].iter_mut())
                .zip(z[m - q..].iter().rev())
            {
                *r = c.re;
                *i = c.im;
            }
            // X_k goes straight to `out`; X_{m−k} replaces Z_{m−k} in the scratch (a reversed
            // store in this loop would keep it from vectorising) and is copied out after.
            let (low, high) = out[..m].split_at_mut(m - q);
            let lanes = z[1..=q]
                .iter()
                .zip(br[..q].iter_mut().zip(&bi[..q]))
                .zip(tw_re[1..=q].iter().zip(&tw_im[1..=q]))
                .zip(low[1..=q].iter_mut());
            for (((a, (c_re, &ci)), (&wr, &wi)), lo) in lanes {
                let cr = *c_re;
                let (er, ei) = (0.5 * (a.re + cr), 0.5 * (a.im - ci));
                let (or, oi) = (0.5 * (a.im + ci), -0.5 * (a.re - cr));
                let (pr, pi) = (wr * or - wi * oi, wr * oi + wi * or);
                *lo = (er + pr) * (er + pr) + (ei + pi) * (ei + pi);
                *c_re = (er - pr) * (er - pr) + (ei - pi) * (ei - pi);
            }
            for (hi, &v) in high.iter_mut().rev().zip(&br[..q]) {
                *hi = v;
            }
            if m.is_multiple_of(2) && m >= 2 {
                // Z_{m/2} is its own partner: E = Re Z, O = Im Z.
                let k = m / 2;
                let (er, or) = (z[k].re, z[k].im);
                let (pr, pi) = (tw_re[k] * or, tw_im[k] * or);
                out[k] = (er + pr) * (er + pr) + pi * pi;
            }
        },
    )
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft").field("cfg", &self.cfg).finish()
    }
}

fn mirror(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let mut j = i.rem_euclid(period);
    if j >= n as isize {
        j = period - j;
    }
    j as usize
}

impl Stft {
    /// Plans an STFT.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a zero hop, `n_fft < 2` or `win_length > n_fft`.
    pub fn new(cfg: StftConfig) -> Result<Self> {
        cfg.validate()?;
        let w = cfg.window.coefficients(cfg.win_length);
        let mut window = vec![0.0f32; cfg.n_fft];
        let off = (cfg.n_fft - cfg.win_length) / 2;
        window[off..off + cfg.win_length].copy_from_slice(&w);
        let fft = PowerFft::new(cfg.n_fft);
        Ok(Stft { cfg, window, fft })
    }

    /// The configuration.
    pub fn config(&self) -> &StftConfig {
        &self.cfg
    }

    /// Number of frequency bins, `n_fft / 2 + 1`.
    pub fn n_freqs(&self) -> usize {
        self.cfg.n_fft / 2 + 1
    }

    /// Number of frames for a signal of `n` samples.
    pub fn n_frames(&self, n: usize) -> usize {
        let len = if self.cfg.center {
            n + 2 * (self.cfg.n_fft / 2)
        } else {
            n
        };
        if len < self.cfg.n_fft {
            0
        } else {
            1 + (len - self.cfg.n_fft) / self.cfg.hop_length
        }
    }

    /// `|X|^power` for every frame: frames × (n_fft/2 + 1). `power` 2 gives the power
    /// spectrogram, 1 the magnitude. Non-finite samples are rejected.
    ///
    /// # Errors
    /// [`Error::NonFinite`] if the signal holds NaN or ±∞.
    pub fn spectrogram(&self, samples: &[f32], power: f32) -> Result<Array2<f32>> {
        self.per_frame(samples, self.n_freqs(), |p, row| {
            for (o, &v) in row.iter_mut().zip(p) {
                *o = if power == 2.0 {
                    v
                } else if power == 1.0 {
                    v.sqrt()
                } else {
                    v.powf(power / 2.0)
                };
            }
        })
    }

    /// The power mel spectrogram, frames × `bank.n_mels()`: the same values as
    /// `bank.apply(&self.spectrogram(samples, 2.0)?)`, computed frame by frame (the linear
    /// spectrogram is never stored) and in parallel over frames.
    ///
    /// ```
    /// use dataprep_audio::features::{MelConfig, MelFilterbank, Stft, StftConfig};
    /// let stft = Stft::new(StftConfig::default()).unwrap();
    /// let bank = MelFilterbank::new(&MelConfig::new(16_000, 2048)).unwrap();
    /// let x: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.05).sin()).collect();
    /// let mel = stft.mel_spectrogram(&x, &bank).unwrap();
    /// assert_eq!(mel.dim(), (32, 128));
    /// assert_eq!(mel, bank.apply(&stft.spectrogram(&x, 2.0).unwrap()).unwrap());
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`] for NaN/∞ samples; [`Error::InvalidParam`] if the bank was
    /// built for another FFT size.
    pub fn mel_spectrogram(&self, samples: &[f32], bank: &MelFilterbank) -> Result<Array2<f32>> {
        if bank.n_freqs != self.n_freqs() {
            return Err(Error::InvalidParam(format!(
                "mel: bank expects {} bins, the STFT gives {}",
                bank.n_freqs,
                self.n_freqs()
            )));
        }
        self.per_frame(samples, bank.n_mels(), |p, row| bank.apply_frame(p, row))
    }

    /// Runs `emit(power spectrum of frame t, output row t)` for every frame, in parallel over
    /// blocks of frames. Each frame's arithmetic is independent of the blocking, so the result
    /// is the same for any thread count.
    fn per_frame<F>(&self, samples: &[f32], cols: usize, emit: F) -> Result<Array2<f32>>
    where
        F: Fn(&[f32], &mut [f32]) + Sync,
    {
        check_finite(samples)?;
        par_rows(
            self.n_frames(samples.len()),
            cols,
            || self.fft.work(),
            |t, work, row| {
                self.frame_power(samples, t, work);
                emit(&work.power, row);
            },
        )
    }

    /// The power spectrum of frame `t` into `work.power`.
    fn frame_power(&self, samples: &[f32], t: usize, work: &mut FftWork) {
        let n_fft = self.cfg.n_fft;
        let pad = if self.cfg.center { n_fft / 2 } else { 0 };
        let n = samples.len() as isize;
        let start = (t * self.cfg.hop_length) as isize - pad as isize;
        if start >= 0 && start + n_fft as isize <= n {
            let s = &samples[start as usize..start as usize + n_fft];
            self.fft.power_windowed(s, &self.window, work);
            return;
        }
        for (k, (b, &w)) in work.frame.iter_mut().zip(&self.window).enumerate() {
            let i = start + k as isize;
            let x = if i >= 0 && i < n {
                samples[i as usize]
            } else {
                match self.cfg.pad_mode {
                    PadMode::Constant => 0.0,
                    PadMode::Reflect if n > 0 => samples[mirror(i, n as usize)],
                    PadMode::Reflect => 0.0,
                }
            };
            *b = x * w;
        }
        self.fft.power_frame(work);
    }
}

/// A `frames × cols` matrix whose row `t` is written by `row(t, work, out)`, computed in parallel
/// over blocks of rows with one `init()` work state per block. Rows must not depend on each
/// other, so the result is independent of the thread count.
fn par_rows<W, I, F>(frames: usize, cols: usize, init: I, row: F) -> Result<Array2<f32>>
where
    I: Fn() -> W + Sync,
    F: Fn(usize, &mut W, &mut [f32]) + Sync,
{
    rows_in(frames, cols, true, init, row)
}

/// [`par_rows`], on the calling thread when `parallel` is false (for work so small that waking
/// the thread pool would cost more than it saves).
fn rows_in<W, I, F>(
    frames: usize,
    cols: usize,
    parallel: bool,
    init: I,
    row: F,
) -> Result<Array2<f32>>
where
    I: Fn() -> W + Sync,
    F: Fn(usize, &mut W, &mut [f32]) + Sync,
{
    let mut out = vec![0.0f32; frames * cols];
    if cols > 0 {
        let block = |(b, rows): (usize, &mut [f32])| {
            let mut work = init();
            for (i, r) in rows.chunks_exact_mut(cols).enumerate() {
                row(b * FRAMES_PER_TASK + i, &mut work, r);
            }
        };
        if parallel {
            out.par_chunks_mut(cols * FRAMES_PER_TASK)
                .enumerate()
                .for_each(block);
        } else {
            out.chunks_mut(cols * FRAMES_PER_TASK)
                .enumerate()
                .for_each(block);
        }
    }
    Array2::from_shape_vec((frames, cols), out)
        .map_err(|e| Error::InvalidParam(format!("feature matrix shape: {e}")))
}

/// `out[b] = Σ_k power[start_b + k] · weight_b[k]`.
fn apply_bands(bands: &[(usize, Vec<f32>)], power: &[f32], out: &mut [f32]) {
    // LLVM vectorises [`dot`]'s eight lanes as four pairs, so on x86 the same sums are spelled in
    // AVX registers (the same operations in the same order: the same bits).
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(
            #[inline(always)]
            || {
                for ((s, w), v) in bands.iter().zip(out.iter_mut()) {
                    *v = dot_avx(simd, &power[*s..*s + w.len()], w);
                }
            },
        );
    }
    vectorized(
        #[inline(always)]
        || {
            for ((s, w), v) in bands.iter().zip(out.iter_mut()) {
                *v = dot(&power[*s..*s + w.len()], w);
            }
        },
    )
}

/// [`dot`] in one AVX register of eight lanes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn dot_avx(simd: pulp::x86::V3, a: &[f32], b: &[f32]) -> f32 {
    let ((ca, ra), (cb, rb)) = (a.as_chunks::<8>(), b.as_chunks::<8>());
    let mut acc = simd.splat_f32x8(0.0);
    for (x, y) in ca.iter().zip(cb) {
        let (x, y): (pulp::f32x8, pulp::f32x8) = (pulp::cast(*x), pulp::cast(*y));
        acc = simd.add_f32x8(acc, simd.mul_f32x8(x, y));
    }
    lanes_sum(pulp::cast(acc), ra, rb)
}

/// Widens a band's weights with zeros to a multiple of eight bins (moving the start left where
/// the band would run past the last bin), so that [`dot`] runs on whole vectors with no scalar
/// tail. The zeros add nothing to the sum.
fn pad_band(start: usize, w: Vec<f32>, n_freqs: usize) -> (usize, Vec<f32>) {
    const L: usize = 8;
    let len = w.len().div_ceil(L) * L;
    if w.is_empty() || len > n_freqs {
        return (start, w);
    }
    let s = start.min(n_freqs - len);
    let mut padded = vec![0.0; len];
    padded[start - s..start - s + w.len()].copy_from_slice(&w);
    (s, padded)
}

/// `Σ a_i b_i` over eight independent partial sums (so the loop vectorises), combined pairwise
/// in a fixed order: the result depends only on the inputs.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    const L: usize = 8;
    let mut acc = [0.0f32; L];
    let ((ca, ra), (cb, rb)) = (a.as_chunks::<L>(), b.as_chunks::<L>());
    for (x, y) in ca.iter().zip(cb) {
        acc = std::array::from_fn(|i| acc[i] + x[i] * y[i]);
    }
    lanes_sum(acc, ra, rb)
}

/// The end of [`dot`]: the eight partial sums combined pairwise, then the tail `Σ a_i b_i`.
#[inline(always)]
fn lanes_sum(acc: [f32; 8], ra: &[f32], rb: &[f32]) -> f32 {
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    let a4 = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    (a4[0] + a4[2]) + (a4[1] + a4[3]) + tail
}

/// `ln(max(x, floor))` elementwise, through [`log2_in_place`].
fn ln_floored(x: &Array2<f32>, floor: f32) -> Array2<f32> {
    let mut out = x.mapv(|v| v.max(floor));
    match out.as_slice_mut() {
        Some(s) => log2_in_place(s),
        None => out.mapv_inplace(log2_approx),
    }
    out.mapv_inplace(|l| std::f32::consts::LN_2 * l);
    out
}

/// [`Error::NonFinite`] (how many, and the first position) if any sample is NaN or ±∞.
pub(crate) fn check_finite(samples: &[f32]) -> Result<()> {
    if all_finite(samples) {
        return Ok(());
    }
    let count = samples.iter().filter(|s| !s.is_finite()).count();
    let first = samples.iter().position(|s| !s.is_finite()).unwrap_or(0);
    Err(Error::NonFinite { count, first })
}

/// Whether no value is NaN or ±∞: the largest magnitude bit pattern is below that of +∞. An
/// integer maximum over 16 lanes, so that it vectorises.
fn all_finite(values: &[f32]) -> bool {
    const L: usize = 16;
    const MAGNITUDE: u32 = 0x7fff_ffff;
    vectorized(
        #[inline(always)]
        || {
            let mut acc = [0u32; L];
            let chunks = values.chunks_exact(L);
            let tail = chunks
                .remainder()
                .iter()
                .fold(0, |m: u32, x| m.max(x.to_bits() & MAGNITUDE));
            for c in chunks {
                for i in 0..L {
                    acc[i] = acc[i].max(c[i].to_bits() & MAGNITUDE);
                }
            }
            acc.iter().fold(tail, |m, &a| m.max(a)) < f32::INFINITY.to_bits()
        },
    )
}

/// Mel scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MelScale {
    /// Slaney's Auditory Toolbox scale (librosa `htk=False`): linear below 1 kHz, log above.
    Slaney,
    /// HTK: `2595 log10(1 + f / 700)` (torchaudio default).
    Htk,
    /// Kaldi: `1127 ln(1 + f / 700)`; triangles are built on the mel axis, as Kaldi does.
    Kaldi,
}

impl MelScale {
    /// Hz to mel.
    pub fn hz_to_mel(self, hz: f64) -> f64 {
        match self {
            MelScale::Htk => 2595.0 * (1.0 + hz / 700.0).log10(),
            MelScale::Kaldi => 1127.0 * (1.0 + hz / 700.0).ln(),
            MelScale::Slaney => {
                let f_sp = 200.0 / 3.0;
                let min_log_hz = 1000.0;
                let min_log_mel = min_log_hz / f_sp;
                let logstep = (6.4f64).ln() / 27.0;
                if hz >= min_log_hz {
                    min_log_mel + (hz / min_log_hz).ln() / logstep
                } else {
                    hz / f_sp
                }
            }
        }
    }

    /// Mel to Hz.
    pub fn mel_to_hz(self, mel: f64) -> f64 {
        match self {
            MelScale::Htk => 700.0 * (10f64.powf(mel / 2595.0) - 1.0),
            MelScale::Kaldi => 700.0 * ((mel / 1127.0).exp() - 1.0),
            MelScale::Slaney => {
                let f_sp = 200.0 / 3.0;
                let min_log_hz = 1000.0;
                let min_log_mel = min_log_hz / f_sp;
                let logstep = (6.4f64).ln() / 27.0;
                if mel >= min_log_mel {
                    min_log_hz * (logstep * (mel - min_log_mel)).exp()
                } else {
                    f_sp * mel
                }
            }
        }
    }
}

/// Filter normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MelNorm {
    /// Peak 1 (torchaudio `norm=None`, librosa `norm=None`, Kaldi).
    None,
    /// Slaney area normalisation: each triangle scaled by `2 / (f_right − f_left)`.
    Slaney,
}

/// Mel filterbank parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MelConfig {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// FFT size (the bank has `n_fft / 2 + 1` columns).
    pub n_fft: usize,
    /// Number of mel bands.
    pub n_mels: usize,
    /// Lowest edge in Hz.
    pub fmin: f64,
    /// Highest edge in Hz; `None` is Nyquist; a negative value is an offset from Nyquist (Kaldi).
    pub fmax: Option<f64>,
    /// Mel scale.
    pub scale: MelScale,
    /// Normalisation.
    pub norm: MelNorm,
    /// Compute the triangles in f32 arithmetic exactly as `torchaudio.functional.melscale_fbanks`
    /// does (float32 `linspace` of frequencies and mel points). The weights then match
    /// torchaudio's bit for bit instead of the exact (f64) values, which differ by up to ~1e-4
    /// relative near the triangle edges. Set by the torchaudio preset.
    pub torchaudio_f32: bool,
}

impl MelConfig {
    /// librosa's `filters.mel` defaults for this rate and FFT size (128 bands, Slaney).
    pub fn new(sample_rate: u32, n_fft: usize) -> Self {
        MelConfig {
            sample_rate,
            n_fft,
            n_mels: 128,
            fmin: 0.0,
            fmax: None,
            scale: MelScale::Slaney,
            norm: MelNorm::Slaney,
            torchaudio_f32: false,
        }
    }
    /// Computes the weights in f32 as torchaudio does (see the field).
    pub fn with_torchaudio_f32(mut self, on: bool) -> Self {
        self.torchaudio_f32 = on;
        self
    }
    /// Sets the number of bands.
    pub fn with_n_mels(mut self, n: usize) -> Self {
        self.n_mels = n;
        self
    }
    /// Sets the band edges.
    pub fn with_range(mut self, fmin: f64, fmax: Option<f64>) -> Self {
        self.fmin = fmin;
        self.fmax = fmax;
        self
    }
    /// Sets the scale.
    pub fn with_scale(mut self, s: MelScale) -> Self {
        self.scale = s;
        self
    }
    /// Sets the normalisation.
    pub fn with_norm(mut self, n: MelNorm) -> Self {
        self.norm = n;
        self
    }
}

/// A mel filterbank stored sparsely: each band is a run of weights starting at a bin.
#[derive(Debug, Clone, PartialEq)]
pub struct MelFilterbank {
    n_freqs: usize,
    bands: Vec<(usize, Vec<f32>)>,
}

impl MelFilterbank {
    /// Builds the bank (weights computed in f64 as librosa/torchaudio/Kaldi do, stored as f32).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for zero bands, a zero rate, or `fmin ≥ fmax`.
    pub fn new(cfg: &MelConfig) -> Result<Self> {
        if cfg.n_mels == 0 || cfg.sample_rate == 0 || cfg.n_fft < 2 {
            return Err(Error::InvalidParam(format!("mel: {cfg:?}")));
        }
        let nyq = f64::from(cfg.sample_rate) / 2.0;
        let fmax = match cfg.fmax {
            None => nyq,
            Some(f) if f <= 0.0 => nyq + f,
            Some(f) => f,
        };
        if !(cfg.fmin >= 0.0 && cfg.fmin < fmax) {
            return Err(Error::InvalidParam(format!(
                "mel: fmin {} must be in [0, fmax {fmax})",
                cfg.fmin
            )));
        }
        let n_freqs = cfg.n_fft / 2 + 1;
        let s = cfg.scale;
        let (lo, hi) = (s.hz_to_mel(cfg.fmin), s.hz_to_mel(fmax));
        let m = cfg.n_mels;
        let mut dense = vec![vec![0.0f64; n_freqs]; m];
        if s == MelScale::Kaldi {
            // Kaldi: triangles on the mel axis over bins 0..n_fft/2; the Nyquist bin gets 0.
            let delta = (hi - lo) / (m as f64 + 1.0);
            let width = f64::from(cfg.sample_rate) / cfg.n_fft as f64;
            for (b, row) in dense.iter_mut().enumerate() {
                let left = lo + b as f64 * delta;
                let center = lo + (b as f64 + 1.0) * delta;
                let right = lo + (b as f64 + 2.0) * delta;
                for (k, w) in row.iter_mut().enumerate().take(cfg.n_fft / 2) {
                    let mel = s.hz_to_mel(width * k as f64);
                    let up = (mel - left) / (center - left);
                    let down = (right - mel) / (right - center);
                    *w = up.min(down).max(0.0);
                }
            }
        } else if cfg.torchaudio_f32 {
            // torch.linspace(start, end, steps) in float32: start + i * step, step in f32;
            // torch computes the second half from the end for symmetry.
            let linspace = |a: f32, b: f32, n: usize| -> Vec<f32> {
                let step = (b - a) / (n as f32 - 1.0);
                let half = n / 2;
                (0..n)
                    .map(|i| {
                        if i < half {
                            a + step * i as f32
                        } else {
                            b - step * (n - 1 - i) as f32
                        }
                    })
                    .collect()
            };
            let freqs = linspace(0.0, (cfg.sample_rate / 2) as f32, n_freqs);
            let mels = linspace(lo as f32, hi as f32, m + 2);
            let pts: Vec<f32> = mels
                .iter()
                .map(|&mel| match s {
                    MelScale::Htk => 700.0 * (10f32.powf(mel / 2595.0) - 1.0),
                    _ => s.mel_to_hz(f64::from(mel)) as f32,
                })
                .collect();
            for (i, row) in dense.iter_mut().enumerate() {
                let (l, c, r) = (pts[i], pts[i + 1], pts[i + 2]);
                let (dl, dr) = (c - l, r - c);
                for (w, &f) in row.iter_mut().zip(&freqs) {
                    let down = -(l - f) / dl;
                    let up = (r - f) / dr;
                    *w = f64::from(down.min(up).max(0.0));
                }
                if cfg.norm == MelNorm::Slaney {
                    let e = 2.0 / f64::from(r - l);
                    row.iter_mut().for_each(|w| *w *= e);
                }
            }
        } else {
            let pts: Vec<f64> = (0..m + 2)
                .map(|i| s.mel_to_hz(lo + (hi - lo) * i as f64 / (m + 1) as f64))
                .collect();
            let freqs: Vec<f64> = (0..n_freqs)
                .map(|k| nyq * k as f64 / (n_freqs - 1) as f64)
                .collect();
            for (i, row) in dense.iter_mut().enumerate() {
                let (l, c, r) = (pts[i], pts[i + 1], pts[i + 2]);
                for (w, &f) in row.iter_mut().zip(&freqs) {
                    let lower = (f - l) / (c - l);
                    let upper = (r - f) / (r - c);
                    *w = lower.min(upper).max(0.0);
                }
                if cfg.norm == MelNorm::Slaney {
                    let e = 2.0 / (r - l);
                    row.iter_mut().for_each(|w| *w *= e);
                }
            }
        }
        let bands = dense
            .into_iter()
            .map(|row| {
                let first = row.iter().position(|&w| w > 0.0);
                match first {
                    None => (0, Vec::new()),
                    Some(a) => {
                        let b = row.iter().rposition(|&w| w > 0.0).unwrap_or(a);
                        (a, row[a..=b].iter().map(|&w| w as f32).collect())
                    }
                }
            })
            .map(|(start, w)| pad_band(start, w, n_freqs))
            .collect();
        Ok(MelFilterbank { n_freqs, bands })
    }

    /// Number of bands.
    pub fn n_mels(&self) -> usize {
        self.bands.len()
    }

    /// The dense matrix, n_mels × n_freqs (librosa's layout).
    pub fn to_dense(&self) -> Array2<f32> {
        let mut a = Array2::zeros((self.bands.len(), self.n_freqs));
        for (i, (s, w)) in self.bands.iter().enumerate() {
            for (j, &v) in w.iter().enumerate() {
                a[[i, s + j]] = v;
            }
        }
        a
    }

    /// Applies the bank to a spectrogram (frames × n_freqs) → frames × n_mels.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] if the spectrogram has the wrong number of bins.
    pub fn apply(&self, spec: &Array2<f32>) -> Result<Array2<f32>> {
        if spec.ncols() != self.n_freqs {
            return Err(Error::InvalidParam(format!(
                "mel: spectrogram has {} bins, bank expects {}",
                spec.ncols(),
                self.n_freqs
            )));
        }
        let mut out = Array2::zeros((spec.nrows(), self.bands.len()));
        for (row, mut o) in spec.rows().into_iter().zip(out.rows_mut()) {
            let Some(o) = o.as_slice_mut() else { continue };
            match row.as_slice() {
                Some(r) => self.apply_frame(r, o),
                None => self.apply_frame(&row.to_vec(), o),
            }
        }
        Ok(out)
    }

    /// One frame: `out[b] = Σ_k power[k] · weight_b[k]` for every band.
    fn apply_frame(&self, power: &[f32], out: &mut [f32]) {
        apply_bands(&self.bands, power, out);
    }
}

/// `10 log10(max(x, amin)) − 10 log10(max(ref, amin))`, then floored at `max − top_db` over the
/// whole matrix when `top_db` is set (librosa `power_to_db`, torchaudio `AmplitudeToDB("power")`).
pub fn power_to_db(x: &Array2<f32>, reference: f32, amin: f32, top_db: Option<f32>) -> Array2<f32> {
    let r = 10.0 * reference.max(amin).log10();
    let mut out = x.as_standard_layout().into_owned();
    match out.as_slice_mut() {
        Some(s) => db_in_place(s, amin, r),
        None => out.mapv_inplace(|v| db_of_log2(log2_approx(v.max(amin)), r)),
    }
    if let Some(top) = top_db {
        floor_below_max(&mut out, top);
    }
    out
}

/// `10 log10(max(v, amin)) − r` in place: the per-value part of [`power_to_db`].
fn db_in_place(values: &mut [f32], amin: f32, r: f32) {
    values.iter_mut().for_each(|v| *v = v.max(amin));
    log2_in_place(values);
    values.iter_mut().for_each(|l| *l = db_of_log2(*l, r));
}

#[inline(always)]
fn db_of_log2(l: f32, r: f32) -> f32 {
    10.0 * std::f32::consts::LOG10_2 * l - r
}

/// `v = max(v, max(all) − top)`: the `top_db` floor of [`power_to_db`].
fn floor_below_max(x: &mut Array2<f32>, top: f32) {
    let max = match x.as_slice() {
        Some(s) => max_of(s),
        None => x.iter().copied().fold(f32::NEG_INFINITY, f32::max),
    };
    let floor = max - top;
    match x.as_slice_mut() {
        Some(s) => vectorized(
            #[inline(always)]
            || s.iter_mut().for_each(|v| *v = v.max(floor)),
        ),
        None => x.mapv_inplace(|v| v.max(floor)),
    }
}

/// The largest value (−∞ for none; NaNs are passed over), over 16 independent lanes so that it
/// vectorises (the comparison, unlike `f32::max`, maps to one instruction); a maximum does not
/// depend on the order it is taken in.
fn max_of(values: &[f32]) -> f32 {
    vectorized(
        #[inline(always)]
        || fold_lanes(values, f32::NEG_INFINITY, |a, b| if b > a { b } else { a }),
    )
}

/// The smallest value (+∞ for none), as [`max_of`].
fn min_of(values: &[f32]) -> f32 {
    vectorized(
        #[inline(always)]
        || fold_lanes(values, f32::INFINITY, |a, b| if b < a { b } else { a }),
    )
}

/// `values.fold(init, f)` over 16 independent lanes, for an associative and commutative `f`.
#[inline(always)]
fn fold_lanes(values: &[f32], init: f32, f: impl Fn(f32, f32) -> f32) -> f32 {
    const L: usize = 16;
    let mut acc = [init; L];
    let chunks = values.chunks_exact(L);
    let tail = chunks.remainder().iter().copied().fold(init, &f);
    for c in chunks {
        for i in 0..L {
            acc[i] = f(acc[i], c[i]);
        }
    }
    acc.iter().copied().fold(tail, f)
}

/// `log2(x)` for finite `x > 0`, within 4e-7 (absolute, plus 2e-7 relative) of the exact value
/// (tested against `f64::log2` on every exponent); zero, subnormals and non-finite input are
/// delegated to `f32::log2`.
#[inline]
fn log2_approx(x: f32) -> f32 {
    if is_normal_positive(x) {
        log2_core(x)
    } else {
        x.log2()
    }
}

#[inline(always)]
fn is_normal_positive(x: f32) -> bool {
    (f32::MIN_POSITIVE..f32::INFINITY).contains(&x)
}

/// [`log2_approx`] over a slice. When every value is a normal positive number (the case for
/// floored powers) the loop is straight-line arithmetic and vectorises, unlike a libm call per
/// value.
fn log2_in_place(values: &mut [f32]) {
    vectorized(
        #[inline(always)]
        || {
            if values.iter().all(|&x| is_normal_positive(x)) {
                values.iter_mut().for_each(|x| *x = log2_core(*x));
            } else {
                values.iter_mut().for_each(|x| *x = log2_approx(*x));
            }
        },
    )
}

/// `log2` of a normal positive `x`.
#[inline(always)]
fn log2_core(x: f32) -> f32 {
    let bits = x.to_bits();
    // x = 2^e · m with m in [√½, √2): take the mantissa in [1, 2) and fold its top half down.
    let mut e = ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > std::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2 atanh(t) with t = (m − 1)/(m + 1), |t| ≤ 0.1716: the odd series to t¹¹ is exact
    // to well below f32 rounding.
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let series =
        1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 * (1.0 / 9.0 + t2 / 11.0))));
    e as f32 + 2.0 * t * series * std::f32::consts::LOG2_E
}

/// Cepstral liftering convention.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifter {
    /// No liftering.
    None,
    /// librosa: `1 + (L/2) sin(π (k + 1) / L)` for coefficient `k` (0-based).
    Librosa(f32),
    /// Kaldi: `1 + (L/2) sin(π k / L)`.
    Kaldi(f32),
}

/// Orthonormal DCT-II matrix, `n_out × n_in` (scipy `dct(type=2, norm="ortho")` rows).
pub fn dct_ortho(n_out: usize, n_in: usize) -> Array2<f32> {
    let n = n_in as f64;
    Array2::from_shape_fn((n_out, n_in), |(k, i)| {
        let s = if k == 0 {
            (1.0 / n).sqrt()
        } else {
            (2.0 / n).sqrt()
        };
        (s * (PI * k as f64 * (2.0 * i as f64 + 1.0) / (2.0 * n)).cos()) as f32
    })
}

/// MFCC from a log-mel matrix (frames × n_mels): DCT-II ortho, first `n_mfcc`, then the lifter.
pub fn mfcc_from_log_mel(log_mel: &Array2<f32>, n_mfcc: usize, lifter: Lifter) -> Array2<f32> {
    CepstrumPlan::new(n_mfcc, log_mel.ncols(), lifter).apply(log_mel)
}

/// The transposed DCT-II (ortho) and the lifter of an MFCC, computed once per extractor.
#[derive(Debug, Clone)]
struct CepstrumPlan {
    n_mfcc: usize,
    n_mels: usize,
    /// The DCT matrix in blocks of [`DCT_BLOCK`] coefficients: block `b` holds, for every mel
    /// band `i`, `D[8b + j][i]` for `j < 8` (zero past `n_mfcc`).
    blocks: Vec<f32>,
    lift: Vec<f32>,
}

impl CepstrumPlan {
    fn new(n_mfcc: usize, n_mels: usize, lifter: Lifter) -> Self {
        let lift = (0..n_mfcc)
            .map(|k| match lifter {
                Lifter::None => 1.0,
                Lifter::Librosa(l) if l > 0.0 => {
                    1.0 + (l / 2.0) * (std::f32::consts::PI * (k as f32 + 1.0) / l).sin()
                }
                Lifter::Kaldi(l) if l > 0.0 => {
                    1.0 + (l / 2.0) * (std::f32::consts::PI * k as f32 / l).sin()
                }
                _ => 1.0,
            })
            .collect();
        let d = dct_ortho(n_mfcc, n_mels);
        let n_blocks = n_mfcc.div_ceil(DCT_BLOCK);
        let mut blocks = vec![0.0f32; n_blocks * n_mels * DCT_BLOCK];
        for ((k, i), &v) in d.indexed_iter() {
            blocks[(k / DCT_BLOCK) * n_mels * DCT_BLOCK + i * DCT_BLOCK + k % DCT_BLOCK] = v;
        }
        CepstrumPlan {
            n_mfcc,
            n_mels,
            blocks,
            lift,
        }
    }

    /// frames × n_mels log mel → frames × n_mfcc; a log mel of another width gives zeros.
    fn apply(&self, log_mel: &Array2<f32>) -> Array2<f32> {
        let (frames, n_mels) = log_mel.dim();
        let log = log_mel.as_standard_layout();
        let (Some(log), true) = (log.as_slice(), n_mels == self.n_mels) else {
            return Array2::zeros((frames, self.n_mfcc));
        };
        // Every row is computed on its own, so the rows can be split over threads; below about
        // 8M multiply-adds (about 100 s of audio with the librosa preset) one thread is faster
        // than waking the pool.
        let parallel = frames * n_mels * self.n_mfcc >= 8 << 20;
        rows_in(
            frames,
            self.n_mfcc,
            parallel,
            || (),
            |t, _, out| {
                dct_row(
                    &log[t * n_mels..(t + 1) * n_mels],
                    &self.blocks,
                    &self.lift,
                    out,
                )
            },
        )
        // The buffer is frames × n_mfcc by construction, so the shape cannot be wrong.
        .unwrap_or_else(|_| Array2::zeros((frames, self.n_mfcc)))
    }
}

/// Outputs per block of [`CepstrumPlan::blocks`]: one AVX register of f32.
const DCT_BLOCK: usize = 8;

/// `out[k] = lift[k] · Σ_i row[i] · D[k][i]` with `D` stored as [`CepstrumPlan::blocks`]: for
/// each block of 8 coefficients the sums over `i` run in registers in a fixed order, so the
/// result does not depend on the vector width.
fn dct_row(row: &[f32], blocks: &[f32], lift: &[f32], out: &mut [f32]) {
    vectorized(
        #[inline(always)]
        || {
            let n = row.len();
            if n == 0 {
                out.iter_mut().for_each(|o| *o = 0.0);
                return;
            }
            for ((blk, o), l) in blocks
                .chunks_exact(n * DCT_BLOCK)
                .zip(out.chunks_mut(DCT_BLOCK))
                .zip(lift.chunks(DCT_BLOCK))
            {
                // Four partial sums (bands i ≡ 0, 1, 2, 3 mod 4) in four registers, so that four
                // multiply-add chains run at once; combined in a fixed order.
                const B: usize = DCT_BLOCK;
                let (mut a0, mut a1, mut a2, mut a3) =
                    ([0.0f32; B], [0.0f32; B], [0.0f32; B], [0.0f32; B]);
                let xs4 = row.chunks_exact(4);
                let ws4 = blk.chunks_exact(4 * B);
                let (x_tail, w_tail) = (xs4.remainder(), ws4.remainder());
                for (xs, ws) in xs4.zip(ws4) {
                    let (w0, rest) = ws.split_at(B);
                    let (w1, rest) = rest.split_at(B);
                    let (w2, w3) = rest.split_at(B);
                    for j in 0..B {
                        a0[j] += xs[0] * w0[j];
                        a1[j] += xs[1] * w1[j];
                        a2[j] += xs[2] * w2[j];
                        a3[j] += xs[3] * w3[j];
                    }
                }
                for (&x, w) in x_tail.iter().zip(w_tail.chunks_exact(B)) {
                    for j in 0..B {
                        a0[j] += x * w[j];
                    }
                }
                for (j, (o, l)) in o.iter_mut().zip(l).enumerate() {
                    *o = ((a0[j] + a1[j]) + (a2[j] + a3[j])) * l;
                }
            }
        },
    )
}

/// Kaldi fbank parameters (`compute-fbank-feats`, `torchaudio.compliance.kaldi.fbank`, lhotse).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FbankConfig {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Frame length in ms (25).
    pub frame_length_ms: f64,
    /// Frame shift in ms (10).
    pub frame_shift_ms: f64,
    /// Number of mel bins (80, as lhotse; Kaldi's own default is 23).
    pub num_mel_bins: usize,
    /// Low cut-off in Hz (20).
    pub low_freq: f64,
    /// High cut-off in Hz; ≤ 0 is an offset from Nyquist (−400, as lhotse).
    pub high_freq: f64,
    /// Pre-emphasis coefficient (0.97).
    pub preemphasis: f32,
    /// Subtract each frame's mean (true).
    pub remove_dc_offset: bool,
    /// Window (Povey).
    pub window: Window,
    /// Round the FFT size up to a power of two (true).
    pub round_to_power_of_two: bool,
    /// Floor before the log (f32 epsilon, as torchaudio and kaldi-native-fbank).
    pub log_floor: f32,
}

impl FbankConfig {
    /// Kaldi/lhotse defaults for a sample rate.
    pub fn new(sample_rate: u32) -> Self {
        FbankConfig {
            sample_rate,
            frame_length_ms: 25.0,
            frame_shift_ms: 10.0,
            num_mel_bins: 80,
            low_freq: 20.0,
            high_freq: -400.0,
            preemphasis: 0.97,
            remove_dc_offset: true,
            window: Window::Povey,
            round_to_power_of_two: true,
            log_floor: f32::EPSILON,
        }
    }
    /// Sets the number of mel bins.
    pub fn with_num_mel_bins(mut self, n: usize) -> Self {
        self.num_mel_bins = n;
        self
    }
    /// Sets the frame length and shift in ms.
    pub fn with_frames_ms(mut self, length: f64, shift: f64) -> Self {
        self.frame_length_ms = length;
        self.frame_shift_ms = shift;
        self
    }
    /// Sets the high cut-off (≤ 0: offset from Nyquist).
    pub fn with_high_freq(mut self, f: f64) -> Self {
        self.high_freq = f;
        self
    }
    /// Window size and shift in samples, and the FFT size.
    pub fn sizes(&self) -> (usize, usize, usize) {
        let sr = f64::from(self.sample_rate);
        let win = (sr * self.frame_length_ms / 1000.0) as usize;
        let shift = (sr * self.frame_shift_ms / 1000.0) as usize;
        let n_fft = if self.round_to_power_of_two {
            win.max(1).next_power_of_two()
        } else {
            win
        };
        (win, shift, n_fft)
    }
}

/// A planned Kaldi fbank extractor.
#[derive(Clone)]
pub struct Fbank {
    cfg: FbankConfig,
    window: Vec<f32>,
    mel: MelFilterbank,
    fft: PowerFft,
}

impl std::fmt::Debug for Fbank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fbank").field("cfg", &self.cfg).finish()
    }
}

impl Fbank {
    /// Plans the extractor.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a zero rate, empty frames or a bad frequency range.
    pub fn new(cfg: FbankConfig) -> Result<Self> {
        let (win, shift, n_fft) = cfg.sizes();
        if win < 2 || shift == 0 {
            return Err(Error::InvalidParam(format!("fbank: {cfg:?}")));
        }
        let mel = MelFilterbank::new(&MelConfig {
            sample_rate: cfg.sample_rate,
            n_fft,
            n_mels: cfg.num_mel_bins,
            fmin: cfg.low_freq,
            fmax: Some(cfg.high_freq),
            scale: MelScale::Kaldi,
            norm: MelNorm::None,
            torchaudio_f32: false,
        })?;
        let fft = PowerFft::new(n_fft);
        Ok(Fbank {
            window: cfg.window.coefficients(win),
            cfg,
            mel,
            fft,
        })
    }

    /// Mel power energies (before the log): frames × bins, `snip_edges` framing (no centring).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for NaN/∞ samples.
    pub fn mel_power(&self, samples: &[f32]) -> Result<Array2<f32>> {
        check_finite(samples)?;
        let (win, shift, _) = self.cfg.sizes();
        let frames = if samples.len() < win {
            0
        } else {
            1 + (samples.len() - win) / shift
        };
        par_rows(
            frames,
            self.mel.n_mels(),
            || (self.fft.work(), vec![0.0f64; win]),
            |t, (work, frame), out| {
                let s = &samples[t * shift..t * shift + win];
                frame
                    .iter_mut()
                    .zip(s)
                    .for_each(|(f, &x)| *f = f64::from(x));
                if self.cfg.remove_dc_offset {
                    let mean = frame.iter().sum::<f64>() / win as f64;
                    frame.iter_mut().for_each(|f| *f -= mean);
                }
                let p = f64::from(self.cfg.preemphasis);
                if p != 0.0 {
                    for i in (1..win).rev() {
                        frame[i] -= p * frame[i - 1];
                    }
                    frame[0] -= p * frame[0];
                }
                work.frame.iter_mut().for_each(|b| *b = 0.0);
                for ((b, &f), &w) in work.frame.iter_mut().zip(frame.iter()).zip(&self.window) {
                    *b = f as f32 * w;
                }
                self.fft.power_frame(work);
                self.mel.apply_frame(&work.power, out);
            },
        )
    }

    /// Log mel energies, `ln(max(e, log_floor))`: Kaldi's fbank features.
    ///
    /// # Errors
    /// As [`Fbank::mel_power`].
    pub fn fbank(&self, samples: &[f32]) -> Result<Array2<f32>> {
        let floor = self.cfg.log_floor;
        Ok(ln_floored(&self.mel_power(samples)?, floor))
    }
}

/// The `amin` of the presets' dB conversion (librosa's and torchaudio's).
const DB_AMIN: f32 = 1e-10;

/// `10 log10(max(ref, amin))` of the presets' dB conversion (reference power 1), as
/// [`power_to_db`] computes it.
fn preset_db_ref() -> f32 {
    10.0 * 1.0f32.max(DB_AMIN).log10()
}

/// Named parameter sets matching a reference library's defaults (see `docs/audio.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// librosa: 2048/2048/512, periodic Hann, centred, zero pad, Slaney mel with Slaney norm, 128
    /// mels, `power_to_db(ref=1, amin=1e-10, top_db=80)`, 20 MFCC.
    Librosa,
    /// torchaudio: 400/400/200, Hann, centred, reflect pad, HTK mel without norm, 128 mels,
    /// `AmplitudeToDB(top_db=80)`, 40 MFCC.
    Torchaudio,
    /// Kaldi/lhotse fbank: 25 ms / 10 ms, Povey window, pre-emphasis 0.97, DC removed, Kaldi mel,
    /// 80 bins 20 Hz to Nyquist − 400, natural-log energies, 13 MFCC with lifter 22.
    Kaldi,
}

impl std::str::FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "librosa" => Ok(Preset::Librosa),
            "torchaudio" => Ok(Preset::Torchaudio),
            "kaldi" | "lhotse" => Ok(Preset::Kaldi),
            _ => Err(Error::InvalidParam(format!(
                "unknown preset {s:?} (librosa, torchaudio, kaldi)"
            ))),
        }
    }
}

/// Feature configuration: a preset plus overrides.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeatureConfig {
    /// The preset the defaults come from.
    pub preset: Preset,
    /// Sample rate of the input.
    pub sample_rate: u32,
    /// FFT size (Kaldi: derived from the window, rounded up to a power of two; set to override
    /// the window length in samples instead).
    pub n_fft: usize,
    /// Hop in samples.
    pub hop_length: usize,
    /// Number of mel bands.
    pub n_mels: usize,
    /// Number of MFCCs.
    pub n_mfcc: usize,
    /// Floor of the dB scale below the maximum (`None` disables; not used by Kaldi).
    pub top_db: Option<f32>,
}

impl FeatureConfig {
    /// The preset's defaults at this sample rate.
    pub fn preset(preset: Preset, sample_rate: u32) -> Self {
        match preset {
            Preset::Librosa => FeatureConfig {
                preset,
                sample_rate,
                n_fft: 2048,
                hop_length: 512,
                n_mels: 128,
                n_mfcc: 20,
                top_db: Some(80.0),
            },
            Preset::Torchaudio => FeatureConfig {
                preset,
                sample_rate,
                n_fft: 400,
                hop_length: 200,
                n_mels: 128,
                n_mfcc: 40,
                top_db: Some(80.0),
            },
            Preset::Kaldi => {
                let fb = FbankConfig::new(sample_rate);
                let (win, shift, _) = fb.sizes();
                FeatureConfig {
                    preset,
                    sample_rate,
                    n_fft: win,
                    hop_length: shift,
                    n_mels: 80,
                    n_mfcc: 13,
                    top_db: None,
                }
            }
        }
    }
    /// Sets n_fft (and the window length).
    pub fn with_n_fft(mut self, n: usize) -> Self {
        self.n_fft = n;
        self
    }
    /// Sets the hop.
    pub fn with_hop_length(mut self, n: usize) -> Self {
        self.hop_length = n;
        self
    }
    /// Sets the number of mel bands.
    pub fn with_n_mels(mut self, n: usize) -> Self {
        self.n_mels = n;
        self
    }
    /// Sets the number of MFCCs.
    pub fn with_n_mfcc(mut self, n: usize) -> Self {
        self.n_mfcc = n;
        self
    }
    /// Sets top_db.
    pub fn with_top_db(mut self, t: Option<f32>) -> Self {
        self.top_db = t;
        self
    }
}

#[derive(Debug, Clone)]
enum Engine {
    Stft(Stft, MelFilterbank),
    Kaldi(Fbank),
}

/// A planned feature extractor for a [`FeatureConfig`]: build once, call for every clip.
///
/// ```
/// use dataprep_audio::features::{FeatureConfig, FeatureExtractor, Preset};
/// let sr = 16000;
/// let tone: Vec<f32> = (0..sr).map(|i| (i as f32 * 440.0 * 6.2832 / sr as f32).sin()).collect();
/// let fx = FeatureExtractor::new(FeatureConfig::preset(Preset::Torchaudio, sr))?;
/// let mel = fx.mel(&tone)?;
/// assert_eq!(mel.dim(), (81, 128)); // frames × mels
/// let mfcc = fx.mfcc(&tone)?;
/// assert_eq!(mfcc.ncols(), 40);
/// # Ok::<(), dataprep_audio::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FeatureExtractor {
    cfg: FeatureConfig,
    engine: Engine,
    cepstrum: CepstrumPlan,
}

impl FeatureExtractor {
    /// Plans the extractor.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for inconsistent parameters.
    pub fn new(cfg: FeatureConfig) -> Result<Self> {
        let engine = match cfg.preset {
            Preset::Librosa | Preset::Torchaudio => {
                let (pad, scale, norm) = if cfg.preset == Preset::Librosa {
                    (PadMode::Constant, MelScale::Slaney, MelNorm::Slaney)
                } else {
                    (PadMode::Reflect, MelScale::Htk, MelNorm::None)
                };
                let stft = Stft::new(
                    StftConfig::default()
                        .with_n_fft(cfg.n_fft)
                        .with_hop_length(cfg.hop_length)
                        .with_pad_mode(pad),
                )?;
                let mel = MelFilterbank::new(
                    &MelConfig::new(cfg.sample_rate, cfg.n_fft)
                        .with_n_mels(cfg.n_mels)
                        .with_scale(scale)
                        .with_norm(norm)
                        .with_torchaudio_f32(cfg.preset == Preset::Torchaudio),
                )?;
                Engine::Stft(stft, mel)
            }
            Preset::Kaldi => {
                let mut fb = FbankConfig::new(cfg.sample_rate).with_num_mel_bins(cfg.n_mels);
                let sr = f64::from(cfg.sample_rate.max(1));
                fb.frame_length_ms = cfg.n_fft as f64 * 1000.0 / sr;
                fb.frame_shift_ms = cfg.hop_length as f64 * 1000.0 / sr;
                // Recover exact sample counts despite float rounding.
                let (w, s, _) = fb.sizes();
                if w != cfg.n_fft {
                    fb.frame_length_ms = (cfg.n_fft as f64 + 0.5) * 1000.0 / sr;
                }
                if s != cfg.hop_length {
                    fb.frame_shift_ms = (cfg.hop_length as f64 + 0.5) * 1000.0 / sr;
                }
                Engine::Kaldi(Fbank::new(fb)?)
            }
        };
        let lifter = match cfg.preset {
            Preset::Kaldi => Lifter::Kaldi(22.0),
            _ => Lifter::None,
        };
        let cepstrum = CepstrumPlan::new(cfg.n_mfcc, cfg.n_mels, lifter);
        Ok(FeatureExtractor {
            cfg,
            engine,
            cepstrum,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FeatureConfig {
        &self.cfg
    }

    /// Power mel spectrogram, frames × n_mels.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for NaN/∞ samples.
    pub fn mel(&self, samples: &[f32]) -> Result<Array2<f32>> {
        match &self.engine {
            Engine::Stft(stft, mel) => stft.mel_spectrogram(samples, mel),
            Engine::Kaldi(fb) => fb.mel_power(samples),
        }
    }

    /// Log mel: dB (`power_to_db`, ref 1, amin 1e-10, top_db) for librosa/torchaudio, natural log
    /// with the f32-epsilon floor for Kaldi.
    ///
    /// # Errors
    /// As [`FeatureExtractor::mel`].
    pub fn log_mel(&self, samples: &[f32]) -> Result<Array2<f32>> {
        match &self.engine {
            // The dB of each frame is taken while its mel row is hot, in the parallel loop; only
            // the top_db floor needs the whole matrix. Same values as `log_of(&mel(samples)?)`.
            Engine::Stft(stft, bank) => {
                let r = preset_db_ref();
                let mut db = stft.per_frame(samples, bank.n_mels(), |p, row| {
                    bank.apply_frame(p, row);
                    db_in_place(row, DB_AMIN, r);
                })?;
                if let Some(top) = self.cfg.top_db {
                    floor_below_max(&mut db, top);
                }
                Ok(db)
            }
            Engine::Kaldi(_) => Ok(self.log_of(&self.mel(samples)?)),
        }
    }

    /// The log of a power mel computed by [`FeatureExtractor::mel`].
    pub fn log_of(&self, mel: &Array2<f32>) -> Array2<f32> {
        match &self.engine {
            Engine::Stft(..) => power_to_db(mel, 1.0, DB_AMIN, self.cfg.top_db),
            Engine::Kaldi(fb) => {
                let floor = fb.cfg.log_floor;
                ln_floored(mel, floor)
            }
        }
    }

    /// MFCC, frames × n_mfcc: DCT-II ortho of the log mel (librosa `mfcc(S=power_to_db(mel))`,
    /// torchaudio `MFCC`, Kaldi with lifter 22 and no energy term).
    ///
    /// # Errors
    /// As [`FeatureExtractor::mel`].
    pub fn mfcc(&self, samples: &[f32]) -> Result<Array2<f32>> {
        let Engine::Stft(stft, bank) = &self.engine else {
            let log = self.log_mel(samples)?;
            return Ok(self.mfcc_of_log(&log));
        };
        // One parallel pass computes, per frame, the dB row, its DCT and its minimum. The
        // top_db floor (max − top_db over the whole matrix) only changes rows holding a value
        // below it; only those are clamped and transformed again. Every row therefore gets the
        // DCT of exactly the floored row: the same bits as `mfcc_of_log(&log_mel(samples)?)`.
        let (n_mels, n_mfcc) = (bank.n_mels(), self.cepstrum.n_mfcc);
        let plan = &self.cepstrum;
        let r = preset_db_ref();
        let width = n_mels + n_mfcc + 2;
        let mut wide = stft.per_frame(samples, width, |p, row| {
            let (db, rest) = row.split_at_mut(n_mels);
            let (cep, range) = rest.split_at_mut(n_mfcc);
            bank.apply_frame(p, db);
            db_in_place(db, DB_AMIN, r);
            range[0] = min_of(db);
            range[1] = max_of(db);
            dct_row(db, &plan.blocks, &plan.lift, cep);
        })?;
        if let Some(top) = self.cfg.top_db {
            let max = wide
                .rows()
                .into_iter()
                .filter_map(|row| row.as_slice().map(|r| r[width - 1]))
                .fold(f32::NEG_INFINITY, f32::max);
            let floor = max - top;
            for mut row in wide.rows_mut() {
                let Some(row) = row.as_slice_mut() else {
                    continue;
                };
                if row[n_mels + n_mfcc] < floor {
                    let (db, rest) = row.split_at_mut(n_mels);
                    db.iter_mut().for_each(|v| *v = v.max(floor));
                    dct_row(db, &plan.blocks, &plan.lift, &mut rest[..n_mfcc]);
                }
            }
        }
        let frames = wide.nrows();
        let mut out = Vec::with_capacity(frames * n_mfcc);
        if let Some(all) = wide.as_slice() {
            for row in all.chunks_exact(width) {
                out.extend_from_slice(&row[n_mels..n_mels + n_mfcc]);
            }
        }
        Array2::from_shape_vec((frames, n_mfcc), out)
            .map_err(|e| Error::InvalidParam(format!("mfcc matrix shape: {e}")))
    }

    /// MFCC from a log mel computed by [`FeatureExtractor::log_mel`].
    pub fn mfcc_of_log(&self, log_mel: &Array2<f32>) -> Array2<f32> {
        if log_mel.ncols() == self.cepstrum.n_mels {
            self.cepstrum.apply(log_mel)
        } else {
            let lifter = match self.cfg.preset {
                Preset::Kaldi => Lifter::Kaldi(22.0),
                _ => Lifter::None,
            };
            mfcc_from_log_mel(log_mel, self.cfg.n_mfcc, lifter)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn log2_approx_is_as_close_as_f32_allows(bits in 0x0080_0000u32..0x7f80_0000) {
            // Every normal positive f32.
            let x = f32::from_bits(bits);
            let exact = f64::from(x).log2();
            let got = f64::from(log2_approx(x));
            prop_assert!((got - exact).abs() <= 4e-7 + 2e-7 * exact.abs(), "{x}: {got} vs {exact}");
        }
    }

    proptest! {
        #[test]
        fn avx_dot_is_the_portable_dot(
            pairs in prop::collection::vec((-1e3f32..1e3, -1e3f32..1e3), 0..70),
        ) {
            let (a, b): (Vec<f32>, Vec<f32>) = pairs.into_iter().unzip();
            let portable = dot(&a, &b);
            let exact: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
            let scale: f64 = a.iter().zip(&b).map(|(x, y)| f64::from((x * y).abs())).sum();
            prop_assert!((f64::from(portable) - exact).abs() <= 1e-6 * scale + 1e-30);
            #[cfg(target_arch = "x86_64")]
            if let Some(simd) = pulp::x86::V3::try_new() {
                let avx = simd.vectorize(|| dot_avx(simd, &a, &b));
                prop_assert_eq!(avx.to_bits(), portable.to_bits());
            }
        }

        #[test]
        fn all_finite_finds_any_nan_or_infinity(
            mut v in prop::collection::vec(-1e30f32..1e30, 0..100),
            bad in prop::option::of((0usize..100, 0usize..3)),
        ) {
            if let Some((i, kind)) = bad
                && !v.is_empty()
            {
                let i = i % v.len();
                v[i] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][kind];
            }
            prop_assert_eq!(all_finite(&v), v.iter().all(|x| x.is_finite()));
            prop_assert_eq!(check_finite(&v).is_ok(), v.iter().all(|x| x.is_finite()));
        }

        #[test]
        fn padded_bands_keep_their_weights(
            start in 0usize..40,
            w in prop::collection::vec(0.01f32..1.0, 1..30),
            extra in 0usize..20,
        ) {
            let n_freqs = start + w.len() + extra;
            let (s, padded) = pad_band(start, w.clone(), n_freqs);
            prop_assert!(s + padded.len() <= n_freqs);
            let mut dense = vec![0.0f32; n_freqs];
            dense[s..s + padded.len()].copy_from_slice(&padded);
            let mut want = vec![0.0f32; n_freqs];
            want[start..start + w.len()].copy_from_slice(&w);
            prop_assert_eq!(dense, want);
            if padded.len() != w.len() {
                prop_assert_eq!(padded.len() % 8, 0);
            }
        }

        #[test]
        fn lane_min_and_max_are_the_extremes(v in prop::collection::vec(-1e6f32..1e6, 0..80)) {
            prop_assert_eq!(max_of(&v), v.iter().copied().fold(f32::NEG_INFINITY, f32::max));
            prop_assert_eq!(min_of(&v), v.iter().copied().fold(f32::INFINITY, f32::min));
        }
    }

    #[test]
    fn log2_approx_edge_values() {
        assert_eq!(log2_approx(1.0), 0.0);
        assert_eq!(log2_approx(2.0), 1.0);
        assert_eq!(log2_approx(0.5), -1.0);
        assert_eq!(log2_approx(0.0), f32::NEG_INFINITY);
        assert_eq!(log2_approx(f32::INFINITY), f32::INFINITY);
        assert!(log2_approx(f32::NAN).is_nan());
        assert!(log2_approx(-1.0).is_nan());
        // Subnormals go through libm.
        assert_eq!(log2_approx(1e-40), 1e-40f32.log2());
    }

    #[test]
    fn packed_real_fft_equals_realfft() {
        for n in [2usize, 4, 6, 8, 10, 14, 16, 400, 512, 1024, 2048, 2047, 401] {
            let x: Vec<f32> = (0..n)
                .map(|i| ((i * 7919 % 1013) as f32 / 1013.0 - 0.5) * 2.0)
                .collect();
            let ones = vec![1.0f32; n];
            let ours = PowerFft::new(n);
            let mut work = ours.work();
            ours.power_windowed(&x, &ones, &mut work);
            let r = RealFftPlanner::<f32>::new().plan_fft_forward(n);
            let mut input = x.clone();
            let mut spec = r.make_output_vec();
            r.process(&mut input, &mut spec).unwrap();
            let scale: f32 = spec.iter().map(|c| c.norm_sqr()).fold(0.0, f32::max);
            for (k, (a, c)) in work.power.iter().zip(&spec).enumerate() {
                let b = c.norm_sqr();
                assert!((a - b).abs() <= 1e-5 * scale, "n {n} bin {k}: {a} vs {b}");
            }
        }
    }
}
