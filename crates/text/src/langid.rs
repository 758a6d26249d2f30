//! Language identification with an embedded model (nothing is downloaded).
//!
//! Two embedded detectors: [`whatlang`] (69 languages, trigram profiles, fast) and, with the
//! Cargo feature `lingua` (on by default), lingua (the languages whose lingua features are
//! enabled, 12 by default; more accurate on short and mixed texts, 5–7× slower). The stages'
//! default is `Backend::Hybrid` with the feature (whatlang when it is reliable, lingua
//! otherwise: ≥ 95 % agreement with lingua on real multilingual documents) and
//! `Backend::Whatlang` without; `detect`/`detect_among` are whatlang, `detect_lingua` and
//! `detect_hybrid` the others. See `docs/text.md` for the measurements. Languages are ISO 639-3 codes (`eng`, `deu`, `cmn`, …) whichever the backend.
//!
//! ```
//! use dataprep_text::langid::detect;
//! let d = detect("Le renard brun rapide saute par-dessus le chien paresseux.").unwrap();
//! assert_eq!(d.language, "fra");
//! assert!(d.confidence > 0.65);
//! ```

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Decision, Record, RecordError, Stage, Value};
use serde::{Deserialize, Serialize};

use crate::segment::paragraphs;

/// The default keep threshold of [`LanguageFilterStage`] (as datatrove's `LanguageFilterStage`).
pub const DEFAULT_THRESHOLD: f64 = 0.65;

/// A detected language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Detection {
    /// ISO 639-3 code.
    pub language: String,
    /// Confidence in `0.0..=1.0`.
    pub confidence: f64,
    /// The writing system (`Latin`, `Cyrillic`, …).
    pub script: String,
}

/// Detects the language of a text; `None` when the text has no letters to judge by.
///
/// Never panics, whatever the input.
pub fn detect(text: &str) -> Option<Detection> {
    let info = whatlang::detect(text)?;
    Some(Detection {
        language: info.lang().code().to_owned(),
        confidence: info.confidence(),
        script: info.script().name().to_owned(),
    })
}

/// Detects the language of a text among candidate languages (ISO 639-3 codes; unknown codes are
/// ignored, an empty list means all 69). Restricting the candidates to the languages a corpus
/// can contain is both more accurate and faster (see `docs/text.md`).
///
/// ```
/// use dataprep_text::langid::detect_among;
/// let d = detect_among("Het regent weer.", &["nld", "eng", "deu"]).unwrap();
/// assert_eq!(d.language, "nld");
/// ```
pub fn detect_among<S: AsRef<str>>(text: &str, candidates: &[S]) -> Option<Detection> {
    let langs: Vec<whatlang::Lang> = candidates
        .iter()
        .filter_map(|c| whatlang::Lang::from_code(c.as_ref()))
        .collect();
    if langs.is_empty() {
        return detect(text);
    }
    let info = whatlang::Detector::with_allowlist(langs).detect(text)?;
    Some(Detection {
        language: info.lang().code().to_owned(),
        confidence: info.confidence(),
        script: info.script().name().to_owned(),
    })
}

/// The language detector the stages use.
///
/// The default is [`Backend::Hybrid`] when the Cargo feature `lingua` is on (a default feature),
/// [`Backend::Whatlang`] otherwise. In a serialised configuration a missing `backend` means
/// `whatlang` (what it meant before the hybrid existed), and `whatlang` is not written, so the
/// fingerprints of whatlang configurations are unchanged; `hybrid` and `lingua` are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Backend {
    /// whatlang: 69 languages, fast ([`detect`], [`detect_among`]).
    #[cfg_attr(not(feature = "lingua"), default)]
    Whatlang,
    /// lingua, high-accuracy mode: the languages compiled in (Cargo feature `lingua`;
    /// `detect_lingua`, `detect_lingua_among`).
    #[cfg(feature = "lingua")]
    Lingua,
    /// whatlang's answer when whatlang finds it reliable (confidence above
    /// `HYBRID_WHATLANG_CONFIDENCE` = 0.9, whatlang's own `is_reliable`), lingua
    /// (high accuracy) otherwise; `detect_hybrid`. 97.6 % agreement with lingua on real
    /// documents at 5–6× lingua's speed (docs/text.md). Cargo feature `lingua`.
    #[cfg(feature = "lingua")]
    #[default]
    Hybrid,
}

impl Backend {
    /// Every backend name [`FromStr`](std::str::FromStr) accepts, whether or not this build has
    /// it (`lingua` and `hybrid` need the Cargo feature `lingua`).
    pub const NAMES: [&'static str; 3] = ["whatlang", "lingua", "hybrid"];

    /// The backend's name, as serde and [`FromStr`](std::str::FromStr) spell it.
    ///
    /// ```
    /// use dataprep_text::langid::Backend;
    /// assert_eq!(Backend::Whatlang.name(), "whatlang");
    /// assert_eq!("whatlang".parse::<Backend>()?, Backend::Whatlang);
    /// # Ok::<(), dataprep_text::Error>(())
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Whatlang => "whatlang",
            #[cfg(feature = "lingua")]
            Self::Lingua => "lingua",
            #[cfg(feature = "lingua")]
            Self::Hybrid => "hybrid",
        }
    }

    /// What a serialised configuration without `backend` means.
    pub(crate) fn absent() -> Self {
        Self::Whatlang
    }

    pub(crate) fn is_absent(&self) -> bool {
        *self == Self::absent()
    }

    /// Detects the language of a text with this backend.
    pub fn detect(self, text: &str) -> Option<Detection> {
        match self {
            Self::Whatlang => detect(text),
            #[cfg(feature = "lingua")]
            Self::Lingua => detect_lingua(text),
            #[cfg(feature = "lingua")]
            Self::Hybrid => detect_hybrid(text),
        }
    }

    /// Detects the language of a text among candidates (ISO 639-3; unknown codes are ignored,
    /// none known means every language of the backend).
    pub fn detect_among<S: AsRef<str>>(self, text: &str, candidates: &[S]) -> Option<Detection> {
        match self {
            Self::Whatlang => detect_among(text, candidates),
            #[cfg(feature = "lingua")]
            Self::Lingua => detect_lingua_among(text, candidates),
            #[cfg(feature = "lingua")]
            Self::Hybrid => detect_hybrid_among(text, candidates),
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = crate::Error;

    /// Parses a name of [`Backend::NAMES`]; a backend this build lacks is a
    /// [`Config`](crate::Error::Config) error saying which feature brings it.
    fn from_str(name: &str) -> crate::Result<Self> {
        match name {
            "whatlang" => Ok(Self::Whatlang),
            #[cfg(feature = "lingua")]
            "lingua" => Ok(Self::Lingua),
            #[cfg(feature = "lingua")]
            "hybrid" => Ok(Self::Hybrid),
            #[cfg(not(feature = "lingua"))]
            "lingua" | "hybrid" => Err(crate::Error::Config(format!(
                "this build has no `{name}` language-ID backend: enable the Cargo feature `lingua` \
                 (of dataprep-text, or `--features dataprep/lingua` through the facade)"
            ))),
            _ => Err(crate::Error::Config(format!(
                "unknown language-ID backend `{name}` (one of {})",
                Self::NAMES.join(", ")
            ))),
        }
    }
}

#[cfg(feature = "lingua")]
mod lingua_backend {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};

    use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};

    use super::Detection;

    /// lingua's ISO 639-3 codes that whatlang (and so this module) spells otherwise.
    const ALIASES: [(&str, &str); 2] = [("zho", "cmn"), ("fas", "pes")];

    fn code(lang: Language) -> String {
        let c = lang.iso_code_639_3().to_string();
        ALIASES
            .iter()
            .find(|(l, _)| *l == c)
            .map_or(c, |(_, w)| (*w).to_owned())
    }

    fn language(code_639_3: &str) -> Option<Language> {
        Language::all().into_iter().find(|&l| code(l) == code_639_3)
    }

    fn build(languages: &[Language]) -> LanguageDetector {
        LanguageDetectorBuilder::from_languages(languages)
            .with_preloaded_language_models()
            .build()
    }

    fn all() -> &'static LanguageDetector {
        static ALL: OnceLock<LanguageDetector> = OnceLock::new();
        ALL.get_or_init(|| build(&Language::all().into_iter().collect::<Vec<_>>()))
    }

    fn among(mut langs: Vec<Language>) -> Arc<LanguageDetector> {
        type Cache = Mutex<HashMap<Vec<Language>, Arc<LanguageDetector>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        langs.sort();
        langs.dedup();
        let cache = CACHE.get_or_init(Cache::default);
        let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(map.entry(langs).or_insert_with_key(|l| Arc::new(build(l))))
    }

    fn run(detector: &LanguageDetector, text: &str) -> Option<Detection> {
        let (lang, confidence) = detector
            .compute_language_confidence_values(text)
            .into_iter()
            .next()?;
        (confidence > 0.0).then(|| Detection {
            language: code(lang),
            confidence: settle(confidence),
            script: whatlang::detect_script(text).map_or_else(String::new, |s| s.name().to_owned()),
        })
    }

    /// lingua normalises by a sum taken in `HashMap` order, which is random per call, so its
    /// confidence moves in the last bits from call to call. Rounded to 1e-6 it is the same
    /// every time (a jitter of a few ulps crosses a rounding boundary about once in 10^9 calls).
    fn settle(confidence: f64) -> f64 {
        (confidence * 1e6).round() / 1e6
    }

    pub(super) fn detect(text: &str) -> Option<Detection> {
        run(all(), text)
    }

    pub(super) fn detect_among<S: AsRef<str>>(text: &str, candidates: &[S]) -> Option<Detection> {
        let langs: Vec<Language> = candidates
            .iter()
            .filter_map(|c| language(c.as_ref()))
            .collect();
        if langs.is_empty() {
            return detect(text);
        }
        run(&among(langs), text)
    }

    /// Whether every candidate that whatlang or lingua knows is compiled into lingua (so that
    /// lingua can choose among the same languages as whatlang).
    pub(super) fn knows_all<S: AsRef<str>>(candidates: &[S]) -> bool {
        candidates
            .iter()
            .map(AsRef::as_ref)
            .filter(|c| whatlang::Lang::from_code(*c).is_some())
            .all(|c| language(c).is_some())
    }

    pub(super) fn languages() -> Vec<String> {
        let mut v: Vec<String> = Language::all().into_iter().map(code).collect();
        v.sort();
        v
    }
}

/// Detects the language of a text with lingua (high-accuracy mode) among every language compiled
/// in; `None` when the text has no letters to judge by. The confidence is lingua's (the
/// languages' values sum to 1), rounded to six decimals so that it is the same on every call.
/// The models are loaded on the first call (about a second for 12 languages) and shared
/// afterwards.
///
/// ```
/// use dataprep_text::langid::detect_lingua;
/// let d = detect_lingua("Es regnet heute.").unwrap();
/// assert_eq!(d.language, "deu");
/// ```
#[cfg(feature = "lingua")]
pub fn detect_lingua(text: &str) -> Option<Detection> {
    lingua_backend::detect(text)
}

/// [`detect_lingua`] among candidate languages (ISO 639-3; codes not compiled in are ignored,
/// none known means all). One detector per candidate set is built and kept.
#[cfg(feature = "lingua")]
pub fn detect_lingua_among<S: AsRef<str>>(text: &str, candidates: &[S]) -> Option<Detection> {
    lingua_backend::detect_among(text, candidates)
}

/// whatlang's reliability bound, used by [`Backend::Hybrid`]: above it whatlang's answer stands.
#[cfg(feature = "lingua")]
pub const HYBRID_WHATLANG_CONFIDENCE: f64 = 0.9;

/// The hybrid detector ([`Backend::Hybrid`]): whatlang's detection when its confidence is above
/// [`HYBRID_WHATLANG_CONFIDENCE`] (whatlang's `is_reliable`), else lingua's (high accuracy,
/// the languages compiled in). Most documents of a normal length stop at whatlang; short,
/// mixed-script or closely related-language texts go to lingua. A document in a language
/// lingua does not know keeps whatlang's answer only when whatlang is reliable about it
/// (`docs/text.md` measures the cost). lingua reads at most the first
/// [`HYBRID_LINGUA_MAX_BYTES`] of the text, so work stays bounded on huge documents.
///
/// ```
/// use dataprep_text::langid::detect_hybrid;
/// assert_eq!(detect_hybrid("Es regnet heute.").unwrap().language, "deu"); // whatlang: Afrikaans
/// ```
#[cfg(feature = "lingua")]
pub fn detect_hybrid(text: &str) -> Option<Detection> {
    match detect(text) {
        Some(d) if d.confidence > HYBRID_WHATLANG_CONFIDENCE => Some(d),
        w => detect_lingua(lingua_prefix(text)).or(w),
    }
}

/// The most text [`Backend::Hybrid`] gives lingua (bytes, cut back to a character boundary):
/// lingua is the slow part, and its answer on a document is settled long before this.
#[cfg(feature = "lingua")]
pub const HYBRID_LINGUA_MAX_BYTES: usize = 4096;

#[cfg(feature = "lingua")]
fn lingua_prefix(text: &str) -> &str {
    if text.len() <= HYBRID_LINGUA_MAX_BYTES {
        return text;
    }
    let mut end = HYBRID_LINGUA_MAX_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// [`detect_hybrid`] among candidate languages. lingua is asked only when it has every
/// candidate compiled in; otherwise whatlang's answer among the candidates stands.
#[cfg(feature = "lingua")]
pub fn detect_hybrid_among<S: AsRef<str>>(text: &str, candidates: &[S]) -> Option<Detection> {
    match detect_among(text, candidates) {
        Some(d) if d.confidence > HYBRID_WHATLANG_CONFIDENCE => Some(d),
        w if lingua_backend::knows_all(candidates) => {
            detect_lingua_among(lingua_prefix(text), candidates).or(w)
        }
        w => w,
    }
}

/// The ISO 639-3 codes lingua knows in this build, sorted (12 by default: add languages by
/// enabling lingua's own features, e.g. `lingua = { version = "1.8", features = ["swedish"] }`).
#[cfg(feature = "lingua")]
pub fn lingua_languages() -> Vec<String> {
    lingua_backend::languages()
}

/// Detects the language of each paragraph (see [`paragraphs`]), for mixed-language documents.
///
/// ```
/// use dataprep_text::langid::detect_paragraphs;
/// let text = "This first paragraph of the document is written in English, and it is long \
///             enough for the detector to be sure about the language it was written in.\n\n\
///             Dieser zweite Absatz ist dagegen auf Deutsch geschrieben worden, und das erkennt \
///             die Spracherkennung ohne Schwierigkeiten.";
/// let langs: Vec<_> = detect_paragraphs(text).into_iter().map(|(_, d)| d.unwrap().language).collect();
/// assert_eq!(langs, ["eng", "deu"]);
/// ```
pub fn detect_paragraphs(text: &str) -> Vec<(&str, Option<Detection>)> {
    paragraphs(text).map(|p| (p, detect(p))).collect()
}

/// Configuration of [`LanguageIdStage`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct LanguageIdConfig {
    /// The text field (default `text`).
    pub field: String,
    /// The output field for the language code (default `language`); null when undetermined.
    pub output: String,
    /// Also write a list of `{language, confidence}` per paragraph to `<output>_paragraphs`.
    pub per_paragraph: bool,
    /// Candidate languages (ISO 639-3); empty means all of the backend (see [`detect_among`]).
    pub candidates: Vec<String>,
    /// The detector (default [`Backend::Hybrid`] with the `lingua` feature, whatlang without;
    /// absent from a serialised configuration means whatlang, see [`Backend`]).
    #[serde(
        default = "Backend::absent",
        skip_serializing_if = "Backend::is_absent"
    )]
    pub backend: Backend,
}

impl Default for LanguageIdConfig {
    fn default() -> Self {
        Self {
            field: "text".into(),
            output: "language".into(),
            per_paragraph: false,
            candidates: Vec::new(),
            backend: Backend::default(),
        }
    }
}

impl LanguageIdConfig {
    /// Sets the text field read (default `text`).
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Sets the field written with the language code (default `language`).
    #[must_use]
    pub fn with_output(mut self, output: impl Into<String>) -> Self {
        self.output = output.into();
        self
    }

    /// Also writes the languages per paragraph to `<output>_paragraphs`.
    #[must_use]
    pub fn with_per_paragraph(mut self, on: bool) -> Self {
        self.per_paragraph = on;
        self
    }

    /// Restricts detection to these languages (ISO 639-3; empty: all).
    #[must_use]
    pub fn with_candidates<S: Into<String>>(mut self, codes: impl IntoIterator<Item = S>) -> Self {
        self.candidates = codes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the detector.
    #[must_use]
    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }
}

/// A stage that writes the detected language to a field and the confidence as the score
/// `scores.langid.confidence`.
///
/// ```
/// use dataprep_core::{Context, Record, Stage};
/// use dataprep_text::langid::LanguageIdStage;
/// let mut rec = Record::new().with("text", "El rápido zorro marrón salta sobre el perro perezoso.");
/// LanguageIdStage::default().process(&mut rec, &Context::new("langid", 0))?;
/// assert_eq!(rec.str("language")?, "spa");
/// assert!(rec.score("langid", "confidence").unwrap() > 0.5);
/// # Ok::<(), dataprep_core::RecordError>(())
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LanguageIdStage {
    config: LanguageIdConfig,
}

impl LanguageIdStage {
    /// A stage with a configuration.
    pub fn new(config: LanguageIdConfig) -> Self {
        Self { config }
    }

    /// The configuration.
    pub fn config(&self) -> &LanguageIdConfig {
        &self.config
    }
}

fn detection_value(d: Option<&Detection>) -> Value {
    match d {
        None => Value::Null,
        Some(d) => Value::Struct(vec![
            ("language".into(), Value::Str(d.language.clone())),
            ("confidence".into(), Value::Float(d.confidence)),
        ]),
    }
}

impl Stage for LanguageIdStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "langid"
    }

    fn config(&self) -> serde_json::Value {
        config_json(&self.config)
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let text = record.str(&self.config.field)?;
        let cands = &self.config.candidates;
        let backend = self.config.backend;
        let d = backend.detect_among(text, cands);
        let paras = self.config.per_paragraph.then(|| {
            Value::List(
                paragraphs(text)
                    .map(|p| detection_value(backend.detect_among(p, cands).as_ref()))
                    .collect(),
            )
        });
        record.set_score(
            "langid",
            "confidence",
            d.as_ref().map_or(0.0, |d| d.confidence),
        );
        record.set(
            self.config.output.as_str(),
            d.map_or(Value::Null, |d| Value::Str(d.language)),
        );
        if let Some(p) = paras {
            record.set(format!("{}_paragraphs", self.config.output), p);
        }
        Ok(Action::Keep)
    }
}

/// Keeps documents whose detected language is in a set, with a confidence at or above a
/// threshold (default [`DEFAULT_THRESHOLD`] = 0.65, as datatrove). Drop reasons: `language`
/// (another language) and `low_confidence` (or no language detected). The language and the
/// confidence are attached as scores `scores.language_filter.confidence` and the field
/// `language`.
///
/// ```
/// use dataprep_core::{Action, Context, Record, Stage};
/// use dataprep_text::langid::{LanguageFilterConfig, LanguageFilterStage};
/// let filter = LanguageFilterStage::new(LanguageFilterConfig::default().with_languages(["eng"]));
/// let mut en = Record::new().with("text", "The quick brown fox jumps over the lazy dog again and again.");
/// let mut de = Record::new().with("text", "Der schnelle braune Fuchs springt über den faulen Hund.");
/// let cx = Context::new("language_filter", 0);
/// assert!(matches!(filter.process(&mut en, &cx)?, Action::Keep));
/// assert!(matches!(filter.process(&mut de, &cx)?, Action::Drop(_)));
/// # Ok::<(), dataprep_core::RecordError>(())
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LanguageFilterStage {
    config: LanguageFilterConfig,
}

/// The configuration of [`LanguageFilterStage`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct LanguageFilterConfig {
    /// The text field (default `text`).
    pub field: String,
    /// ISO 639-3 codes to keep; empty keeps every language above the threshold.
    pub languages: Vec<String>,
    /// Minimum confidence.
    pub threshold: f64,
    /// The detector (default [`Backend::Hybrid`] with the `lingua` feature, whatlang without;
    /// absent from a serialised configuration means whatlang, see [`Backend`]).
    #[serde(
        default = "Backend::absent",
        skip_serializing_if = "Backend::is_absent"
    )]
    pub backend: Backend,
}

impl Default for LanguageFilterConfig {
    fn default() -> Self {
        Self {
            field: "text".into(),
            languages: Vec::new(),
            threshold: DEFAULT_THRESHOLD,
            backend: Backend::default(),
        }
    }
}

impl LanguageFilterConfig {
    /// Keeps the given languages (ISO 639-3); none (the default) keeps every language.
    #[must_use]
    pub fn with_languages<S: Into<String>>(
        mut self,
        languages: impl IntoIterator<Item = S>,
    ) -> Self {
        self.languages = languages.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the threshold.
    #[must_use]
    pub fn with_threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// Uses another text field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Uses another detector.
    #[must_use]
    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }
}

impl LanguageFilterStage {
    /// A stage with a configuration.
    pub fn new(config: LanguageFilterConfig) -> Self {
        Self { config }
    }

    /// The configuration.
    pub fn config(&self) -> &LanguageFilterConfig {
        &self.config
    }

    /// Sets the threshold.
    #[deprecated(since = "0.1.0", note = "use `LanguageFilterConfig::with_threshold`")]
    #[must_use]
    pub fn with_threshold(mut self, threshold: f64) -> Self {
        self.config.threshold = threshold;
        self
    }

    /// Uses another text field.
    #[deprecated(since = "0.1.0", note = "use `LanguageFilterConfig::with_field`")]
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.config.field = field.into();
        self
    }

    /// Uses another detector.
    #[deprecated(since = "0.1.0", note = "use `LanguageFilterConfig::with_backend`")]
    #[must_use]
    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.config.backend = backend;
        self
    }

    /// The decision for one text, with the detection it is based on.
    pub fn decide(&self, text: &str) -> (Decision, Option<Detection>) {
        let d = self.config.backend.detect(text);
        let decision = match &d {
            None => Decision::drop("low_confidence"),
            Some(d)
                if !self.config.languages.is_empty()
                    && !self.config.languages.contains(&d.language) =>
            {
                Decision::drop("language")
            }
            Some(d) if d.confidence < self.config.threshold => Decision::drop("low_confidence"),
            Some(_) => Decision::Keep,
        };
        (decision, d)
    }
}

impl Stage for LanguageFilterStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "language_filter"
    }

    fn config(&self) -> serde_json::Value {
        config_json(&self.config)
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let text = record.str(&self.config.field)?;
        let (decision, d) = self.decide(text);
        record.set_score(
            "language_filter",
            "confidence",
            d.as_ref().map_or(0.0, |d| d.confidence),
        );
        record.set(
            "language",
            d.map_or(Value::Null, |d| Value::Str(d.language)),
        );
        Ok(decision.into())
    }
}

// The names before every stage type ended in `Stage` (CHANGELOG: Unreleased).
/// Renamed to [`LanguageFilterStage`].
#[deprecated(since = "0.1.0", note = "renamed to `LanguageFilterStage`")]
pub type LanguageFilter = LanguageFilterStage;
