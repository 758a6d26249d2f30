//! Arbitrary text through the SubRip/WebVTT parsers and the ASS event text: never a panic,
//! every cue has finite, non-negative times with end ≥ start, and every block is either a cue
//! or listed as skipped (so no more cues + skipped than blocks of non-blank lines).
#![no_main]

use dataprep_core::subtitles::{ass_event_text, parse_auto, parse_srt, parse_vtt, rebase_cues};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let blocks = text
        .split(|c| c == '\n')
        .map(|l| l.trim_end_matches('\r').trim().is_empty())
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0] && !w[1])
        .count()
        + 1;
    for subs in [parse_srt(&text), parse_vtt(&text), parse_auto(&text)] {
        assert!(subs.cues.len() + subs.skipped.len() <= blocks, "more cues than blocks");
        for c in &subs.cues {
            assert!(c.start_s.is_finite() && c.end_s.is_finite(), "non-finite time");
            assert!(c.start_s >= 0.0 && c.end_s >= c.start_s, "bad cue times");
        }
        for c in rebase_cues(&subs.cues, 1.0, 30.0) {
            assert!(c.start_s >= 0.0 && c.end_s <= 29.0 + 1e-9 && c.start_s <= c.end_s + 1e-9);
        }
    }
    for line in text.lines().take(64) {
        let _ = ass_event_text(line);
    }
});
