//! SRT and WebVTT cues (re-exported from [`dataprep_core::subtitles`], where the parser lives so
//! the video crate shares it) and cutting audio by cue times.

pub use dataprep_core::subtitles::{
    Cue, Subtitles, ass_event_text, parse_auto, parse_srt, parse_timestamp, parse_vtt, rebase_cues,
    strip_tags,
};

use crate::vad::Segment;

/// Sample ranges of cues in audio of `total` samples at `sample_rate` (clamped; cues entirely
/// outside the audio are left out). Returns (cue index, segment).
///
/// ```
/// use dataprep_audio::subtitles::{cue_segments, parse_srt};
/// let s = parse_srt("1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i>\n\n");
/// assert_eq!(s.cues[0].text, "Hello");
/// let segs = cue_segments(&s.cues, 1000, 2000);
/// assert_eq!((segs[0].1.start, segs[0].1.end), (1000, 2000));
/// ```
pub fn cue_segments(cues: &[Cue], sample_rate: u32, total: usize) -> Vec<(usize, Segment)> {
    let sr = f64::from(sample_rate);
    cues.iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let s = ((c.start_s * sr).round().max(0.0) as usize).min(total);
            let e = ((c.end_s * sr).round().max(0.0) as usize).min(total);
            (e > s).then_some((i, Segment { start: s, end: e }))
        })
        .collect()
}
