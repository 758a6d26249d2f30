//! [`Stage`] adapters: a record holds a video as a path (string field `path`) or as encoded bytes
//! (bytes field `video`, spooled to a temporary file because FFmpeg's safe API opens paths);
//! stages add probe metadata or shot cuts. A bad video is a per-record error.

use std::io::Write;

use dataprep_core::{Action, Context, Record, RecordError, Stage, Value, config_json};
use serde::{Deserialize, Serialize};

use crate::probe::{Limits, probe_checked};
use crate::scene::{ShotConfig, detect_shots};

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
pub struct ProbeVideo {
    /// Where the video is (`path` field).
    pub source: VideoSource,
    /// Limits.
    pub limits: Limits,
}

impl ProbeVideo {
    /// Reads the video from `source`.
    pub fn new(source: VideoSource) -> Self {
        ProbeVideo {
            source,
            limits: Limits::default(),
        }
    }
}

impl Stage for ProbeVideo {
    fn name(&self) -> &str {
        "probe_video"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        env!("CARGO_PKG_VERSION")
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
pub struct DetectShots {
    /// Where the video is (`path` field).
    pub source: VideoSource,
    /// Detector settings (content detector, PySceneDetect defaults).
    pub config: ShotConfig,
}

impl DetectShots {
    /// Reads the video from `source` and detects with `config`.
    pub fn new(source: VideoSource, config: ShotConfig) -> Self {
        DetectShots { source, config }
    }
}

impl Stage for DetectShots {
    fn name(&self) -> &str {
        "detect_shots"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        env!("CARGO_PKG_VERSION")
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
