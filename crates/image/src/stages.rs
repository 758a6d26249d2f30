//! [`Stage`] adapters over the plain functions: encoded image bytes in, encoded bytes, tensors,
//! hashes, scores and metadata out.
//!
//! Field conventions: encoded image in a bytes field (`image` by default); the output bytes
//! replace it (or go to another field); metadata fields `width`, `height` (after orientation),
//! `output_width`, `output_height`, `orientation`, `source_format`, `exif` (a struct), `ahash`,
//! `dhash`, `phash` (imagehash's 16 hex digits), `pixel_hash`; quality scores under the stage's
//! name in the record's scores. A bad image is a per-record error.

use dataprep_core::{
    Action, Context, Decision, Record, RecordError, Stage, StatefulStage, Tensor, Value,
    config_json,
};
use serde::{Deserialize, Serialize};

use crate::augment::{Augment, augment};
use crate::decode::{DecodeOptions, decode};
use crate::encode::{EncodeOptions, encode};
use crate::exif::ExifInfo;
use crate::hash::{BkTree, ImageHash};
use crate::normalize::{ClassificationPreset, Layout, MeanStd, to_tensor};
use crate::prepare::{PrepareConfig, prepare};
use crate::quality::{QualityConfig, QualityScores, check_quality, quality_scores};
use crate::resize::{ResizeConfig, resize};

/// The EXIF summary as a record struct (`make`, `model`, `datetime`, `latitude`, `longitude`,
/// `altitude`, `orientation`; absent values are null).
pub fn exif_value(e: &ExifInfo) -> Value {
    let s = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Str);
    let f = |v: Option<f64>| v.map_or(Value::Null, Value::Float);
    Value::Struct(vec![
        ("make".into(), s(&e.make)),
        ("model".into(), s(&e.model)),
        ("datetime".into(), s(&e.datetime)),
        ("latitude".into(), f(e.gps.map(|g| g.latitude))),
        ("longitude".into(), f(e.gps.map(|g| g.longitude))),
        ("altitude".into(), f(e.gps.and_then(|g| g.altitude))),
        (
            "orientation".into(),
            e.orientation
                .map_or(Value::Null, |o| Value::UInt(u64::from(o))),
        ),
    ])
}

fn set_scores(r: &mut Record, stage: &str, s: &QualityScores) {
    r.set_score(stage, "width", f64::from(s.width));
    r.set_score(stage, "height", f64::from(s.height));
    r.set_score(stage, "aspect_ratio", s.aspect_ratio);
    r.set_score(stage, "laplacian_var", s.laplacian_var);
    r.set_score(stage, "grey_std", s.grey_std);
    r.set_score(stage, "dominant_fraction", s.dominant_fraction);
}

/// Decode → orient → hashes → quality → resize → encode, in one stage ([`prepare`]).
/// Drops the record with the quality reason when `drop_low_quality` is set (scores are attached
/// either way).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrepareImageStage {
    /// Bytes field with the encoded image (`image`).
    pub input: String,
    /// Field for the encoded output (`image`, replacing the input).
    pub output: String,
    /// The chain's settings.
    pub config: PrepareConfig,
    /// Drop records that fail the quality checks (true).
    pub drop_low_quality: bool,
}

impl Default for PrepareImageStage {
    fn default() -> Self {
        PrepareImageStage {
            input: "image".into(),
            output: "image".into(),
            config: PrepareConfig::default(),
            drop_low_quality: true,
        }
    }
}

impl PrepareImageStage {
    /// A stage with `config`.
    pub fn new(config: PrepareConfig) -> Self {
        PrepareImageStage {
            config,
            ..Default::default()
        }
    }
    /// Sets the field read (the encoded image bytes).
    pub fn with_field(mut self, f: impl Into<String>) -> Self {
        self.input = f.into();
        self
    }
    /// Sets the field read.
    #[deprecated(since = "0.1.0", note = "renamed to `with_field`")]
    pub fn with_input(self, f: impl Into<String>) -> Self {
        self.with_field(f)
    }
    /// Sets the output field.
    pub fn with_output(mut self, f: impl Into<String>) -> Self {
        self.output = f.into();
        self
    }
    /// Keeps low-quality records (scores still attached).
    pub fn with_drop_low_quality(mut self, on: bool) -> Self {
        self.drop_low_quality = on;
        self
    }
}

impl Stage for PrepareImageStage {
    fn name(&self) -> &str {
        "prepare_image"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, cx: &Context) -> Result<Action, RecordError> {
        let p = prepare(r.bytes(&self.input)?, &self.config)?;
        r.set(self.output.clone(), Value::Bytes(p.bytes));
        r.set("source_format", p.source_format);
        r.set("width", Value::UInt(u64::from(p.width)));
        r.set("height", Value::UInt(u64::from(p.height)));
        r.set("output_width", Value::UInt(u64::from(p.output_width)));
        r.set("output_height", Value::UInt(u64::from(p.output_height)));
        r.set("orientation", Value::UInt(u64::from(p.orientation)));
        r.set("exif", p.exif.as_ref().map_or(Value::Null, exif_value));
        if let Some(h) = &p.hashes {
            r.set("ahash", h.ahash.to_string());
            r.set("dhash", h.dhash.to_string());
            r.set("phash", h.phash.to_string());
            r.set("pixel_hash", h.pixel.clone());
        }
        set_scores(r, cx.stage(), &p.scores);
        Ok(match p.drop_reason {
            Some(reason) if self.drop_low_quality => Action::drop(reason),
            _ => Action::Keep,
        })
    }
}

/// Quality filter on encoded bytes: scores attached, drop with `too_small`, `aspect_ratio`,
/// `blurry` or `uniform`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageQualityStage {
    /// Bytes field (`image`).
    pub input: String,
    /// Decoding options.
    pub decode: DecodeOptions,
    /// Thresholds.
    pub quality: QualityConfig,
}

impl ImageQualityStage {
    /// A filter with thresholds `quality` on the `image` field.
    pub fn new(quality: QualityConfig) -> Self {
        ImageQualityStage {
            input: "image".into(),
            decode: DecodeOptions::default(),
            quality,
        }
    }
}

impl Stage for ImageQualityStage {
    fn name(&self) -> &str {
        "image_quality"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, cx: &Context) -> Result<Action, RecordError> {
        let d = decode(r.bytes(&self.input)?, &self.decode)?;
        let s = quality_scores(&d.image);
        set_scores(r, cx.stage(), &s);
        Ok(match check_quality(&s, &self.quality) {
            Decision::Keep => Action::Keep,
            Decision::Drop(reason) => Action::Drop(reason),
        })
    }
}

/// Encoded bytes → normalised `f32` tensor: with `preset` the torchvision classification
/// preset, otherwise optional resizing then `(v / 255 − mean) / std`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageToTensorStage {
    /// Bytes field (`image`).
    pub input: String,
    /// Tensor field (`pixel_values`).
    pub output: String,
    /// Decoding options.
    pub decode: DecodeOptions,
    /// torchvision's classification preset (Some(default)).
    pub preset: Option<ClassificationPreset>,
    /// Resize before normalising, when no preset.
    pub resize: Option<ResizeConfig>,
    /// Normalisation when no preset (ImageNet).
    pub norm: MeanStd,
    /// Layout when no preset (CHW).
    pub layout: Layout,
    /// Remove the input bytes (false).
    pub drop_input: bool,
}

impl Default for ImageToTensorStage {
    fn default() -> Self {
        ImageToTensorStage {
            input: "image".into(),
            output: "pixel_values".into(),
            decode: DecodeOptions::default(),
            preset: Some(ClassificationPreset::default()),
            resize: None,
            norm: MeanStd::IMAGENET,
            layout: Layout::Chw,
            drop_input: false,
        }
    }
}

impl ImageToTensorStage {
    /// Without the preset: optional resize, then `norm` in `layout`.
    pub fn custom(resize: Option<ResizeConfig>, norm: MeanStd, layout: Layout) -> Self {
        ImageToTensorStage {
            preset: None,
            resize,
            norm,
            layout,
            ..Default::default()
        }
    }
}

impl Stage for ImageToTensorStage {
    fn name(&self) -> &str {
        "image_to_tensor"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let d = decode(r.bytes(&self.input)?, &self.decode)?;
        let t = match &self.preset {
            Some(p) => p.apply(&d.image)?,
            None => {
                let img = match &self.resize {
                    Some(c) => resize(&d.image, c)?,
                    None => d.image,
                };
                to_tensor(&img, self.layout, &self.norm)?
            }
        };
        let shape = t.shape().to_vec();
        let data: Vec<f32> = t.into_iter().collect();
        let t = Tensor::f32(shape, data).map_err(|e| RecordError::process(e.to_string()))?;
        if self.drop_input {
            r.remove(&self.input);
        }
        r.set(self.output.clone(), Value::Tensor(t));
        Ok(Action::Keep)
    }
}

/// Seeded augmentation of encoded bytes: the record's RNG (root seed, stage, record key) drives
/// [`augment`], so the output depends only on the record and the seed; re-encoded with `encode`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AugmentImageStage {
    /// Bytes field (`image`), replaced by the augmented image.
    pub field: String,
    /// Decoding options.
    pub decode: DecodeOptions,
    /// The augmentation recipe.
    pub augment: Augment,
    /// Output encoding.
    pub encode: EncodeOptions,
}

impl AugmentImageStage {
    /// A stage applying `augment` to the `image` field.
    pub fn new(augment: Augment) -> Self {
        AugmentImageStage {
            field: "image".into(),
            decode: DecodeOptions::default(),
            augment,
            encode: EncodeOptions::default(),
        }
    }
}

impl Stage for AugmentImageStage {
    fn name(&self) -> &str {
        "augment_image"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&self, r: &mut Record, cx: &Context) -> Result<Action, RecordError> {
        let d = decode(r.bytes(&self.field)?, &self.decode)?;
        let mut rng = cx.rng(r);
        let out = augment(&d.image, &self.augment, &mut rng)?;
        r.set(
            self.field.clone(),
            Value::Bytes(encode(&out, &self.encode, None)?),
        );
        Ok(Action::Keep)
    }
}

/// Near-duplicate grouping in input order over a hash field (`phash`, 16 hex digits): each record
/// gets `duplicate_group`, the key of the first record within `max_distance` bits (its own key
/// when none). With `drop_duplicates`, all but the first of a group are dropped (`near_duplicate`).
#[derive(Debug, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NearDuplicatesStage {
    /// Hash field (`phash`).
    pub field: String,
    /// Largest Hamming distance of a duplicate (8).
    pub max_distance: u32,
    /// Drop duplicates after the first (false).
    pub drop_duplicates: bool,
    #[serde(skip)]
    tree: BkTree,
    #[serde(skip)]
    groups: Vec<String>,
}

impl NearDuplicatesStage {
    /// Groups on `field` within `max_distance` bits.
    pub fn new(field: impl Into<String>, max_distance: u32) -> Self {
        NearDuplicatesStage {
            field: field.into(),
            max_distance,
            ..Default::default()
        }
    }
    /// Drops the duplicates after the first of each group.
    pub fn with_drop_duplicates(mut self, on: bool) -> Self {
        self.drop_duplicates = on;
        self
    }
}

impl StatefulStage for NearDuplicatesStage {
    fn name(&self) -> &str {
        "near_duplicates"
    }
    fn config(&self) -> serde_json::Value {
        config_json(self)
    }
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }
    fn process(&mut self, r: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let h = ImageHash::from_hex(r.str(&self.field)?)?;
        // The earliest group within reach (ids are insertion order).
        let found = self
            .tree
            .within(h, self.max_distance)
            .first()
            .map(|&(id, _)| id);
        let group = match found {
            Some(id) => self.groups[id].clone(),
            None => r.key().to_string(),
        };
        let id = self.groups.len();
        self.groups.push(group.clone());
        self.tree.insert(h, id);
        r.set("duplicate_group", group);
        Ok(if found.is_some() && self.drop_duplicates {
            Action::drop("near_duplicate")
        } else {
            Action::Keep
        })
    }
}

// The names before every stage type ended in `Stage` (CHANGELOG: Unreleased).
/// Renamed to [`AugmentImageStage`].
#[deprecated(since = "0.1.0", note = "renamed to `AugmentImageStage`")]
pub type AugmentImage = AugmentImageStage;
/// Renamed to [`ImageToTensorStage`].
#[deprecated(since = "0.1.0", note = "renamed to `ImageToTensorStage`")]
pub type ImageToTensor = ImageToTensorStage;
/// Renamed to [`PrepareImageStage`].
#[deprecated(since = "0.1.0", note = "renamed to `PrepareImageStage`")]
pub type PrepareImage = PrepareImageStage;
/// Renamed to [`NearDuplicatesStage`].
#[deprecated(since = "0.1.0", note = "renamed to `NearDuplicatesStage`")]
pub type NearDuplicates = NearDuplicatesStage;
/// Renamed to [`ImageQualityStage`].
#[deprecated(since = "0.1.0", note = "renamed to `ImageQualityStage`")]
pub type ImageQualityFilter = ImageQualityStage;
