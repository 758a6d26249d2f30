//! The language filter's detector backends.

use dataprep_quality::filters::{LanguageFilter, QualityFilter};

#[test]
fn whatlang_backend_is_not_serialised() {
    // whatlang (the default before the hybrid) is not written and a missing backend reads as
    // whatlang, so configurations and fingerprints written before stay the same.
    let f = LanguageFilter::new(["en"]).with_backend(dataprep_text::langid::Backend::Whatlang);
    let v = f.config();
    assert!(v.get("backend").is_none(), "{v}");
    assert_eq!(v["threshold"], 0.65);
    let back: LanguageFilter = serde_json::from_value(v).unwrap();
    assert_eq!(back.backend, dataprep_text::langid::Backend::Whatlang);
}

#[cfg(feature = "lingua")]
#[test]
fn hybrid_is_the_default_and_is_serialised() {
    use dataprep_text::langid::Backend;
    let f = LanguageFilter::new(["de"]);
    assert_eq!(f.backend, Backend::Hybrid);
    assert_eq!(f.config()["backend"], "hybrid");
    // whatlang alone reads this as Afrikaans; the hybrid asks lingua (whatlang is unsure).
    assert!(f.apply("Es regnet heute.").is_keep());
}

#[cfg(feature = "lingua")]
#[test]
fn lingua_backend_gets_the_short_sentences_whatlang_misses() {
    use dataprep_text::langid::Backend;
    // whatlang reads both as other languages (docs/text.md); lingua gets them right.
    let de = LanguageFilter::new(["de"]).with_backend(Backend::Lingua);
    let r = de.apply("Es regnet heute.");
    assert!(r.is_keep(), "{r:?}");
    // English is detected, but lingua's confidence on three words (0.53) is below 0.65.
    let en = LanguageFilter::new(["en"]).with_backend(Backend::Lingua);
    let r = en.apply("It was raining.");
    assert!(r.scores.contains(&("in_languages", 1.0)), "{r:?}");
    assert_eq!(r.reason(), Some("low_confidence"));
    assert!(en.with_threshold(0.5).apply("It was raining.").is_keep());
    assert_eq!(
        LanguageFilter::new(["en"])
            .with_backend(Backend::Lingua)
            .config()["backend"],
        "lingua"
    );
    let whatlang = LanguageFilter::new(["de"]).with_backend(Backend::Whatlang);
    assert_eq!(
        whatlang.apply("Es regnet heute.").reason(),
        Some("language")
    );
}
