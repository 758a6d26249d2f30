//! Subtitle cues shared by the audio and video crates: SubRip (`.srt`) and WebVTT (`.vtt`)
//! parsing robust to bad input, the text of ASS dialogue events (what FFmpeg's text-subtitle
//! decoders produce), and selecting / re-basing cues to a time range.
//!
//! Plain Rust with no dependencies beyond serde, so it can live in the core crate.

use serde::{Deserialize, Serialize};

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

impl Cue {
    /// A cue `[start_s, end_s)` with `text`.
    pub fn new(start_s: f64, end_s: f64, text: impl Into<String>) -> Self {
        Cue {
            start_s,
            end_s,
            text: text.into(),
        }
    }

    /// Whether the cue is on screen for some time in `[start_s, end_s)`: `cue.start < end` and
    /// `cue.end > start` (a zero-length cue overlaps when its instant lies in the range).
    pub fn overlaps(&self, start_s: f64, end_s: f64) -> bool {
        if self.end_s <= self.start_s {
            return self.start_s >= start_s && self.start_s < end_s;
        }
        self.start_s < end_s && self.end_s > start_s
    }
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
///
/// ```
/// use dataprep_core::subtitles::parse_timestamp;
/// assert_eq!(parse_timestamp("01:02:03,500"), Some(3723.5));
/// assert_eq!(parse_timestamp("00:61:00.000"), None);
/// ```
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

/// Removes `<…>` markup tags and decodes the common entities (`&amp;`, `&lt;`, `&gt;`,
/// `&nbsp;`), as SRT and WebVTT cue text carries them.
pub fn strip_tags(s: &str) -> String {
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
/// let s = dataprep_core::subtitles::parse_srt("1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i>\n\n");
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

/// Parses WebVTT when the text starts with `WEBVTT` (after an optional BOM), SubRip otherwise.
pub fn parse_auto(text: &str) -> Subtitles {
    if text.trim_start_matches('\u{feff}').starts_with("WEBVTT") {
        parse_vtt(text)
    } else {
        parse_srt(text)
    }
}

/// The plain text of an ASS dialogue event as FFmpeg's subtitle decoders emit it
/// (`ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text`, or a full
/// `Dialogue: Layer,Start,End,Style,Name,MarginL,MarginR,MarginV,Effect,Text` line): the `Text`
/// field with `{…}` override blocks removed, `\N` / `\n` as line breaks and `\h` as a space.
///
/// ```
/// use dataprep_core::subtitles::ass_event_text;
/// assert_eq!(ass_event_text("0,0,Default,,0,0,0,,{\\i1}Hello{\\i0}\\Nworld, again"), "Hello\nworld, again");
/// ```
pub fn ass_event_text(event: &str) -> String {
    let (body, fields_before_text) = match event.strip_prefix("Dialogue:") {
        Some(rest) => (rest.trim_start(), 9),
        None => (event, 8),
    };
    let text = body
        .splitn(fields_before_text + 1, ',')
        .nth(fields_before_text);
    let text = text.unwrap_or(body);
    let mut out = String::with_capacity(text.len());
    let mut in_override = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if !in_override => in_override = true,
            '}' if in_override => in_override = false,
            _ if in_override => {}
            '\\' => match chars.peek() {
                Some('N') | Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('h') => {
                    chars.next();
                    out.push(' ');
                }
                _ => out.push('\\'),
            },
            _ => out.push(c),
        }
    }
    out.lines().map(str::trim).collect::<Vec<_>>().join("\n")
}

/// The cues on screen during `[start_s, end_s)` (see [`Cue::overlaps`]), re-based so times
/// count from `start_s` and clamped to `[0, end_s − start_s]`; text is kept whole.
///
/// ```
/// use dataprep_core::subtitles::{Cue, rebase_cues};
/// let cues = [Cue::new(0.5, 1.5, "a"), Cue::new(2.0, 3.0, "b"), Cue::new(4.0, 5.0, "c")];
/// let c = rebase_cues(&cues, 1.0, 2.5);
/// assert_eq!(c, vec![Cue::new(0.0, 0.5, "a"), Cue::new(1.0, 1.5, "b")]);
/// ```
pub fn rebase_cues(cues: &[Cue], start_s: f64, end_s: f64) -> Vec<Cue> {
    let len = (end_s - start_s).max(0.0);
    cues.iter()
        .filter(|c| c.overlaps(start_s, end_s))
        .map(|c| Cue {
            start_s: (c.start_s - start_s).clamp(0.0, len),
            end_s: (c.end_s - start_s).clamp(0.0, len),
            text: c.text.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ass_events() {
        assert_eq!(ass_event_text("3,0,Default,,0,0,0,,plain"), "plain");
        assert_eq!(
            ass_event_text("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,a\\hb"),
            "a b"
        );
        assert_eq!(
            ass_event_text("0,0,Default,,0,0,0,,{\\pos(1,2)}x\\n y"),
            "x\ny"
        );
        assert_eq!(ass_event_text("no commas"), "no commas");
        assert_eq!(ass_event_text(""), "");
    }

    #[test]
    fn overlap_is_half_open() {
        let c = Cue::new(1.0, 2.0, "x");
        assert!(c.overlaps(1.5, 3.0));
        assert!(!c.overlaps(2.0, 3.0));
        assert!(!c.overlaps(0.0, 1.0));
        assert!(Cue::new(1.0, 1.0, "").overlaps(1.0, 2.0));
        assert!(!Cue::new(2.0, 2.0, "").overlaps(1.0, 2.0));
    }

    #[test]
    fn auto_detects_vtt() {
        assert_eq!(
            parse_auto("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n")
                .cues
                .len(),
            1
        );
        assert_eq!(
            parse_auto("1\n00:00:01,000 --> 00:00:02,000\nx\n")
                .cues
                .len(),
            1
        );
    }
}
