//! SRT and WebVTT parsing, robust to bad input, and cutting audio by cue times.

use serde::{Deserialize, Serialize};

use crate::vad::Segment;

/// One subtitle cue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    /// Start in seconds.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
    /// Text with markup tags removed, lines joined by `\n`.
    pub text: String,
}

/// Parsed cues plus the number of blocks skipped as malformed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Subtitles {
    /// Well-formed cues in file order.
    pub cues: Vec<Cue>,
    /// Blocks that could not be parsed (bad timestamps, end before start, …) and were skipped;
    /// each entry is the 1-based line of the block and the reason.
    pub skipped: Vec<(usize, String)>,
}

/// Parses `[HH:]MM:SS[.,]mmm` into seconds.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    let s = s.trim();
    let (hms, frac) = match s.rfind(['.', ',']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let num = |p: &str| -> Option<u64> {
        if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            p.parse().ok()
        }
    };
    let (h, m, sec) = if parts.len() == 3 {
        (num(parts[0])?, num(parts[1])?, num(parts[2])?)
    } else {
        (0, num(parts[0])?, num(parts[1])?)
    };
    if m >= 60 || sec >= 60 {
        return None;
    }
    let ms = if frac.is_empty() {
        0.0
    } else {
        let f = num(frac)?;
        f as f64 / 10f64.powi(frac.len() as i32)
    };
    Some(h as f64 * 3600.0 + m as f64 * 60.0 + sec as f64 + ms)
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
}

fn parse_blocks(text: &str, vtt: bool) -> Subtitles {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut out = Subtitles::default();
    let mut i = 0;
    while i < lines.len() {
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        if i >= lines.len() {
            break;
        }
        let block_start = i;
        let mut j = i;
        while j < lines.len() && !lines[j].trim().is_empty() {
            j += 1;
        }
        let block = &lines[i..j];
        i = j;
        let first = block[0].trim();
        if vtt
            && (first.starts_with("WEBVTT")
                || first.starts_with("NOTE")
                || first.starts_with("STYLE")
                || first.starts_with("REGION"))
        {
            continue;
        }
        let Some(ti) = block.iter().position(|l| l.contains("-->")) else {
            out.skipped.push((block_start + 1, "no timing line".into()));
            continue;
        };
        if ti > 1 {
            out.skipped
                .push((block_start + 1, "text before the timing line".into()));
            continue;
        }
        let timing = block[ti];
        let mut it = timing.splitn(2, "-->");
        let a = it.next().unwrap_or("");
        let b = it
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next()
            .unwrap_or("");
        match (parse_timestamp(a), parse_timestamp(b)) {
            (Some(s), Some(e)) if e >= s => {
                let body: Vec<String> = block[ti + 1..]
                    .iter()
                    .map(|l| strip_tags(l.trim()))
                    .collect();
                out.cues.push(Cue {
                    start_s: s,
                    end_s: e,
                    text: body.join("\n"),
                });
            }
            (Some(_), Some(_)) => out
                .skipped
                .push((block_start + ti + 1, "end before start".into())),
            _ => out
                .skipped
                .push((block_start + ti + 1, format!("bad timestamps {timing:?}"))),
        }
    }
    out
}

/// Parses SubRip (`.srt`). Never fails: malformed blocks are listed in `skipped`.
///
/// ```
/// let s = dataprep_audio::subtitles::parse_srt("1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i>\n\n");
/// assert_eq!(s.cues[0].text, "Hello");
/// assert_eq!((s.cues[0].start_s, s.cues[0].end_s), (1.0, 2.5));
/// ```
pub fn parse_srt(text: &str) -> Subtitles {
    parse_blocks(text, false)
}

/// Parses WebVTT (`.vtt`): header, NOTE/STYLE/REGION blocks, cue identifiers and cue settings are
/// handled; voice and styling tags are removed. Never fails.
pub fn parse_vtt(text: &str) -> Subtitles {
    parse_blocks(text, true)
}

/// Sample ranges of cues in audio of `total` samples at `sample_rate` (clamped; cues entirely
/// outside the audio are left out). Returns (cue index, segment).
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
