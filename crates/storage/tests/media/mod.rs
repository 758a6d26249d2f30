//! `MediaFolder` choosing files by content: byte-prefix fixtures (no codec needed), the probe
//! hook, the skip reasons, determinism.

use std::path::Path;

use dataprep_core::{Dataset, IterableDataset, Shard};
use dataprep_storage::sniff::MediaKind;
use dataprep_storage::{MediaFolder, SkipReason};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
const MPEG_PS: &[u8] = b"\0\0\x01\xBA\x44\0\x04\0\x04\x01\x01\x89\xC3\xF8";
const MP4: &[u8] = b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41\0\0\0\x08free";
const WAV: &[u8] = b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0";
const MKV: &[u8] = b"\x1A\x45\xDF\xA3\xA3\x42\x86\x81\x01\x42\x82\x88matroska";

fn ts() -> Vec<u8> {
    let mut v = vec![0xFFu8; 188 * 4];
    for k in 0..4 {
        v[k * 188] = 0x47;
    }
    v
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// A mixed folder: videos under misleading or unknown names, an image named `.mp4`, text named
/// `.mp3`, an empty file, audio.
fn mixed(dir: &Path) {
    write(dir, "a.mpg", MPEG_PS);
    write(dir, "b.ts", &ts());
    write(dir, "clip.dat", MP4);
    write(dir, "photo.mp4", PNG);
    write(dir, "notes.mp3", b"plain text\n");
    write(dir, "empty.mkv", b"");
    write(dir, "sub/tone.wav", WAV);
    write(dir, "sub/movie.mkv", MKV);
    write(
        dir,
        "sub/film.avi",
        b"AVI-ish bytes that match no signature",
    );
}

fn reasons(ds: &MediaFolder) -> Vec<String> {
    ds.skipped()
        .iter()
        .map(|s| format!("{}: {}", s.path, s.reason))
        .collect()
}

#[test]
fn video_by_content_lists_every_skipped_file() {
    let d = tempfile::tempdir().unwrap();
    mixed(d.path());
    let ds = MediaFolder::new(d.path())
        .with_kind(MediaKind::Video)
        .build()
        .unwrap();
    assert_eq!(
        ds.files(),
        ["a.mpg", "b.ts", "clip.dat", "sub/film.avi", "sub/movie.mkv"]
    );
    let formats: Vec<&str> = ds.detected().iter().map(|d| d.format()).collect();
    // `film.avi` matches no signature: taken on its extension, format unknown.
    assert_eq!(
        formats,
        ["mpeg-ps", "mpeg-ts", "mp4", "unknown", "matroska"]
    );
    assert_eq!(
        reasons(&ds),
        [
            "empty.mkv: empty: empty file",
            "notes.mp3: unrecognised: no known video signature and no video extension",
            "photo.mp4: not_video: detected png image",
            "sub/tone.wav: not_video: detected wav audio",
        ]
    );
    // in = taken + skipped.
    assert_eq!(ds.len() + ds.skipped().len(), 9);
    // The records are the taken files, in order, and shards cover them.
    let keys: Vec<String> = ds
        .open(Shard::ALL)
        .unwrap()
        .map(|r| r.unwrap().key().to_string())
        .collect();
    assert_eq!(keys, ds.files());
    let r = ds.get(2).unwrap();
    assert_eq!(r.bytes("bytes").unwrap(), MP4);
    assert_eq!(ds.path(2), d.path().join("clip.dat"));
    // Skip reasons serialise with a stable code.
    let j = serde_json::to_value(&ds.skipped()[2].reason).unwrap();
    assert_eq!(j["code"], "not_video");
    assert_eq!(j["reason"], "not_video: detected png image");
    assert_eq!(ds.skipped()[2].reason.code(), "not_video");
}

#[test]
fn images_and_audio_by_content() {
    let d = tempfile::tempdir().unwrap();
    mixed(d.path());
    let img = MediaFolder::new(d.path())
        .with_kind(MediaKind::Image)
        .build()
        .unwrap();
    assert_eq!(img.files(), ["photo.mp4"]);
    assert_eq!(img.detected()[0].format(), "png");
    assert_eq!(img.skipped().len(), 8);
    let aud = MediaFolder::new(d.path())
        .with_kind(MediaKind::Audio)
        .build()
        .unwrap();
    // Text named .mp3 is taken on its extension without a probe (content inconclusive).
    assert_eq!(aud.files(), ["notes.mp3", "sub/tone.wav"]);
    assert_eq!(aud.detected()[1].format(), "wav");
    assert!(
        reasons(&aud).contains(&"sub/movie.mkv: not_audio: detected matroska video".to_string())
    );
}

#[test]
fn the_probe_decides_and_its_reason_is_kept() {
    let d = tempfile::tempdir().unwrap();
    mixed(d.path());
    // A probe that accepts what it recognises and says why it rejects the rest; it panics on
    // one file, which is then skipped, not a crash.
    let ds = MediaFolder::new(d.path())
        .with_kind(MediaKind::Audio)
        .with_probe(|p: &Path, sniffed| {
            let name = p.file_name().unwrap().to_str().unwrap();
            match (name, sniffed) {
                ("movie.mkv", Some(s)) => {
                    assert_eq!(s.format, "matroska");
                    Ok("matroska (audio track)".into())
                }
                ("tone.wav", Some(s)) => Ok(format!("{} via probe", s.format)),
                ("notes.mp3", None) => Err("unsupported audio: no format matched".into()),
                ("film.avi", None) => panic!("hostile"),
                (_, Some(s)) if s.kind == MediaKind::Video => Err("no audio track".into()),
                (n, s) => Err(format!("unexpected {n} {s:?}")),
            }
        })
        .build()
        .unwrap();
    // Audio is looked for in video containers when a probe is set.
    assert_eq!(ds.files(), ["sub/movie.mkv", "sub/tone.wav"]);
    assert_eq!(ds.detected()[1].format(), "wav via probe");
    let r = reasons(&ds);
    assert!(
        r.contains(&"notes.mp3: probe_failed: unsupported audio: no format matched".into()),
        "{r:?}"
    );
    assert!(
        r.contains(&"sub/film.avi: probe_failed: the probe panicked".into()),
        "{r:?}"
    );
    assert!(
        r.contains(&"photo.mp4: not_audio: detected png image".into()),
        "{r:?}"
    );
    assert!(
        r.contains(&"a.mpg: probe_failed: no audio track".into()),
        "{r:?}"
    );
    // A file sniffed as another kind never reaches the probe (`unexpected` would show).
    assert!(r.iter().all(|l| !l.contains("unexpected")), "{r:?}");
}

#[test]
fn extension_filter_is_reported_and_order_does_not_depend_on_threads() {
    let d = tempfile::tempdir().unwrap();
    mixed(d.path());
    for n in 11..60 {
        write(
            d.path(),
            &format!("more/v{n}.bin"),
            if n % 3 == 0 { PNG } else { MPEG_PS },
        );
    }
    let build = || {
        MediaFolder::new(d.path())
            .with_extensions(["mpg", "ts", "dat", "mp4", "bin", "mkv"])
            .with_kind(MediaKind::Video)
            .build()
            .unwrap()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(build);
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(build);
    assert_eq!(one.files(), four.files());
    assert_eq!(one.skipped(), four.skipped());
    assert_eq!(one.detected(), four.detected());
    let ext: Vec<&str> = one
        .skipped()
        .iter()
        .filter(|s| s.reason == SkipReason::Extension)
        .map(|s| s.path.as_str())
        .collect();
    assert_eq!(ext, ["notes.mp3", "sub/film.avi", "sub/tone.wav"]);
    let mut sorted = one.skipped().to_vec();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(sorted, one.skipped(), "skipped files are in path order");
    assert_eq!(one.len() + one.skipped().len(), 9 + 49);
}

#[test]
fn without_a_kind_every_file_is_taken_as_before() {
    let d = tempfile::tempdir().unwrap();
    mixed(d.path());
    let ds = MediaFolder::new(d.path()).build().unwrap();
    assert_eq!(ds.len(), 9);
    assert!(ds.skipped().is_empty() && ds.detected().is_empty());
}

proptest::proptest! {
    /// The sniffer never panics: any bytes, alone or after the start of a real signature (the
    /// parsers that follow lengths: Ogg pages, ID3 sizes, MPEG/ADTS frame lengths, EBML, ftyp,
    /// BMP), and every short prefix of them, give a verdict.
    #[test]
    fn sniff_is_total_and_bounded(
        tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        sig in 0usize..8,
    ) {
        use dataprep_storage::sniff::sniff;
        let sigs: [&[u8]; 8] = [
            b"", b"OggS\0\x02", b"ID3\x04\0", b"\x1A\x45\xDF\xA3", b"\0\0\0\x20ftyp",
            b"\xFF\xFB\x90\x00", b"\xFF\xF1\x50\x80", b"BM",
        ];
        let mut bytes = sigs[sig].to_vec();
        bytes.extend_from_slice(&tail);
        // A verdict, not a panic, for the bytes and every prefix of them.
        for n in 0..=bytes.len().min(64) {
            let _ = sniff(&bytes[..n]);
        }
        let _ = sniff(&bytes);
    }
}
