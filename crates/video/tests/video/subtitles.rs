use std::path::{Path, PathBuf};

use dataprep_core::subtitles::Cue;
use dataprep_core::{Pipeline, Record, Value, VecDataset, VecSink};
use dataprep_video::clips::{ClipConfig, ClipPrecision};
use dataprep_video::stages::{ClipVideoStage, ReadSubtitlesStage, VideoSource};
use dataprep_video::subtitles::{
    FrameSpan, SubtitleSource, align_to_frames, cues_for_clips, read_sidecar, read_subtitle_stream,
    read_subtitle_streams, sidecar_files, subtitle_tracks,
};
use dataprep_video::{EncodeConfig, Error, ExtractConfig, FrameTimes, extract_frames};

use super::common::{av_clip, ffmpeg, tmp};

const SRT: &str = "1\n00:00:00,500 --> 00:00:01,250\n<i>Hello</i> world\n\n2\n00:00:02,000 --> 00:00:03,000\nSecond line\ntwo\n\n3\n00:00:03,500 --> 00:00:03,510\nblink\n";

/// A 4 s, 25 fps video with the SRT above muxed in as a subtitle stream of codec `codec`.
fn with_subs(dir: &Path, name: &str, codec: &str) -> PathBuf {
    let srt = dir.join("sub.srt");
    std::fs::write(&srt, SRT).unwrap();
    let p = dir.join(name);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48:rate=25:duration=4",
        "-i",
        srt.to_str().unwrap(),
        "-map",
        "0:v",
        "-map",
        "1:s",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:s",
        codec,
        "-metadata:s:s:0",
        "language=eng",
        p.to_str().unwrap(),
    ]);
    p
}

fn assert_cues(cues: &[Cue]) {
    let want = [
        (0.5, 1.25, "Hello world"),
        (2.0, 3.0, "Second line\ntwo"),
        (3.5, 3.51, "blink"),
    ];
    assert_eq!(cues.len(), 3, "{cues:?}");
    for (c, (s, e, t)) in cues.iter().zip(want) {
        assert!(
            (c.start_s - s).abs() < 1e-6 && (c.end_s - e).abs() < 1e-6,
            "{c:?}"
        );
        assert_eq!(c.text, t);
    }
}

#[test]
fn embedded_streams_read_back_for_every_text_codec() {
    let d = tmp();
    for (name, codec, want) in [
        ("a.mp4", "mov_text", "mov_text"),
        ("a.mkv", "srt", "subrip"),
        ("b.mkv", "ass", "ass"),
        ("c.mkv", "webvtt", "webvtt"),
    ] {
        let p = with_subs(d.path(), name, codec);
        let t = read_subtitle_stream(&p, None).unwrap();
        assert_eq!(t.codec, want);
        assert_eq!(t.source, SubtitleSource::Stream { index: 1 });
        assert_eq!(t.language.as_deref(), Some("eng"));
        assert_cues(&t.cues);
        let all = read_subtitle_streams(&p).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0], t);
    }
}

#[test]
fn videos_without_subtitles() {
    let d = tmp();
    let p = av_clip(d.path(), "plain.mp4", 64, 48, 25, 1.0);
    assert!(read_subtitle_streams(&p).unwrap().is_empty());
    assert!(matches!(
        read_subtitle_stream(&p, None),
        Err(Error::NoStream {
            kind: "subtitle",
            ..
        })
    ));
    // Stream 0 is video, not subtitles.
    assert!(matches!(
        read_subtitle_stream(&p, Some(0)),
        Err(Error::NoStream { .. })
    ));
    assert!(read_subtitle_stream(&p, Some(99)).is_err());
}

#[test]
fn sidecar_files_next_to_the_video() {
    let d = tmp();
    let p = av_clip(d.path(), "talk.mp4", 64, 48, 25, 1.0);
    std::fs::write(d.path().join("talk.srt"), SRT).unwrap();
    let vtt = "WEBVTT\n\n00:00.500 --> 00:01.250\n<v A>Hello</v> world\n\n00:02.000 --> 00:03.000\nSecond line\ntwo\n\n00:03.500 --> 00:03.510\nblink\n";
    std::fs::write(d.path().join("talk.en.VTT"), vtt).unwrap();
    std::fs::write(d.path().join("other.srt"), SRT).unwrap();
    std::fs::write(d.path().join("talk.x.y.srt"), SRT).unwrap();
    let found = sidecar_files(&p).unwrap();
    let names: Vec<(String, Option<String>)> = found
        .iter()
        .map(|(p, l)| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                l.clone(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("talk.en.VTT".to_string(), Some("en".to_string())),
            ("talk.srt".to_string(), None)
        ]
    );
    let tracks = subtitle_tracks(&p, 1 << 20).unwrap();
    assert_eq!(tracks.len(), 2);
    assert_eq!(tracks[0].codec, "vtt");
    assert_eq!(tracks[0].language.as_deref(), Some("en"));
    assert_eq!(tracks[1].codec, "srt");
    for t in &tracks {
        assert_cues(&t.cues);
    }
    assert!(matches!(
        read_sidecar(d.path().join("talk.srt"), 10),
        Err(Error::Limit { what: "bytes", .. })
    ));
}

#[test]
fn cues_align_to_frames_and_clips() {
    let d = tmp();
    let p = with_subs(d.path(), "a.mkv", "srt");
    let cues = read_subtitle_stream(&p, None).unwrap().cues;
    let frames = FrameTimes::scan(&p).unwrap();
    assert_eq!(frames.len(), 100);
    // 25 fps: [0.5, 1.25) holds frames 13 (0.52 s) to 31 (1.24 s); [2, 3) frames 50 to 74;
    // [3.5, 3.51) lies between frames 87 (3.48 s) and 88 (3.52 s).
    let want = [
        Some(FrameSpan {
            first: 13,
            last: 31,
        }),
        Some(FrameSpan {
            first: 50,
            last: 74,
        }),
        None,
    ];
    assert_eq!(align_to_frames(&cues, &frames), want);
    // The nominal-fps timeline gives the same answer for this constant-rate file.
    assert_eq!(
        align_to_frames(&cues, &FrameTimes::constant(25.0, 100).unwrap()),
        want
    );
    let per_clip = cues_for_clips(&cues, &[(0.0, 1.0), (1.0, 2.5), (2.5, 4.0)]);
    let got: Vec<Vec<(f64, f64, &str)>> = per_clip
        .iter()
        .map(|c| {
            c.iter()
                .map(|q| (q.start_s, q.end_s, q.text.as_str()))
                .collect()
        })
        .collect();
    let want: [&[(f64, f64, &str)]; 3] = [
        &[(0.5, 1.0, "Hello world")],
        &[(0.0, 0.25, "Hello world"), (1.0, 1.5, "Second line\ntwo")],
        &[(0.0, 0.5, "Second line\ntwo"), (1.0, 1.01, "blink")],
    ];
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.len(), w.len(), "{got:?}");
        for (a, b) in g.iter().zip(w) {
            assert!(
                (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6 && a.2 == b.2,
                "{got:?}"
            );
        }
    }
}

fn field<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.as_struct()
        .unwrap()
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .unwrap_or(&Value::Null)
}

#[test]
fn subtitle_and_clip_stages() {
    let d = tmp();
    let p = with_subs(d.path(), "a.mkv", "srt");
    let plain = av_clip(d.path(), "plain.mp4", 64, 48, 25, 1.0);
    let bad = d.path().join("bad.mkv");
    std::fs::write(&bad, b"garbage").unwrap();
    let ds = VecDataset::new(vec![
        Record::new()
            .with_key("subs")
            .with("path", p.display().to_string()),
        Record::new()
            .with_key("plain")
            .with("path", plain.display().to_string()),
        Record::new()
            .with_key("bad")
            .with("path", bad.display().to_string()),
    ]);
    let src = VideoSource::Path("path".into());
    let mut sink = VecSink::default();
    let mut rejects = VecSink::default();
    let summary = Pipeline::new(&ds)
        .stage(ReadSubtitlesStage::new(src.clone()))
        .sink(&mut sink)
        .rejects(&mut rejects)
        .run()
        .unwrap();
    assert_eq!((summary.written, summary.failed), (2, 1));
    let r = &sink.records()[0];
    assert_eq!(r.str("subtitle_source").unwrap(), "stream:1");
    let subs = r.list("subtitles").unwrap();
    assert_eq!(subs.len(), 3);
    assert_eq!(field(&subs[0], "text").as_str(), Some("Hello world"));
    assert_eq!(field(&subs[0], "first_frame").as_u64(), Some(13));
    assert_eq!(field(&subs[0], "last_frame").as_u64(), Some(31));
    assert_eq!(field(&subs[1], "first_frame").as_u64(), Some(50));
    assert!(field(&subs[2], "first_frame").is_null());
    let r = &sink.records()[1];
    assert!(r.list("subtitles").unwrap().is_empty());
    assert!(r.get("subtitle_source").unwrap().is_null());

    // Then exact 2 s clips, each with its cues re-based.
    let clips = ClipConfig::default()
        .with_precision(ClipPrecision::Exact)
        .with_encode(EncodeConfig::default().with_preset("ultrafast"))
        .with_container("mp4");
    let mut sink = VecSink::default();
    let mut rejects = VecSink::default();
    let summary = Pipeline::new(&ds)
        .stage(ReadSubtitlesStage::new(src.clone()))
        .stage(ClipVideoStage::new(src, d.path().join("clips"), clips).with_fixed_length(2.0))
        .sink(&mut sink)
        .rejects(&mut rejects)
        .run()
        .unwrap();
    assert_eq!(summary.failed, 1);
    let recs = sink.records();
    let keys: Vec<&str> = recs.iter().map(|r| r.key()).collect();
    assert_eq!(keys, ["subs_0000", "subs_0001", "plain_0000"]);
    let r = &recs[1];
    assert!((r.f64("start_s").unwrap() - 2.0).abs() < 1e-6);
    assert_eq!(r.u64("start_frame").unwrap(), 50);
    assert_eq!(r.u64("frames").unwrap(), 50);
    assert_eq!(r.str("precision").unwrap(), "exact");
    let clip = r.str("path").unwrap();
    assert!(clip.ends_with("subs/clip-0001.mp4"), "{clip}");
    assert_eq!(
        extract_frames(clip, &ExtractConfig::default())
            .unwrap()
            .len(),
        50
    );
    let subs = r.list("subtitles").unwrap();
    assert_eq!(subs.len(), 2);
    assert!(field(&subs[0], "start_s").as_f64().unwrap().abs() < 1e-6);
    assert!((field(&subs[0], "end_s").as_f64().unwrap() - 1.0).abs() < 1e-6);
    assert_eq!(field(&subs[1], "text").as_str(), Some("blink"));
    assert_eq!(recs[0].list("subtitles").unwrap().len(), 1);
    assert!(recs[2].list("subtitles").unwrap().is_empty());
}

#[test]
fn other_text_codecs_go_through_ffmpegs_decoder() {
    // A MicroDVD file (frame-based, `|` line breaks) opened directly: no video stream, and a
    // codec we do not read from the payload.
    let d = tmp();
    let p = d.path().join("a.sub");
    std::fs::write(&p, "{1}{1}25.000\n{25}{50}Hello|world\n{75}{100}{y:i}Bye\n").unwrap();
    let t = read_subtitle_stream(&p, None).unwrap();
    assert_eq!(t.codec, "microdvd");
    let got: Vec<(f64, f64, &str)> = t
        .cues
        .iter()
        .map(|c| (c.start_s, c.end_s, c.text.as_str()))
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        (got[0].0 - 1.0).abs() < 1e-6 && (got[0].1 - 2.0).abs() < 1e-6,
        "{got:?}"
    );
    assert_eq!(got[0].2, "Hello\nworld");
    assert!(
        (got[1].0 - 3.0).abs() < 1e-6 && (got[1].1 - 4.0).abs() < 1e-6,
        "{got:?}"
    );
    assert_eq!(got[1].2, "Bye");
}
