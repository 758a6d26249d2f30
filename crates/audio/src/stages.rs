//! [`Stage`] adapters over the plain functions: bytes in → samples and feature tensors out.
//!
//! Field conventions: encoded audio in a bytes field (`audio` by default); decoded mono samples
//! as a 1-D f32 tensor `samples` (multi-channel: `[channels, frames]`) with `sample_rate`;
//! features as a 2-D f32 tensor `[frames, bins]`. A bad record is a per-record error.

use dataprep_core::{
    Action, Context, Record, RecordError, Stage, Tensor, TensorData, Value, config_json,
};
use serde::{Deserialize, Serialize};

use crate::augment;
use crate::decode::{Backend, DecodeLimits, NonFinitePolicy, decode_with, sanitize};
use crate::denoise::{DenoiseConfig, reduce_noise};
use crate::error::Error;
use crate::features::{FeatureConfig, FeatureExtractor};
use crate::signal::{downmix, resample};
use crate::vad::{VadConfig, detect_speech};

fn samples_of(r: &Record, field: &str) -> Result<(Vec<f32>, u32), RecordError> {
    let t = r.tensor(field)?;
    let sr = r.u64("sample_rate")? as u32;
    match (t.data(), t.shape().len()) {
        (TensorData::F32(v), 1) => Ok((v.clone(), sr)),
        _ => Err(RecordError::process(format!(
            "{field}: expected a 1-D f32 tensor (mono samples), got shape {:?}",
            t.shape()
        ))),
    }
}

fn tensor_1d(v: Vec<f32>) -> Result<Value, RecordError> {
    let n = v.len();
    Ok(Value::Tensor(
        Tensor::f32(vec![n], v).map_err(|e| RecordError::process(e.to_string()))?,
    ))
}

/// Decodes a bytes field into samples: `samples`, `sample_rate`, `channels`, `duration_s`,
/// `codec`; optionally down-mixes to mono and resamples.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecodeAudioStage {
    /// Bytes field holding the encoded file (`audio`).
    pub input: String,
    /// Output field for samples (`samples`).
    pub output: String,
    /// Optional string field with the file extension or path, used as a probe hint.
    pub hint_field: Option<String>,
    /// Down-mix to mono (true). When false the tensor is `[channels, frames]`.
    pub mono: bool,
    /// Resample to this rate (None keeps the file's rate).
    pub target_sr: Option<u32>,
    /// Decoding limits.
    pub limits: DecodeLimits,
    /// What to do with NaN/∞ samples (float WAV can carry them).
    pub non_finite: NonFinitePolicy,
    /// Remove the input bytes after decoding (true).
    pub drop_input: bool,
    /// Which decoder ([`Backend::Auto`]: symphonia, then FFmpeg with the `ffmpeg` feature).
    #[serde(default)]
    pub backend: Backend,
}

impl Default for DecodeAudioStage {
    fn default() -> Self {
        DecodeAudioStage {
            input: "audio".into(),
            output: "samples".into(),
            hint_field: None,
            mono: true,
            target_sr: None,
            limits: DecodeLimits::default(),
            non_finite: NonFinitePolicy::Reject,
            drop_input: true,
            backend: Backend::Auto,
        }
    }
}

impl DecodeAudioStage {
    /// Resample to `sr`.
    pub fn with_target_sr(mut self, sr: u32) -> Self {
        self.target_sr = Some(sr);
        self
    }
    /// Sets the field read (the encoded audio bytes).
    pub fn with_field(mut self, f: impl Into<String>) -> Self {
        self.input = f.into();
        self
    }
    /// Sets the field read.
    #[deprecated(since = "0.1.0", note = "renamed to `with_field`")]
    pub fn with_input(self, f: impl Into<String>) -> Self {
        self.with_field(f)
    }
    /// Sets the limits.
    pub fn with_limits(mut self, l: DecodeLimits) -> Self {
        self.limits = l;
        self
    }
    /// Chooses the decoder ([`Backend::Ffmpeg`] forces FFmpeg, [`Backend::Symphonia`] forbids it).
    pub fn with_backend(mut self, b: Backend) -> Self {
        self.backend = b;
        self
    }
    /// Keeps all channels instead of down-mixing.
    pub fn with_mono(mut self, mono: bool) -> Self {
        self.mono = mono;
        self
    }
    /// Uses a string field (extension or path) as the probe hint.
    pub fn with_hint_field(mut self, f: impl Into<String>) -> Self {
        self.hint_field = Some(f.into());
        self
    }
}

impl Stage for DecodeAudioStage {
    fn name(&self) -> &str {
        "decode_audio"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let hint = match &self.hint_field {
            Some(f) => r
                .opt_str(f)?
                .map(|s| s.rsplit('.').next().unwrap_or(s).to_string()),
            None => None,
        };
        let mut audio = decode_with(
            r.bytes(&self.input)?,
            hint.as_deref(),
            &self.limits,
            self.backend,
        )?;
        let info = audio.info();
        for ch in &mut audio.channels {
            sanitize(ch, self.non_finite)?;
        }
        let mut rate = audio.sample_rate;
        let value = if self.mono {
            let mut x = downmix(&audio);
            if let Some(sr) = self.target_sr {
                x = resample(&x, rate, sr)?;
                rate = sr;
            }
            tensor_1d(x)?
        } else {
            if let Some(sr) = self.target_sr {
                for ch in &mut audio.channels {
                    *ch = resample(ch, rate, sr)?;
                }
                rate = sr;
            }
            let (c, n) = (audio.channels.len(), audio.frames());
            let flat: Vec<f32> = audio.channels.concat();
            Value::Tensor(
                Tensor::f32(vec![c, n], flat).map_err(|e| RecordError::process(e.to_string()))?,
            )
        };
        if self.drop_input {
            r.remove(&self.input);
        }
        r.set(self.output.clone(), value);
        r.set("sample_rate", Value::UInt(u64::from(rate)));
        r.set("channels", Value::UInt(info.channels as u64));
        r.set("duration_s", info.duration_s);
        r.set("codec", info.codec);
        Ok(Action::Keep)
    }
}

/// Which feature [`AudioFeaturesStage`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    /// Power mel.
    Mel,
    /// Log mel (dB for librosa/torchaudio, ln for Kaldi).
    LogMel,
    /// MFCC.
    Mfcc,
}

/// Computes a feature matrix `[frames, bins]` from mono `samples`.
#[derive(Debug, Clone)]
pub struct AudioFeaturesStage {
    input: String,
    output: String,
    kind: FeatureKind,
    fx: FeatureExtractor,
}

impl AudioFeaturesStage {
    /// A stage computing `kind` with `cfg` from `samples` into `output`.
    ///
    /// # Errors
    /// Invalid feature parameters.
    pub fn new(
        cfg: FeatureConfig,
        kind: FeatureKind,
        output: impl Into<String>,
    ) -> Result<Self, Error> {
        Ok(AudioFeaturesStage {
            input: "samples".into(),
            output: output.into(),
            kind,
            fx: FeatureExtractor::new(cfg)?,
        })
    }
}

impl Stage for AudioFeaturesStage {
    fn name(&self) -> &str {
        "audio_features"
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({"input": self.input, "output": self.output, "kind": self.kind, "features": self.fx.config()})
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let (x, sr) = samples_of(r, &self.input)?;
        if sr != self.fx.config().sample_rate {
            return Err(RecordError::process(format!(
                "sample rate {sr} Hz, features configured for {} Hz (resample first)",
                self.fx.config().sample_rate
            )));
        }
        let m = match self.kind {
            FeatureKind::Mel => self.fx.mel(&x)?,
            FeatureKind::LogMel => self.fx.log_mel(&x)?,
            FeatureKind::Mfcc => self.fx.mfcc(&x)?,
        };
        let (rows, cols) = m.dim();
        let data = m.into_raw_vec_and_offset().0;
        r.set(
            self.output.clone(),
            Tensor::f32(vec![rows, cols], data).map_err(|e| RecordError::process(e.to_string()))?,
        );
        Ok(Action::Keep)
    }
}

/// Splits a record's mono `samples` into VAD speech segments: each becomes a record keyed
/// `{key}_{i:04}` with `samples`, `sample_rate`, `start_s`, `end_s` and `source`. A record with no
/// speech is dropped with reason `no_speech`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VadSegmentsStage {
    /// VAD parameters.
    pub vad: VadConfig,
}

impl Stage for VadSegmentsStage {
    fn name(&self) -> &str {
        "vad_segments"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let (x, sr) = samples_of(r, "samples")?;
        let segs = detect_speech(&x, sr, &self.vad)?;
        if segs.is_empty() {
            return Ok(Action::drop("no_speech"));
        }
        let mut out = Vec::with_capacity(segs.len());
        for (i, s) in segs.iter().enumerate() {
            let (a, b) = s.seconds(sr);
            out.push(
                Record::new()
                    .with_key(format!("{}_{i:04}", r.key()))
                    .with("samples", tensor_1d(x[s.start..s.end].to_vec())?)
                    .with("sample_rate", Value::UInt(u64::from(sr)))
                    .with("start_s", a)
                    .with("end_s", b)
                    .with("source", r.key().to_string()),
            );
        }
        Ok(Action::Replace(out))
    }
}

/// Seeded waveform augmentation of mono `samples`: a random gain and white noise at a random SNR,
/// drawn from the record's RNG (same seed + key → same output whatever the thread count).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AugmentAudioStage {
    /// Gain range in dB (−6..6).
    pub gain_db: (f32, f32),
    /// SNR range in dB for additive noise (None: no noise; default 10..30).
    pub snr_db: Option<(f32, f32)>,
}

impl Default for AugmentAudioStage {
    fn default() -> Self {
        AugmentAudioStage {
            gain_db: (-6.0, 6.0),
            snr_db: Some((10.0, 30.0)),
        }
    }
}

impl Stage for AugmentAudioStage {
    fn name(&self) -> &str {
        "augment_audio"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, cx: &Context) -> Result<Action, RecordError> {
        use rand::RngExt;
        let (mut x, _) = samples_of(r, "samples")?;
        let mut rng = cx.rng(r);
        let g = augment::random_gain(&mut x, self.gain_db.0, self.gain_db.1, &mut rng);
        r.set_score(cx.stage(), "gain_db", f64::from(g));
        if let Some((lo, hi)) = self.snr_db {
            let snr = if hi > lo {
                rng.random_range(lo..hi)
            } else {
                lo
            };
            augment::add_noise(&mut x, snr, &mut rng);
            r.set_score(cx.stage(), "snr_db", f64::from(snr));
        }
        r.set("samples", tensor_1d(x)?);
        Ok(Action::Keep)
    }
}

/// Spectral-gating noise reduction of mono `samples` (noisereduce's algorithm).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DenoiseStage {
    /// Parameters.
    pub config: DenoiseConfig,
}

impl Stage for DenoiseStage {
    fn name(&self) -> &str {
        "denoise"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let (x, sr) = samples_of(r, "samples")?;
        let y = reduce_noise(&x, sr, None, &self.config)?;
        r.set("samples", tensor_1d(y)?);
        Ok(Action::Keep)
    }
}

/// Cuts a record's mono `samples` by the cues of a subtitle field (SRT, or WebVTT when the text
/// starts with `WEBVTT`): one record per cue keyed `{key}_{i:04}` with `samples`, `sample_rate`,
/// `start_s`, `end_s`, `text` and `source`. Malformed cues are skipped and counted in the score
/// `skipped_cues` of each output record; a record without usable cues is dropped (`no_cues`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubtitleSegmentsStage {
    /// The string field holding the subtitle file's text (`subtitles`).
    pub field: String,
}

impl Default for SubtitleSegmentsStage {
    fn default() -> Self {
        SubtitleSegmentsStage {
            field: "subtitles".into(),
        }
    }
}

impl Stage for SubtitleSegmentsStage {
    fn name(&self) -> &str {
        "subtitle_segments"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, cx: &Context) -> Result<Action, RecordError> {
        let (x, sr) = samples_of(r, "samples")?;
        let text = r.str(&self.field)?;
        let subs = crate::subtitles::parse_auto(text);
        let segs = crate::subtitles::cue_segments(&subs.cues, sr, x.len());
        if segs.is_empty() {
            return Ok(Action::drop("no_cues"));
        }
        let mut out = Vec::with_capacity(segs.len());
        for (i, (ci, s)) in segs.iter().enumerate() {
            let (a, b) = s.seconds(sr);
            let mut rec = Record::new()
                .with_key(format!("{}_{i:04}", r.key()))
                .with("samples", tensor_1d(x[s.start..s.end].to_vec())?)
                .with("sample_rate", Value::UInt(u64::from(sr)))
                .with("start_s", a)
                .with("end_s", b)
                .with("text", subs.cues[*ci].text.clone())
                .with("source", r.key().to_string());
            rec.set_score(cx.stage(), "skipped_cues", subs.skipped.len() as f64);
            out.push(rec);
        }
        Ok(Action::Replace(out))
    }
}

// The names before every stage type ended in `Stage` (CHANGELOG: Unreleased).
/// Renamed to [`AudioFeaturesStage`].
#[deprecated(since = "0.1.0", note = "renamed to `AudioFeaturesStage`")]
pub type AudioFeatures = AudioFeaturesStage;
/// Renamed to [`AugmentAudioStage`].
#[deprecated(since = "0.1.0", note = "renamed to `AugmentAudioStage`")]
pub type AugmentAudio = AugmentAudioStage;
/// Renamed to [`DecodeAudioStage`].
#[deprecated(since = "0.1.0", note = "renamed to `DecodeAudioStage`")]
pub type DecodeAudio = DecodeAudioStage;
/// Renamed to [`DenoiseStage`].
#[deprecated(since = "0.1.0", note = "renamed to `DenoiseStage`")]
pub type Denoise = DenoiseStage;
/// Renamed to [`SubtitleSegmentsStage`].
#[deprecated(since = "0.1.0", note = "renamed to `SubtitleSegmentsStage`")]
pub type SubtitleSegments = SubtitleSegmentsStage;
/// Renamed to [`VadSegmentsStage`].
#[deprecated(since = "0.1.0", note = "renamed to `VadSegmentsStage`")]
pub type VadSegments = VadSegmentsStage;
