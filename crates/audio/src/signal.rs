//! Signal basics: downmix and channel selection, resampling (rubato), peak / RMS / EBU R128
//! loudness normalisation, silence trimming.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};
use serde::{Deserialize, Serialize};

use crate::decode::Audio;
use crate::error::{Error, Result};

/// Averages all channels into one.
pub fn downmix(audio: &Audio) -> Vec<f32> {
    let n = audio.frames();
    let c = audio.channels.len();
    if c == 1 {
        return audio.channels[0].clone();
    }
    let k = 1.0 / c.max(1) as f32;
    if let [a, b] = &audio.channels[..]
        && a.len() == b.len()
    {
        // Stereo, the common case, in one pass.
        return a.iter().zip(b).map(|(&a, &b)| (a + b) * k).collect();
    }
    let mut out = vec![0.0f32; n];
    for ch in &audio.channels {
        out.iter_mut().zip(ch).for_each(|(o, &x)| *o += x);
    }
    out.iter_mut().for_each(|o| *o *= k);
    out
}

/// One channel, by index.
///
/// # Errors
/// [`Error::InvalidParam`] if the channel does not exist.
pub fn select_channel(audio: &Audio, index: usize) -> Result<Vec<f32>> {
    audio.channels.get(index).cloned().ok_or_else(|| {
        Error::InvalidParam(format!(
            "channel {index} of {} channels",
            audio.channels.len()
        ))
    })
}

/// Resamples mono samples from `from` Hz to `to` Hz with rubato's synchronous FFT resampler
/// (band-limited, anti-aliased; the delay is trimmed so output sample `i` is at time `i / to`).
/// The output has `ceil(n * to / from)` samples. The stop band meets or beats soxr HQ's on every
/// common pair (`docs/performance.md`); downsampling by at most 2.5× is computed in f64 for
/// that, every other pair in f32.
///
/// Long inputs are resampled in parts on the rayon pool, one part per thread, each part at least
/// 48 FFT blocks (input and output blocks are both at least 1,024 frames; 44.1 → 16 kHz uses
/// 3,528 → 1,280, so a clip splits in two from ~7.7 s at two threads).
/// The output is bit-identical to one serial pass over the whole input, and so the same at any
/// thread count: rubato's FFT resampler is overlap-add, the state carried into an FFT block
/// depends only on the block before it, and each part starts by replaying that one block.
///
/// # Errors
/// [`Error::InvalidParam`] for a zero rate, a rate above 1.536 MHz or a ratio beyond 256×
/// (bounding the FFT sizes a hostile header could ask for); [`Error::Resample`] if rubato
/// fails.
///
/// # Example
/// ```
/// let tone: Vec<f32> = (0..44_100).map(|i| (i as f32 * 0.05).sin()).collect();
/// let y = dataprep_audio::signal::resample(&tone, 44_100, 16_000).unwrap();
/// assert_eq!(y.len(), 16_000);
/// ```
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    resample_in_parts(samples, from, to, None)
}

/// The fewest FFT blocks worth a part of their own: a thread's first call builds a resampler,
/// which costs about as much as resampling 20 blocks.
const MIN_BLOCKS_PER_PART: usize = 48;

fn rubato_err(e: impl std::fmt::Display) -> Error {
    Error::Resample(e.to_string())
}

/// Whether `from` → `to` is computed in f64. Downsampling by at most 2.5× puts the aliasing
/// tones right above the pass band, where soxr HQ reaches 141–142 dB and the f32 rounding floor
/// of the FFT resampler (~141.5 dB) is what limits ours; f64 gives 151–163 dB there
/// (`tests/audio/resample_quality.rs`). Every other pair stays in f32, which is 1.5–1.6× faster
/// and already beats soxr HQ (44.1 → 16 kHz: 0.83 ms against soxr's 1.44 ms).
fn computes_in_f64(from: u32, to: u32) -> bool {
    to < from && u64::from(from) * 2 <= u64::from(to) * 5
}

/// The two precisions the resampler runs in, each with its own per-thread cache.
trait Precision: rubato::Sample + 'static {
    fn widen(v: f32) -> Self;
    fn narrow(self) -> f32;
    fn with_cache<R>(f: impl FnOnce(&std::cell::RefCell<Option<(u32, u32, Fft<Self>)>>) -> R) -> R;
}

thread_local! {
    /// The last resampler this thread built, with its rates: building one (filter design and
    /// FFT plans) costs about as much as resampling 0.7 s of 44.1 kHz audio.
    static RESAMPLER_F32: std::cell::RefCell<Option<(u32, u32, Fft<f32>)>> =
        const { std::cell::RefCell::new(None) };
    static RESAMPLER_F64: std::cell::RefCell<Option<(u32, u32, Fft<f64>)>> =
        const { std::cell::RefCell::new(None) };
}

impl Precision for f32 {
    fn widen(v: f32) -> Self {
        v
    }
    fn narrow(self) -> f32 {
        self
    }
    fn with_cache<R>(f: impl FnOnce(&std::cell::RefCell<Option<(u32, u32, Fft<Self>)>>) -> R) -> R {
        RESAMPLER_F32.with(f)
    }
}

impl Precision for f64 {
    fn widen(v: f32) -> Self {
        f64::from(v)
    }
    #[allow(clippy::cast_possible_truncation)]
    fn narrow(self) -> f32 {
        self as f32
    }
    fn with_cache<R>(f: impl FnOnce(&std::cell::RefCell<Option<(u32, u32, Fft<Self>)>>) -> R) -> R {
        RESAMPLER_F64.with(f)
    }
}

fn fft_resampler<T: Precision>(from: u32, to: u32, chunk: usize) -> Result<Fft<T>> {
    Fft::<T>::new_custom(
        from as usize,
        to as usize,
        chunk,
        1,
        1,
        WindowFunction::BlackmanHarris2,
        FixedSync::Input,
    )
    .map_err(rubato_err)
}

/// Blocks up to this many input frames keep their resampler in a per-thread cache (a few
/// hundred KiB at most); odd rate pairs with larger blocks build one per call.
const MAX_CACHED_BLOCK: usize = 16_384;

/// Runs `f` with a resampler for `from` → `to` in its initial state, from this thread's cache
/// when it holds one for these rates (a reset resampler computes the same bits as a new one).
fn with_resampler<T: Precision, R>(
    from: u32,
    to: u32,
    chunk: usize,
    f: impl FnOnce(&mut Fft<T>) -> Result<R>,
) -> Result<R> {
    if chunk > MAX_CACHED_BLOCK {
        return f(&mut fft_resampler(from, to, chunk)?);
    }
    T::with_cache(|cell| {
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return f(&mut fft_resampler(from, to, chunk)?);
        };
        match slot.as_mut() {
            Some((a, b, r)) if (*a, *b) == (from, to) => r.reset(),
            _ => *slot = Some((from, to, fft_resampler(from, to, chunk)?)),
        }
        let (_, _, r) = slot.as_mut().expect("filled above");
        f(r)
    })
}

/// [`resample`] split into `parts` contiguous runs of FFT blocks, one resampler each, on the
/// rayon pool (`None`: one part per thread, each at least [`MIN_BLOCKS_PER_PART`] long). Exposed
/// for the crate's tests, which check that every split gives the same bits as one pass.
#[doc(hidden)]
pub fn resample_in_parts(
    samples: &[f32],
    from: u32,
    to: u32,
    parts: Option<usize>,
) -> Result<Vec<f32>> {
    if from == 0 || to == 0 {
        return Err(Error::InvalidParam(format!(
            "resample from {from} Hz to {to} Hz"
        )));
    }
    let ratio = f64::from(to) / f64::from(from);
    if !(1.0 / 256.0..=256.0).contains(&ratio) || from.max(to) > 1_536_000 {
        return Err(Error::InvalidParam(format!(
            "resample from {from} Hz to {to} Hz: rates must be ≤ 1.536 MHz and within 256× of each other"
        )));
    }
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    if computes_in_f64(from, to) {
        resample_as::<f64>(samples, from, to, parts)
    } else {
        resample_as::<f32>(samples, from, to, parts)
    }
}

fn resample_as<T: Precision>(
    samples: &[f32],
    from: u32,
    to: u32,
    parts: Option<usize>,
) -> Result<Vec<f32>> {
    use rayon::prelude::*;

    // One FFT block of an even number of minimal chunks, so both FFT sizes are even and the
    // filter delay is a whole number of output samples (rubato trims `fft_size_out / 2`; with an
    // odd size that leaves a half-sample shift). rubato sizes its blocks the same way.
    let g = gcd(from as usize, to as usize);
    let (min_in, min_out) = (from as usize / g, to as usize / g);
    // Both blocks hold at least 1,024 frames: rubato's filter has as many taps as the block and
    // its transition band ends at the lower Nyquist frequency, so a short output block (96 → 16
    // kHz with 1,024 input frames would give 172) made the pass band end early (−3 dB at 0.91 of
    // Nyquist, 1 dB of droop at 0.9).
    let blocks = (1024usize.div_ceil(min_in))
        .max(1024usize.div_ceil(min_out))
        .max(2);
    let blocks = blocks + blocks % 2;
    let (block_in, block_out) = (blocks * min_in, blocks * min_out);
    // The output stream before trimming: block `b` of the input (zero-padded at the end) gives
    // stream[b·out .. (b+1)·out]. Enough blocks to cover the delay plus rubato's output length.
    let delay = block_out / 2;
    let want = (block_out as f64 / block_in as f64 * samples.len() as f64).ceil() as usize;
    let total_blocks = (delay + want).div_ceil(block_out);
    let parts = parts
        .unwrap_or_else(|| rayon::current_num_threads().min(total_blocks / MIN_BLOCKS_PER_PART))
        .clamp(1, total_blocks);
    if parts == 1 {
        let wide: Vec<T> = samples.iter().map(|&v| T::widen(v)).collect();
        let input = InterleavedSlice::new(&wide[..], 1, wide.len()).map_err(rubato_err)?;
        return with_resampler(from, to, block_in, |r| {
            Ok(r.process_all(&input, wide.len(), None)
                .map_err(rubato_err)?
                .take_data()
                .into_iter()
                .map(T::narrow)
                .collect())
        });
    }
    let per_part = total_blocks.div_ceil(parts);
    let mut stream = vec![0.0f32; total_blocks * block_out];
    stream
        .par_chunks_mut(per_part * block_out)
        .enumerate()
        .try_for_each(|(part, out)| -> Result<()> {
            with_resampler(from, to, block_in, |r| {
                if r.input_frames_next() != block_in || r.output_frames_next() != block_out {
                    return Err(Error::Resample(format!(
                        "rubato chose blocks of {} → {} frames, expected {block_in} → {block_out}",
                        r.input_frames_next(),
                        r.output_frames_next()
                    )));
                }
                let mut block: Vec<T> = vec![T::widen(0.0); block_in];
                let mut wide_out: Vec<T> = vec![T::widen(0.0); block_out];
                let mut run = |b: usize, dst: &mut [f32]| -> Result<()> {
                    let start = (b * block_in).min(samples.len());
                    let end = ((b + 1) * block_in).min(samples.len());
                    // The last blocks are zero-padded (rubato pads a partial chunk the same way).
                    for (d, s) in block.iter_mut().zip(
                        samples[start..end]
                            .iter()
                            .map(|&v| T::widen(v))
                            .chain(std::iter::repeat(T::widen(0.0))),
                    ) {
                        *d = s;
                    }
                    let input =
                        InterleavedSlice::new(&block[..], 1, block_in).map_err(rubato_err)?;
                    let mut output = InterleavedSlice::new_mut(&mut wide_out[..], 1, block_out)
                        .map_err(rubato_err)?;
                    r.process_into_buffer(&input, &mut output, None)
                        .map_err(rubato_err)?;
                    dst.iter_mut()
                        .zip(&wide_out)
                        .for_each(|(d, &v)| *d = v.narrow());
                    Ok(())
                };
                let first = part * per_part;
                if first > 0 {
                    // Replay the block before the part: its output is discarded, but it leaves
                    // the same overlap a serial pass would carry into block `first`.
                    run(first - 1, &mut vec![0.0f32; block_out])?;
                }
                for (i, dst) in out.chunks_mut(block_out).enumerate() {
                    run(first + i, dst)?;
                }
                Ok(())
            })
        })?;
    stream.drain(..delay);
    stream.truncate(want);
    Ok(stream)
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
/// [`Error::InvalidParam`] for a zero rate or no channels.
pub fn loudness_lufs(audio: &Audio) -> Result<f64> {
    let c = audio.channels.len();
    if c == 0 || audio.sample_rate == 0 {
        return Err(Error::InvalidParam(
            "loudness: no channels or zero rate".into(),
        ));
    }
    let mut m = ebur128::EbuR128::new(c as u32, audio.sample_rate, ebur128::Mode::I)
        .map_err(|e| Error::InvalidParam(format!("loudness: {e:?}")))?;
    let n = audio.frames();
    let mut inter = Vec::with_capacity(n * c);
    for i in 0..n {
        for ch in &audio.channels {
            inter.push(ch[i]);
        }
    }
    m.add_frames_f32(&inter)
        .map_err(|e| Error::InvalidParam(format!("loudness: {e:?}")))?;
    m.loudness_global()
        .map_err(|e| Error::InvalidParam(format!("loudness: {e:?}")))
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
