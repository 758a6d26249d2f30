use dataprep_audio::subtitles::*;

#[test]
fn parses_srt_with_bad_blocks() {
    let srt = "\u{feff}1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i> &amp; bye\r\nsecond line\r\n\r\n2\n00:00:03,000 --> 00:00:02,000\nbackwards\n\n3\n00:00:xx,000 --> 00:00:05,000\nbad\n\njunk without timing\n\n4\n01:02:03,456 --> 01:02:04,000\nlast";
    let s = parse_srt(srt);
    assert_eq!(s.cues.len(), 2);
    assert_eq!(s.cues[0].text, "Hello & bye\nsecond line");
    assert_eq!((s.cues[0].start_s, s.cues[0].end_s), (1.0, 2.5));
    assert!((s.cues[1].start_s - 3723.456).abs() < 1e-9);
    assert_eq!(s.skipped.len(), 3);
}

#[test]
fn parses_webvtt() {
    let vtt = "WEBVTT - title\n\nNOTE a comment\nspanning lines\n\nSTYLE\n::cue { color: red }\n\nintro\n00:01.000 --> 00:02.000 align:start position:10%\n<v Roger>Hi there</v>\n\n00:00:02.500 --> 00:00:04.000\n<c.yellow>Second</c>\n";
    let s = parse_vtt(vtt);
    assert_eq!(s.cues.len(), 2, "{s:?}");
    assert_eq!(s.cues[0].text, "Hi there");
    assert_eq!((s.cues[0].start_s, s.cues[0].end_s), (1.0, 2.0));
    assert_eq!(s.cues[1].start_s, 2.5);
    assert!(s.skipped.is_empty());
}

#[test]
fn timestamps() {
    assert_eq!(parse_timestamp("00:00:01,5"), Some(1.5));
    assert_eq!(parse_timestamp("1:00"), Some(60.0));
    assert_eq!(parse_timestamp("00:61:00.000"), None);
    assert_eq!(parse_timestamp("-1:00"), None);
    assert_eq!(parse_timestamp(""), None);
}

#[test]
fn cuts_audio_by_cues() {
    let s = parse_srt(
        "1\n00:00:00,500 --> 00:00:01,000\na\n\n2\n00:00:09,000 --> 00:00:12,000\nb\n\n3\n00:00:20,000 --> 00:00:21,000\nc\n",
    );
    let segs = cue_segments(&s.cues, 1000, 10_000);
    assert_eq!(segs.len(), 2);
    assert_eq!((segs[0].1.start, segs[0].1.end), (500, 1000));
    assert_eq!((segs[1].1.start, segs[1].1.end), (9000, 10_000));
}

proptest::proptest! {
    #[test]
    fn never_panics(text in "\\PC{0,400}") {
        let _ = parse_srt(&text);
        let _ = parse_vtt(&text);
    }
    #[test]
    fn never_panics_on_timing_like(a in "[0-9:.,>\\- ]{0,40}") {
        let _ = parse_srt(&format!("1\n{a}\nx\n"));
        let _ = parse_timestamp(&a);
    }
}
