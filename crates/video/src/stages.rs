//! [`Stage`] adapters: a record holds a video as a path (string field `path`) or as encoded bytes
//! (bytes field `video`, spooled to a temporary file because FFmpeg's safe API opens paths);
//! stages add probe metadata, shot cuts or subtitles, or cut the video into one record per clip.
//! A bad video is a per-record error.

use std::io::Write;

use dataprep_core::subtitles::{Cue, rebase_cues};
use dataprep_core::{Action, Context, Record, RecordError, Stage, Value, config_json};
use serde::{Deserialize, Serialize};

use crate::clips::{ClipConfig, ClipPrecision, fixed_spans, spans_from_cuts, write_clips};
use crate::probe::{Limits, probe_checked};
use crate::scene::{ShotConfig, detect_shots};
use crate::subtitles::{
    FrameSpan, SubtitleSource, align_to_frames, read_sidecar, read_subtitle_stream, sidecar_files,
};
use crate::timeline::FrameTimes;

/// Where a stage finds the video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoSource {
    /// A string field with a file path.
    Path(String),
    /// A bytes field with the encoded file.
    Bytes(String),
}

impl Default for VideoSource {
    fn default() -> Self {
        VideoSource::Path("path".into())
    }
}

fn with_file<T>(
    r: &Record,
    src: &VideoSource,
    max_bytes: Option<u64>,
    f: impl FnOnce(&std::path::Path) -> Result<T, RecordError>,
) -> Result<T, RecordError> {
    match src {
        VideoSource::Path(field) => f(std::path::Path::new(r.str(field)?)),
        VideoSource::Bytes(field) => {
            let b = r.bytes(field)?;
            if let Some(l) = max_bytes
                && b.len() as u64 > l
            {
                return Err(RecordError::limit(format!(
                    "{field}: {} bytes, limit {l}",
                    b.len()
                )));
            }
            let mut tmp = tempfile::NamedTempFile::new()
                .map_err(|e| RecordError::process(format!("temporary file: {e}")))?;
            tmp.write_all(b)
                .map_err(|e| RecordError::process(format!("temporary file: {e}")))?;
            f(tmp.path())
        }
    }
}

/// Adds `duration_s`, `width`, `height`, `fps`, `codec`, `container`, `rotation` and
/// `has_audio` from [`probe_checked`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProbeVideoStage {
    /// Where the video is (`path` field).
    pub source: VideoSource,
    /// Limits.
    pub limits: Limits,
}

impl ProbeVideoStage {
    /// Reads the video from `source`.
    pub fn new(source: VideoSource) -> Self {
        ProbeVideoStage {
            source,
            limits: Limits::default(),
        }
    }
}

impl Stage for ProbeVideoStage {
    fn name(&self) -> &str {
        "probe_video"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let info = with_file(r, &self.source, self.limits.max_bytes, |p| {
            Ok(probe_checked(p, &self.limits)?)
        })?;
        let v = info
            .video()
            .ok_or_else(|| RecordError::parse("no video stream"))?;
        let (w, h, fps, codec, rot) = (
            v.width,
            v.height,
            v.fps.unwrap_or(0.0),
            v.stream.codec.clone(),
            v.rotation,
        );
        r.set("duration_s", info.duration_s.unwrap_or(0.0));
        r.set("width", u64::from(w));
        r.set("height", u64::from(h));
        r.set("fps", fps);
        r.set("codec", codec);
        r.set("container", info.container.clone());
        r.set("rotation", rot);
        r.set("has_audio", info.best_audio.is_some());
        Ok(Action::Keep)
    }
}

/// Adds `fps`, `frames`, `cuts_frames` and `cuts_seconds` from [`detect_shots`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DetectShotsStage {
    /// Where the video is (`path` field).
    pub source: VideoSource,
    /// Detector settings (content detector, PySceneDetect defaults).
    pub config: ShotConfig,
}

impl DetectShotsStage {
    /// Reads the video from `source` and detects with `config`.
    pub fn new(source: VideoSource, config: ShotConfig) -> Self {
        DetectShotsStage { source, config }
    }
}

impl Stage for DetectShotsStage {
    fn name(&self) -> &str {
        "detect_shots"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let s = with_file(r, &self.source, self.config.limits.max_bytes, |p| {
            Ok(detect_shots(p, &self.config)?)
        })?;
        r.set("fps", s.fps);
        r.set("frames", s.frames);
        r.set(
            "cuts_frames",
            Value::List(s.cuts_frames.iter().map(|&c| Value::UInt(c)).collect()),
        );
        r.set(
            "cuts_seconds",
            Value::List(s.cuts_seconds.iter().map(|&c| Value::Float(c)).collect()),
        );
        Ok(Action::Keep)
    }
}

fn cue_value(c: &Cue, span: Option<FrameSpan>) -> Value {
    let mut fields = vec![
        ("start_s".to_string(), Value::Float(c.start_s)),
        ("end_s".to_string(), Value::Float(c.end_s)),
        ("text".to_string(), Value::Str(c.text.clone())),
    ];
    if let Some(s) = span {
        fields.push(("first_frame".into(), Value::UInt(s.first)));
        fields.push(("last_frame".into(), Value::UInt(s.last)));
    }
    Value::Struct(fields)
}

/// Cues stored by [`ReadSubtitlesStage`] (a list of structs with `start_s`, `end_s`, `text`).
fn cues_of(r: &Record, field: &str) -> Result<Vec<Cue>, RecordError> {
    let Some(v) = r.get(field) else {
        return Ok(Vec::new());
    };
    let list = v
        .as_list()
        .ok_or_else(|| RecordError::parse(format!("{field}: expected a list of cues")))?;
    list.iter()
        .map(|c| {
            let s = c
                .as_struct()
                .ok_or_else(|| RecordError::parse(format!("{field}: a cue is not a struct")))?;
            let get = |k: &str| s.iter().find(|(n, _)| n == k).map(|(_, v)| v);
            let num = |k: &str| {
                get(k)
                    .and_then(Value::as_f64)
                    .ok_or_else(|| RecordError::parse(format!("{field}: cue without {k}")))
            };
            Ok(Cue::new(
                num("start_s")?,
                num("end_s")?,
                get("text").and_then(Value::as_str).unwrap_or(""),
            ))
        })
        .collect()
}

/// Reads a video's subtitles into a list field (`subtitles`): each cue a struct of `start_s`,
/// `end_s`, `text` and, when frames start during it, `first_frame` / `last_frame` (inclusive,
/// from the file's packet timestamps, see [`align_to_frames`]). The first text subtitle stream
/// is used (or stream `stream`), else, for a path source, the first sidecar `.srt` / `.vtt`
/// next to the video. Also sets `subtitle_source` (`stream:N`, the sidecar path, or null). A
/// video without subtitles keeps an empty list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReadSubtitlesStage {
    /// Where the video is (`path` field).
    pub source: VideoSource,
    /// A specific subtitle stream index (None: the first subtitle stream).
    pub stream: Option<usize>,
    /// Look for sidecar files when the container has no subtitle stream (true).
    pub sidecar: bool,
    /// Largest sidecar file read, in bytes (16 MiB).
    pub max_sidecar_bytes: u64,
    /// Output field (`subtitles`).
    pub field: String,
    /// Limits checked on the video.
    pub limits: Limits,
}

impl Default for ReadSubtitlesStage {
    fn default() -> Self {
        ReadSubtitlesStage {
            source: VideoSource::default(),
            stream: None,
            sidecar: true,
            max_sidecar_bytes: 16 << 20,
            field: "subtitles".into(),
            limits: Limits::default(),
        }
    }
}

impl ReadSubtitlesStage {
    /// Reads the video from `source`.
    pub fn new(source: VideoSource) -> Self {
        ReadSubtitlesStage {
            source,
            ..Default::default()
        }
    }
}

impl Stage for ReadSubtitlesStage {
    fn name(&self) -> &str {
        "read_subtitles"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let sidecar = self.sidecar && matches!(self.source, VideoSource::Path(_));
        let (track, frames) = with_file(r, &self.source, self.limits.max_bytes, |p| {
            let info = probe_checked(p, &self.limits)?;
            let track = if self.stream.is_some() || info.has_subtitles() {
                Some(read_subtitle_stream(p, self.stream)?)
            } else if sidecar {
                match sidecar_files(p)?.first() {
                    Some((s, _)) => Some(read_sidecar(s, self.max_sidecar_bytes)?),
                    None => None,
                }
            } else {
                None
            };
            let frames = match &track {
                Some(t) if !t.cues.is_empty() => Some(FrameTimes::scan(p)?),
                _ => None,
            };
            Ok((track, frames))
        })?;
        let (list, src) = match &track {
            Some(t) => {
                let spans = frames
                    .as_ref()
                    .map(|f| align_to_frames(&t.cues, f))
                    .unwrap_or_default();
                let list = t
                    .cues
                    .iter()
                    .enumerate()
                    .map(|(i, c)| cue_value(c, spans.get(i).copied().flatten()))
                    .collect();
                let src = match &t.source {
                    SubtitleSource::Stream { index } => Value::Str(format!("stream:{index}")),
                    SubtitleSource::Sidecar { path } => Value::Str(path.display().to_string()),
                };
                (list, src)
            }
            None => (Vec::new(), Value::Null),
        };
        r.set(self.field.clone(), Value::List(list));
        r.set("subtitle_source", src);
        Ok(Action::Keep)
    }
}

/// Cuts a video into clips ([`write_clips`]) and replaces the record by one record per clip,
/// keyed `{key}_{i:04}`, with `path` (the clip file), `source`, `scene`, `start_s`, `end_s`,
/// `requested_start_s`, `requested_end_s`, `start_frame`, `frames`, `precision`, and, when the
/// record has cues in `subtitles_field` (from [`ReadSubtitlesStage`]), the clip's cues re-based to
/// its start. Spans are the scenes of the record's `cuts_field` (from [`DetectShotsStage`]; the whole
/// video when absent) or fixed-length pieces. Clips go to `output_dir/<key>/clip-NNNN.<ext>`.
/// A video with no clip left after the length rules is dropped (`no_clips`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClipVideoStage {
    /// Where the video is (`path` field).
    pub source: VideoSource,
    /// Root directory of the clips.
    pub output_dir: std::path::PathBuf,
    /// Lengths, precision, encoder, container.
    pub clips: ClipConfig,
    /// Fixed-length spans of this many seconds instead of scenes (None).
    pub fixed_length_s: Option<f64>,
    /// Field with the cut times in seconds (`cuts_seconds`).
    pub cuts_field: String,
    /// Field with cues to distribute over the clips (`subtitles`).
    pub subtitles_field: String,
}

impl ClipVideoStage {
    /// Clips of the video in `source`, written under `output_dir`.
    pub fn new(
        source: VideoSource,
        output_dir: impl Into<std::path::PathBuf>,
        clips: ClipConfig,
    ) -> Self {
        ClipVideoStage {
            source,
            output_dir: output_dir.into(),
            clips,
            fixed_length_s: None,
            cuts_field: "cuts_seconds".into(),
            subtitles_field: "subtitles".into(),
        }
    }
    /// Fixed-length spans instead of scenes.
    pub fn with_fixed_length(mut self, seconds: f64) -> Self {
        self.fixed_length_s = Some(seconds);
        self
    }
}

/// A key usable as a directory name.
fn safe_name(key: &str) -> String {
    let s: String = key
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '.') {
        "video".into()
    } else {
        s
    }
}

impl Stage for ClipVideoStage {
    fn name(&self) -> &str {
        "clip_video"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let cuts: Option<Vec<f64>> = match r.get(&self.cuts_field) {
            Some(Value::List(l)) => Some(l.iter().filter_map(Value::as_f64).collect()),
            _ => None,
        };
        let cues = cues_of(r, &self.subtitles_field)?;
        let dir = self.output_dir.join(safe_name(r.key()));
        let source = match &self.source {
            VideoSource::Path(f) => r.str(f)?.to_string(),
            VideoSource::Bytes(f) => format!("<bytes field {f}>"),
        };
        let reports = with_file(r, &self.source, self.clips.encode.limits.max_bytes, |p| {
            probe_checked(p, &self.clips.encode.limits)?;
            let end = FrameTimes::scan(p)?.end_s;
            let spans = match (self.fixed_length_s, &cuts) {
                (Some(l), _) => fixed_spans(end, l)?,
                (None, Some(c)) => spans_from_cuts(c, end),
                (None, None) => vec![(0.0, end)],
            };
            Ok(write_clips(p, &spans, &dir, &self.clips)?)
        })?;
        if reports.is_empty() {
            return Ok(Action::drop("no_clips"));
        }
        let out = reports
            .iter()
            .map(|c| {
                let mut rec = Record::new()
                    .with_key(format!("{}_{:04}", r.key(), c.index))
                    .with("path", c.path.display().to_string())
                    .with("source", source.clone())
                    .with("scene", c.span as u64)
                    .with("start_s", c.start_s)
                    .with("end_s", c.end_s)
                    .with("requested_start_s", c.requested_start_s)
                    .with("requested_end_s", c.requested_end_s)
                    .with("start_frame", c.start_frame)
                    .with("frames", c.frames)
                    .with(
                        "precision",
                        match c.precision {
                            ClipPrecision::Low => "low",
                            ClipPrecision::KeyframeAdjusted => "keyframe_adjusted",
                            ClipPrecision::Exact => "exact",
                        },
                    );
                if r.contains(&self.subtitles_field) {
                    let list = rebase_cues(&cues, c.start_s, c.end_s)
                        .iter()
                        .map(|q| cue_value(q, None))
                        .collect();
                    rec.set(self.subtitles_field.clone(), Value::List(list));
                }
                rec
            })
            .collect();
        Ok(Action::Replace(out))
    }
}

// The names before every stage type ended in `Stage` (CHANGELOG: Unreleased).
/// Renamed to [`ClipVideoStage`].
#[deprecated(since = "0.1.0", note = "renamed to `ClipVideoStage`")]
pub type ClipVideo = ClipVideoStage;
/// Renamed to [`DetectShotsStage`].
#[deprecated(since = "0.1.0", note = "renamed to `DetectShotsStage`")]
pub type DetectShots = DetectShotsStage;
/// Renamed to [`ProbeVideoStage`].
#[deprecated(since = "0.1.0", note = "renamed to `ProbeVideoStage`")]
pub type ProbeVideo = ProbeVideoStage;
/// Renamed to [`ReadSubtitlesStage`].
#[deprecated(since = "0.1.0", note = "renamed to `ReadSubtitlesStage`")]
pub type ReadSubtitles = ReadSubtitlesStage;
