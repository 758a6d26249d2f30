//! Arbitrary text through the default normaliser and through every step: never a panic, and
//! normalising the output again changes nothing (the steps are documented idempotent).
#![no_main]

use dataprep_text::normalize::{NormalizeConfig, normalize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for config in [NormalizeConfig::default(), NormalizeConfig::ftfy(), everything()] {
        let once = normalize(&text, &config).into_owned();
        let twice = normalize(&once, &config);
        assert_eq!(once, twice, "not idempotent with {config:?}");
    }
});

fn everything() -> NormalizeConfig {
    NormalizeConfig::default()
        .with_unescape_html(dataprep_text::normalize::HtmlUnescape::Always)
        .with_fix_ligatures(true)
        .with_unicode(dataprep_text::normalize::UnicodeForm::Nfkc)
        .with_standardize_quotes(true)
        .with_standardize_dashes(true)
        .with_fold_whitespace(true)
}
