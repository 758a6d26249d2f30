//! Language filter with the embedded detectors of dataprep-text (whatlang, lingua), datatrove's
//! `LanguageFilter` semantics (keep above a confidence threshold, default 0.65).

use serde::{Deserialize, Serialize};

use dataprep_core::Value;
use dataprep_text::langid;

use super::{Decider, FilterResult, MissingScore, QualityFilter, Verdict, decide_from, run_decide};

/// ISO 639-3 → ISO 639-1 for the languages the detector knows (`None` for others).
///
/// ```
/// assert_eq!(dataprep_quality::filters::iso639_1("cmn"), Some("zh"));
/// assert_eq!(dataprep_quality::filters::iso639_1("eng"), Some("en"));
/// ```
pub fn iso639_1(code3: &str) -> Option<&'static str> {
    const MAP: [(&str, &str); 69] = [
        ("afr", "af"),
        ("aka", "ak"),
        ("amh", "am"),
        ("ara", "ar"),
        ("aze", "az"),
        ("bel", "be"),
        ("ben", "bn"),
        ("bul", "bg"),
        ("cat", "ca"),
        ("ces", "cs"),
        ("cmn", "zh"),
        ("dan", "da"),
        ("deu", "de"),
        ("ell", "el"),
        ("eng", "en"),
        ("epo", "eo"),
        ("est", "et"),
        ("fin", "fi"),
        ("fra", "fr"),
        ("guj", "gu"),
        ("heb", "he"),
        ("hin", "hi"),
        ("hrv", "hr"),
        ("hun", "hu"),
        ("hye", "hy"),
        ("ind", "id"),
        ("ita", "it"),
        ("jav", "jv"),
        ("jpn", "ja"),
        ("kan", "kn"),
        ("kat", "ka"),
        ("khm", "km"),
        ("kor", "ko"),
        ("lat", "la"),
        ("lav", "lv"),
        ("lit", "lt"),
        ("mal", "ml"),
        ("mar", "mr"),
        ("mkd", "mk"),
        ("mya", "my"),
        ("nep", "ne"),
        ("nld", "nl"),
        ("nob", "nb"),
        ("ori", "or"),
        ("pan", "pa"),
        ("pes", "fa"),
        ("pol", "pl"),
        ("por", "pt"),
        ("ron", "ro"),
        ("rus", "ru"),
        ("sin", "si"),
        ("slk", "sk"),
        ("slv", "sl"),
        ("sna", "sn"),
        ("spa", "es"),
        ("srp", "sr"),
        ("swe", "sv"),
        ("tam", "ta"),
        ("tel", "te"),
        ("tgl", "tl"),
        ("tha", "th"),
        ("tuk", "tk"),
        ("tur", "tr"),
        ("ukr", "uk"),
        ("urd", "ur"),
        ("uzb", "uz"),
        ("vie", "vi"),
        ("yid", "yi"),
        ("zul", "zu"),
    ];
    MAP.binary_search_by(|(k, _)| (*k).cmp(code3))
        .ok()
        .map(|i| MAP[i].1)
}

/// Keeps documents whose detected language is in `languages` (ISO 639-1 or 639-3 codes; empty =
/// any) with a confidence above `threshold` (0.65, as datatrove).
///
/// Scores: `confidence` (0 when no language could be detected) and `in_languages` (1 when the
/// detected language is accepted). The stage also sets the fields `language` (ISO 639-1 when it
/// exists, else 639-3; null when undetected) and `language_score`. Reasons: `language` (another
/// language) and `low_confidence`.
///
/// Detection uses dataprep-text's default backend (whatlang when it is reliable, lingua
/// otherwise; see [`LanguageFilter::with_backend`]), not datatrove's fastText `lid.176` model,
/// which cannot be downloaded here: the threshold semantics are the same, the scores are not.
///
/// ```
/// use dataprep_quality::filters::{LanguageFilter, QualityFilter};
/// let f = LanguageFilter::new(["en"]);
/// assert!(f.apply("The quick brown fox jumps over the lazy dog, again and again.").is_keep());
/// assert_eq!(f.apply("Der schnelle braune Fuchs springt über den faulen Hund.").reason(), Some("language"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct LanguageFilter {
    /// Accepted languages (ISO 639-1 or 639-3); empty accepts any.
    pub languages: Vec<String>,
    /// Minimum confidence, exclusive (0.65).
    pub threshold: f64,
    /// The detector: `Backend::Hybrid` by default (whatlang when reliable, else lingua; the
    /// `lingua` feature of dataprep-text, on by default), whatlang without lingua. `whatlang`
    /// is not serialised and a missing `backend` reads as whatlang, so configurations (and
    /// fingerprints) written before the hybrid default are unchanged.
    #[serde(default = "whatlang_backend", skip_serializing_if = "is_whatlang")]
    pub backend: langid::Backend,
}

fn whatlang_backend() -> langid::Backend {
    langid::Backend::Whatlang
}

fn is_whatlang(b: &langid::Backend) -> bool {
    *b == langid::Backend::Whatlang
}

impl Default for LanguageFilter {
    fn default() -> Self {
        LanguageFilter {
            languages: Vec::new(),
            threshold: langid::DEFAULT_THRESHOLD,
            backend: langid::Backend::default(),
        }
    }
}

impl LanguageFilter {
    /// Accepts these languages (ISO 639-1 or 639-3).
    pub fn new<S: Into<String>>(languages: impl IntoIterator<Item = S>) -> Self {
        LanguageFilter {
            languages: languages.into_iter().map(Into::into).collect(),
            ..LanguageFilter::default()
        }
    }

    /// Sets the threshold.
    #[must_use]
    pub fn with_threshold(mut self, t: f64) -> Self {
        self.threshold = t;
        self
    }

    /// Sets the detector backend.
    #[must_use]
    pub fn with_backend(mut self, backend: langid::Backend) -> Self {
        self.backend = backend;
        self
    }

    fn accepts(&self, code3: &str) -> bool {
        self.languages.is_empty()
            || self
                .languages
                .iter()
                .any(|l| l == code3 || iso639_1(code3).is_some_and(|c| c == l))
    }
}

impl QualityFilter for LanguageFilter {
    fn name(&self) -> &str {
        "language"
    }

    fn config(&self) -> serde_json::Value {
        super::cfg(self)
    }

    fn apply(&self, text: &str) -> FilterResult {
        let d = self.backend.detect(text);
        let confidence = d.as_ref().map_or(0.0, |d| d.confidence);
        let accepted = d.as_ref().is_some_and(|d| self.accepts(&d.language));
        let scores = vec![
            ("confidence", confidence),
            ("in_languages", if accepted { 1.0 } else { 0.0 }),
        ];
        let mut r = FilterResult::new(decide_from(self, &scores), scores);
        let code = d.map_or(Value::Null, |d| {
            Value::Str(iso639_1(&d.language).map_or(d.language, str::to_owned))
        });
        r.fields = vec![
            ("language", code),
            ("language_score", Value::Float(confidence)),
        ];
        r
    }

    fn decide(&self, score: &dyn Fn(&str) -> Option<f64>) -> Result<Verdict, MissingScore> {
        let d = Decider::new(self.name(), score);
        run_decide(|| {
            if d.get("confidence")? > 0.0 {
                d.below("in_languages", Some(1.0), "language")?;
            }
            // keep only above the threshold (datatrove: `score > threshold`)
            if d.get("confidence")? <= self.threshold {
                return Err(Decider::drop("low_confidence"));
            }
            Ok(())
        })
    }
}
