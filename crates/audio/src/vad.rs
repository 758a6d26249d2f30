//! Segmentation: an energy + spectral-flatness voice activity detector with Silero-style
//! post-processing (minimum speech, minimum silence, padding), and fixed-length chunking.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A span of audio in samples, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
}

impl Segment {
    /// Length in samples.
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
    /// Start and end in seconds.
    pub fn seconds(&self, sample_rate: u32) -> (f64, f64) {
        let sr = f64::from(sample_rate.max(1));
        (self.start as f64 / sr, self.end as f64 / sr)
    }
}

/// VAD parameters. Defaults follow Silero's post-processing: min speech 250 ms, min silence
/// 100 ms, padding 30 ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VadConfig {
    /// Analysis frame in ms (30).
    pub frame_ms: f64,
    /// Hop in ms (10).
    pub hop_ms: f64,
    /// A frame is speech if its energy exceeds the noise floor (10th percentile of frame
    /// energies) by this many dB (12).
    pub margin_db: f32,
    /// …and is above this absolute level in dBFS (−55).
    pub min_level_dbfs: f32,
    /// …and its spectral flatness (geometric / arithmetic mean of the power spectrum, 0..1) is
    /// below this; white noise is near 1, voiced speech far below (0.5). 1.0 disables the test.
    pub max_flatness: f32,
    /// Speech runs shorter than this are dropped (250 ms).
    pub min_speech_ms: f64,
    /// Gaps shorter than this are bridged (100 ms).
    pub min_silence_ms: f64,
    /// Padding added to each side of a segment (30 ms), never overlapping the next segment.
    pub speech_pad_ms: f64,
}

impl Default for VadConfig {
    fn default() -> Self {
        VadConfig {
            frame_ms: 30.0,
            hop_ms: 10.0,
            margin_db: 12.0,
            min_level_dbfs: -55.0,
            max_flatness: 0.5,
            min_speech_ms: 250.0,
            min_silence_ms: 100.0,
            speech_pad_ms: 30.0,
        }
    }
}

impl VadConfig {
    /// Sets min speech, min silence and padding in ms.
    pub fn with_durations_ms(mut self, min_speech: f64, min_silence: f64, pad: f64) -> Self {
        self.min_speech_ms = min_speech;
        self.min_silence_ms = min_silence;
        self.speech_pad_ms = pad;
        self
    }
    /// Sets the energy margin over the noise floor in dB.
    pub fn with_margin_db(mut self, v: f32) -> Self {
        self.margin_db = v;
        self
    }
    /// Sets the absolute level floor in dBFS.
    pub fn with_min_level_dbfs(mut self, v: f32) -> Self {
        self.min_level_dbfs = v;
        self
    }
    /// Sets the spectral flatness ceiling (1.0 disables).
    pub fn with_max_flatness(mut self, v: f32) -> Self {
        self.max_flatness = v;
        self
    }
}

fn flatness(frame: &[f32], fft: &dyn realfft::RealToComplex<f32>, buf: &mut Vec<f32>) -> f32 {
    buf.clear();
    buf.extend_from_slice(frame);
    buf.resize(fft.len(), 0.0);
    let mut spec = fft.make_output_vec();
    if fft.process(buf, &mut spec).is_err() {
        return 1.0;
    }
    let p: Vec<f64> = spec
        .iter()
        .skip(1)
        .map(|c| f64::from(c.re * c.re + c.im * c.im) + 1e-12)
        .collect();
    let n = p.len().max(1) as f64;
    let geo = (p.iter().map(|v| v.ln()).sum::<f64>() / n).exp();
    let ari = p.iter().sum::<f64>() / n;
    (geo / ari) as f32
}

/// Per-frame speech decisions (frame `t` covers samples around `t * hop`).
///
/// # Errors
/// [`Error::InvalidParam`] for a zero rate or frame.
pub fn frame_decisions(samples: &[f32], sample_rate: u32, cfg: &VadConfig) -> Result<Vec<bool>> {
    let sr = f64::from(sample_rate);
    let frame = (cfg.frame_ms * sr / 1000.0).round() as usize;
    let hop = (cfg.hop_ms * sr / 1000.0).round() as usize;
    if sample_rate == 0 || frame == 0 || hop == 0 {
        return Err(Error::InvalidParam(format!(
            "vad: {cfg:?} at {sample_rate} Hz"
        )));
    }
    crate::features::check_finite(samples)?;
    if samples.len() < frame {
        return Ok(Vec::new());
    }
    let frames = 1 + (samples.len() - frame) / hop;
    let energy: Vec<f32> = (0..frames)
        .map(|t| {
            let s = &samples[t * hop..t * hop + frame];
            let e = s.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>() / frame as f64;
            (10.0 * (e + 1e-12).log10()) as f32
        })
        .collect();
    let mut sorted = energy.clone();
    sorted.sort_by(f32::total_cmp);
    let floor = sorted[sorted.len() / 10];
    let thr = (floor + cfg.margin_db).max(cfg.min_level_dbfs);
    let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(frame.next_power_of_two());
    let mut buf = Vec::new();
    Ok((0..frames)
        .map(|t| {
            energy[t] > thr
                && (cfg.max_flatness >= 1.0
                    || flatness(&samples[t * hop..t * hop + frame], fft.as_ref(), &mut buf)
                        < cfg.max_flatness)
        })
        .collect())
}

/// Speech segments in samples: frame decisions, then gaps < min silence bridged, runs < min
/// speech dropped, and `speech_pad` added on both sides (split in the middle where two padded
/// segments would overlap, as Silero does).
///
/// # Errors
/// As [`frame_decisions`].
pub fn detect_speech(samples: &[f32], sample_rate: u32, cfg: &VadConfig) -> Result<Vec<Segment>> {
    let flags = frame_decisions(samples, sample_rate, cfg)?;
    let sr = f64::from(sample_rate);
    let hop = (cfg.hop_ms * sr / 1000.0).round() as usize;
    let frame = (cfg.frame_ms * sr / 1000.0).round() as usize;
    let ms = |v: f64| (v * sr / 1000.0).round() as usize;
    let mut raw: Vec<Segment> = Vec::new();
    let mut t = 0;
    while t < flags.len() {
        if flags[t] {
            let a = t;
            while t < flags.len() && flags[t] {
                t += 1;
            }
            raw.push(Segment {
                start: a * hop,
                end: ((t - 1) * hop + frame).min(samples.len()),
            });
        } else {
            t += 1;
        }
    }
    Ok(postprocess(
        raw,
        samples.len(),
        ms(cfg.min_silence_ms),
        ms(cfg.min_speech_ms),
        ms(cfg.speech_pad_ms),
    ))
}

/// Silero-style post-processing of raw speech runs (sorted, in samples).
pub fn postprocess(
    raw: Vec<Segment>,
    total: usize,
    min_silence: usize,
    min_speech: usize,
    pad: usize,
) -> Vec<Segment> {
    let mut merged: Vec<Segment> = Vec::new();
    for s in raw {
        match merged.last_mut() {
            Some(last) if s.start <= last.end + min_silence => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    merged.retain(|s| s.len() >= min_speech);
    let n = merged.len();
    let mut out = merged.clone();
    for i in 0..n {
        out[i].start = merged[i].start.saturating_sub(pad);
        out[i].end = (merged[i].end + pad).min(total);
        if i > 0 {
            let gap_mid = (merged[i - 1].end + merged[i].start) / 2;
            if out[i].start < out[i - 1].end {
                out[i - 1].end = gap_mid;
                out[i].start = gap_mid;
            }
        }
    }
    out
}

/// Fixed-length chunks of `chunk` samples stepping by `chunk − overlap`; the last chunk is
/// shorter unless `drop_last_shorter_than` drops it.
///
/// # Errors
/// [`Error::InvalidParam`] if `chunk == 0` or `overlap >= chunk`.
pub fn chunk(
    total: usize,
    chunk: usize,
    overlap: usize,
    drop_last_shorter_than: usize,
) -> Result<Vec<Segment>> {
    if chunk == 0 || overlap >= chunk {
        return Err(Error::InvalidParam(format!(
            "chunk {chunk}, overlap {overlap}"
        )));
    }
    let step = chunk - overlap;
    let mut out = Vec::new();
    let mut s = 0;
    while s < total {
        let e = (s + chunk).min(total);
        if e - s >= drop_last_shorter_than.min(chunk) {
            out.push(Segment { start: s, end: e });
        }
        if e == total {
            break;
        }
        s += step;
    }
    Ok(out)
}
