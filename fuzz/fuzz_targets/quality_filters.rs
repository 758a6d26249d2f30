//! Arbitrary documents through every heuristic filter with its datatrove defaults: never a
//! panic, every score finite or NaN-free where defined, and re-deciding from the recorded scores
//! (what `rethreshold` does) gives the same verdict as measuring.
#![no_main]

use dataprep_quality::filters::{
    BadWords, C4Paragraph, C4Quality, FineWebQuality, GopherQuality, GopherRepetition,
    QualityFilter, UrlFilter,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let filters: [&dyn QualityFilter; 7] = [
        &GopherQuality::default(),
        &GopherRepetition::default(),
        &C4Quality::default(),
        &C4Paragraph::default(),
        &FineWebQuality::default(),
        &BadWords::default(),
        &UrlFilter::default(),
    ];
    for filter in filters {
        let result = filter.apply(&text);
        let lookup = |name: &str| {
            result.scores.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
        };
        if let Ok(verdict) = filter.decide(&lookup) {
            assert_eq!(
                verdict.decision,
                result.decision,
                "{}: deciding from scores {:?} disagrees with measuring",
                filter.name(),
                result.scores
            );
        }
    }
});
