//! Subtitles and transcripts of videos: text subtitle streams read from the container (SubRip,
//! mov_text, WebVTT, ASS/SSA, decoded by FFmpeg), sidecar `.srt` / `.vtt` files next to the
//! video, and alignment of cues to frames and clips.
//!
//! Cues are [`dataprep_core::subtitles::Cue`]s (shared with dataprep-audio), with times in
//! seconds on the same clock as [`crate::Frame::time_s`] (from the video stream's start).

use std::path::{Path, PathBuf};

use dataprep_core::subtitles::{
    Cue, ass_event_text, parse_srt, parse_vtt, rebase_cues, strip_tags,
};
use ffmpeg::codec::Id;
use ffmpeg::media::Type as MediaType;
use ffmpeg_next as ffmpeg;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::probe::{open_input, stream_start};
use crate::timeline::FrameTimes;

/// Where a track's cues came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SubtitleSource {
    /// A subtitle stream of the container, by stream index.
    Stream {
        /// Stream index in the container.
        index: usize,
    },
    /// A sidecar file.
    Sidecar {
        /// The file.
        path: PathBuf,
    },
}

/// The cues of one subtitle track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubtitleTrack {
    /// Where the cues came from.
    pub source: SubtitleSource,
    /// Codec (`subrip`, `mov_text`, `webvtt`, `ass`, …) or the sidecar format (`srt`, `vtt`).
    pub codec: String,
    /// Language tag (stream metadata, or the `video.<lang>.srt` part of a sidecar name).
    pub language: Option<String>,
    /// Cues in presentation order.
    pub cues: Vec<Cue>,
    /// Packets / blocks that could not be decoded or parsed, skipped.
    pub skipped: usize,
}

/// How a text codec's packet payload is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payload {
    /// UTF-8 text with HTML-like tags (SubRip in Matroska, WebVTT cue payloads, plain text).
    Tagged,
    /// An ASS/SSA event line without its timing (`ReadOrder,Layer,Style,…,Text`).
    AssEvent,
    /// 3GPP timed text (`mov_text`): a 16-bit big-endian length, the UTF-8 text, style boxes.
    MovText,
}

fn payload_format(id: Id) -> Option<Payload> {
    match id {
        Id::SUBRIP | Id::WEBVTT | Id::TEXT => Some(Payload::Tagged),
        Id::ASS | Id::SSA => Some(Payload::AssEvent),
        Id::MOV_TEXT => Some(Payload::MovText),
        _ => None,
    }
}

/// The plain text of one packet (`None` when the payload is malformed).
fn payload_text(fmt: Payload, data: &[u8]) -> Option<String> {
    let text = match fmt {
        Payload::Tagged | Payload::AssEvent => String::from_utf8_lossy(data).into_owned(),
        Payload::MovText => {
            if data.len() < 2 {
                return if data.is_empty() {
                    Some(String::new())
                } else {
                    None
                };
            }
            let n = usize::from(u16::from_be_bytes([data[0], data[1]]));
            let body = data.get(2..2 + n)?;
            String::from_utf8_lossy(body).into_owned()
        }
    };
    let text = text.replace("\r\n", "\n");
    Some(match fmt {
        Payload::AssEvent => ass_event_text(&text),
        _ => text
            .lines()
            .map(|l| strip_tags(l.trim()))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string(),
    })
}

/// Bitmap subtitle codecs (DVD, Blu-ray PGS, DVB, XSUB): their cues are pictures, not text.
fn is_bitmap_codec(id: Id) -> bool {
    matches!(
        id,
        Id::DVD_SUBTITLE | Id::DVB_SUBTITLE | Id::HDMV_PGS_SUBTITLE | Id::XSUB | Id::DVB_TELETEXT
    )
}

/// Reads every text subtitle stream of `path` (in stream order), decoding packets with FFmpeg.
/// Bitmap subtitle streams are left out (see [`read_subtitle_stream`] for their error).
///
/// # Errors
/// Open errors. A stream whose packets fail to decode counts them in `skipped`.
pub fn read_subtitle_streams(path: impl AsRef<Path>) -> Result<Vec<SubtitleTrack>> {
    let path = path.as_ref();
    let ictx = open_input(path)?;
    let indices: Vec<usize> = ictx
        .streams()
        .filter(|s| {
            let p = s.parameters();
            p.medium() == MediaType::Subtitle && !is_bitmap_codec(p.id())
        })
        .map(|s| s.index())
        .collect();
    drop(ictx);
    indices
        .into_iter()
        .map(|i| read_subtitle_stream(path, Some(i)))
        .collect()
}

/// Reads the cues of one text subtitle stream of `path` (`None`: the first subtitle stream).
///
/// SubRip, WebVTT, plain text, ASS/SSA and mov_text packets are read from their payload (each
/// packet one cue from its presentation time for its duration); other text codecs (MicroDVD,
/// SAMI, …) go through FFmpeg's subtitle decoder, whose event start/end offsets are applied.
/// ffmpeg-next 9 does not free decoded `AVSubtitle`s (and our crate has no `unsafe`), so that
/// second path leaks each event's text (bytes per cue); the common codecs avoid it. Markup
/// (`<i>`, ASS override blocks) is removed and `\N` becomes a line break; empty events (mov_text
/// gap samples) are dropped.
///
/// # Errors
/// [`Error::NoStream`] without a subtitle stream (or `index` not one),
/// [`Error::UnsupportedCodec`] for bitmap subtitles or a codec without a decoder.
pub fn read_subtitle_stream(path: impl AsRef<Path>, index: Option<usize>) -> Result<SubtitleTrack> {
    let path = path.as_ref();
    let mut ictx = open_input(path)?;
    let no_stream = || Error::NoStream {
        path: path.to_path_buf(),
        kind: "subtitle",
    };
    let video_start_s = ictx
        .streams()
        .best(MediaType::Video)
        .map(|v| secs(stream_start(&v), v.time_base()))
        .unwrap_or(0.0);
    let (si, tb, par, language) = {
        let st = match index {
            Some(i) => ictx.stream(i).ok_or_else(no_stream)?,
            None => ictx
                .streams()
                .find(|s| s.parameters().medium() == MediaType::Subtitle)
                .ok_or_else(no_stream)?,
        };
        if st.parameters().medium() != MediaType::Subtitle {
            return Err(no_stream());
        }
        (
            st.index(),
            st.time_base(),
            st.parameters(),
            st.metadata().get("language").map(str::to_string),
        )
    };
    let id = par.id();
    let unsupported = || Error::UnsupportedCodec {
        path: path.to_path_buf(),
        codec: id.name().to_string(),
    };
    let payload = payload_format(id);
    if is_bitmap_codec(id) || (payload.is_none() && ffmpeg::decoder::find(id).is_none()) {
        return Err(unsupported());
    }
    // Codecs we read from the packet payload need no decoder; the others go through FFmpeg's.
    let mut dec = match payload {
        Some(_) => None,
        None => {
            let ctx =
                ffmpeg::codec::Context::from_parameters(par).map_err(|e| Error::decode(path, e))?;
            let mut d = ctx.decoder();
            d.set_packet_time_base(tb);
            Some(d.subtitle().map_err(|_| unsupported())?)
        }
    };
    let mut cues = Vec::new();
    let mut skipped = 0usize;
    let mut packet = ffmpeg::Packet::empty();
    loop {
        match packet.read(&mut ictx) {
            Ok(()) => {}
            Err(ffmpeg::Error::InvalidData) => continue,
            Err(_) => break,
        }
        if packet.stream() != si {
            continue;
        }
        let Some(pts) = packet.pts().or(packet.dts()) else {
            skipped += 1;
            continue;
        };
        let t0 = secs(pts, tb) - video_start_s;
        let dur = secs(packet.duration().max(0), tb);
        let (text, start_s, end_s) = match (payload, dec.as_mut()) {
            (Some(fmt), _) => match payload_text(fmt, packet.data().unwrap_or(&[])) {
                Some(t) => (t, t0, t0 + dur),
                None => {
                    skipped += 1;
                    continue;
                }
            },
            (None, Some(dec)) => {
                let mut sub = ffmpeg::Subtitle::new();
                match dec.decode(&packet, &mut sub) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => {
                        skipped += 1;
                        continue;
                    }
                }
                let mut lines = Vec::new();
                for rect in sub.rects() {
                    match rect {
                        ffmpeg::subtitle::Rect::Ass(a) => lines.push(ass_event_text(a.get())),
                        ffmpeg::subtitle::Rect::Text(t) => lines.push(strip_tags(t.get())),
                        _ => {}
                    }
                }
                let start = t0 + f64::from(sub.start()) / 1000.0;
                let end = if sub.end() > sub.start() && sub.end() != u32::MAX {
                    t0 + f64::from(sub.end()) / 1000.0
                } else {
                    t0 + dur
                };
                (lines.join("\n"), start, end)
            }
            (None, None) => continue,
        };
        if text.trim().is_empty() {
            continue;
        }
        cues.push(Cue::new(start_s, end_s.max(start_s), text));
    }
    cues.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    Ok(SubtitleTrack {
        source: SubtitleSource::Stream { index: si },
        codec: id.name().to_string(),
        language,
        cues,
        skipped,
    })
}

fn secs(ts: i64, tb: ffmpeg::Rational) -> f64 {
    if tb.denominator() == 0 {
        return 0.0;
    }
    ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator())
}

/// Sidecar subtitle files of `video`: files in the same directory named `<stem>.srt`,
/// `<stem>.vtt` or `<stem>.<lang>.srt` / `.vtt` (extension case-insensitive), sorted by name,
/// each with the language part when there is one.
///
/// # Errors
/// [`Error::Io`] when the directory cannot be listed.
pub fn sidecar_files(video: impl AsRef<Path>) -> Result<Vec<(PathBuf, Option<String>)>> {
    let video = video.as_ref();
    let Some(stem) = video.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
        return Ok(Vec::new());
    };
    let dir = match video.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let rd = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut out = Vec::new();
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let lower = name.to_ascii_lowercase();
        let Some(base) = lower
            .strip_suffix(".srt")
            .or_else(|| lower.strip_suffix(".vtt"))
        else {
            continue;
        };
        let base = &name[..base.len()];
        if base == stem {
            out.push((p, None));
        } else if let Some(lang) = base.strip_prefix(&stem).and_then(|r| r.strip_prefix('.'))
            && !lang.is_empty()
            && !lang.contains('.')
        {
            out.push((p, Some(lang.to_string())));
        }
    }
    out.sort();
    Ok(out)
}

/// Reads a sidecar `.srt` / `.vtt` file (WebVTT when the extension is `vtt` or the text starts
/// with `WEBVTT`), at most `max_bytes` long; invalid UTF-8 is replaced. The language is left
/// unset ([`subtitle_tracks`] fills it from the file name).
///
/// # Errors
/// [`Error::Io`], [`Error::Limit`] for a larger file.
pub fn read_sidecar(path: impl AsRef<Path>, max_bytes: u64) -> Result<SubtitleTrack> {
    let path = path.as_ref();
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    if len > max_bytes {
        return Err(Error::Limit {
            path: path.to_path_buf(),
            what: "bytes",
            actual: len as f64,
            limit: max_bytes as f64,
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&bytes);
    let vtt = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("vtt"))
        || text.trim_start_matches('\u{feff}').starts_with("WEBVTT");
    let subs = if vtt {
        parse_vtt(&text)
    } else {
        parse_srt(&text)
    };
    Ok(SubtitleTrack {
        source: SubtitleSource::Sidecar {
            path: path.to_path_buf(),
        },
        codec: if vtt { "vtt" } else { "srt" }.into(),
        language: None,
        cues: subs.cues,
        skipped: subs.skipped.len(),
    })
}

/// Every subtitle track of `video`: its text subtitle streams, then its sidecar files.
///
/// # Errors
/// As [`read_subtitle_streams`], [`sidecar_files`] and [`read_sidecar`].
pub fn subtitle_tracks(
    video: impl AsRef<Path>,
    max_sidecar_bytes: u64,
) -> Result<Vec<SubtitleTrack>> {
    let video = video.as_ref();
    let mut out = read_subtitle_streams(video)?;
    for (p, lang) in sidecar_files(video)? {
        let mut t = read_sidecar(&p, max_sidecar_bytes)?;
        t.language = lang;
        out.push(t);
    }
    Ok(out)
}

/// The frames a cue is on screen for: those whose presentation time lies in
/// `[start_s, end_s)`, as inclusive indices into the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameSpan {
    /// First frame index.
    pub first: u64,
    /// Last frame index (inclusive).
    pub last: u64,
}

/// Aligns cues to frames: for each cue, the frames whose presentation time `t` satisfies
/// `start_s ≤ t < end_s` (`None` when no frame starts during the cue, e.g. a cue shorter than a
/// frame between two frames, or one past the end). Use [`FrameTimes::scan`] for a file's exact
/// timestamps (variable frame rate included) or [`FrameTimes::constant`] for a nominal fps.
///
/// ```
/// use dataprep_video::subtitles::{FrameSpan, align_to_frames};
/// use dataprep_video::timeline::FrameTimes;
/// use dataprep_core::subtitles::Cue;
/// let t = FrameTimes::constant(25.0, 100)?;
/// let a = align_to_frames(&[Cue::new(1.0, 2.5, "x"), Cue::new(1.01, 1.02, "y")], &t);
/// assert_eq!(a, [Some(FrameSpan { first: 25, last: 62 }), None]);
/// # Ok::<(), dataprep_video::Error>(())
/// ```
pub fn align_to_frames(cues: &[Cue], frames: &FrameTimes) -> Vec<Option<FrameSpan>> {
    cues.iter()
        .map(|c| {
            let r = frames.frames_in(c.start_s, c.end_s);
            (!r.is_empty()).then(|| FrameSpan {
                first: r.start as u64,
                last: (r.end - 1) as u64,
            })
        })
        .collect()
}

/// The cues of each clip `[start_s, end_s)`: cues overlapping the clip, times re-based to the
/// clip start and clamped to the clip ([`rebase_cues`]).
pub fn cues_for_clips(cues: &[Cue], clips: &[(f64, f64)]) -> Vec<Vec<Cue>> {
    clips
        .iter()
        .map(|&(s, e)| rebase_cues(cues, s, e))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads() {
        let mov = [&[0u8, 11][..], b"Hello\nworld", b"\0\0\0\x0cstyl"].concat();
        assert_eq!(
            payload_text(Payload::MovText, &mov).as_deref(),
            Some("Hello\nworld")
        );
        assert_eq!(payload_text(Payload::MovText, &[0, 0]).as_deref(), Some(""));
        assert_eq!(payload_text(Payload::MovText, &[]).as_deref(), Some(""));
        assert_eq!(payload_text(Payload::MovText, &[0, 9, b'a']), None);
        assert_eq!(payload_text(Payload::MovText, &[7]), None);
        assert_eq!(
            payload_text(Payload::Tagged, b"<i>a</i>\r\n <b>b</b> ").as_deref(),
            Some("a\nb")
        );
        assert_eq!(
            payload_text(Payload::AssEvent, b"1,0,Default,,0,0,0,,{\\b1}x\\Ny").as_deref(),
            Some("x\ny")
        );
    }

    proptest::proptest! {
        #[test]
        fn payloads_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            for f in [Payload::Tagged, Payload::AssEvent, Payload::MovText] {
                let _ = payload_text(f, &data);
            }
        }
    }
}
