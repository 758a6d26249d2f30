//! FFmpeg reads only the file it is given: playlists and manifests that would make it open other
//! files or URLs are refused with a typed error, and odd names are files, not URLs.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dataprep_core::media_input::Refusal;
use dataprep_video::{
    ClipConfig, Error, ExtractConfig, FrameReader, Sampling, extract_frames, probe,
    read_subtitle_streams, remux, write_clips,
};

use super::common::{lavfi, tmp};

/// A TCP listener on 127.0.0.1 that records whether anything connected (and closes at once).
struct Listener {
    port: u16,
    connected: Arc<AtomicBool>,
}

fn listener() -> Listener {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let connected = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&connected);
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            flag.store(true, Ordering::SeqCst);
            let mut s = s;
            let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
            let _ = s.read(&mut [0u8; 512]);
        }
    });
    Listener { port, connected }
}

fn segment(dir: &Path) {
    let seg = lavfi(
        dir,
        "seg0.ts",
        "testsrc2=size=64x48:rate=10:duration=1",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    assert!(seg.exists());
}

fn hls_playlist(dir: &Path, port: u16) -> std::path::PathBuf {
    segment(dir);
    let p = dir.join("playlist.mp4");
    std::fs::write(
        &p,
        format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n\
             #EXTINF:1.0,\nhttp://127.0.0.1:{port}/x.ts\n#EXTINF:1.0,\nseg0.ts\n#EXT-X-ENDLIST\n"
        ),
    )
    .unwrap();
    p
}

fn assert_refused(e: &Error, why: Refusal, word: &str) {
    assert!(
        matches!(e, Error::Refused { why: w, .. } if *w == why),
        "expected a refusal ({why:?}), got {e:?}"
    );
    assert!(e.to_string().contains(word), "{e}");
}

#[test]
fn hls_playlist_named_mp4_is_refused_without_network() {
    let d = tmp();
    let net = listener();
    let p = hls_playlist(d.path(), net.port);
    let e = probe(&p).unwrap_err();
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !net.connected.load(Ordering::SeqCst),
        "FFmpeg connected to 127.0.0.1:{}",
        net.port
    );
    assert_refused(&e, Refusal::Hls, "HLS playlist");
    assert_eq!(e.path(), Some(p.as_path()));
}

#[test]
fn probe_frames_clips_remux_and_subtitles_all_refuse_the_playlist() {
    let d = tmp();
    let net = listener();
    let p = hls_playlist(d.path(), net.port);
    let cfg = ExtractConfig::new(Sampling::All);
    assert_refused(&probe(&p).unwrap_err(), Refusal::Hls, "HLS");
    assert_refused(&extract_frames(&p, &cfg).unwrap_err(), Refusal::Hls, "HLS");
    assert_refused(
        &FrameReader::open(&p, &cfg).err().unwrap(),
        Refusal::Hls,
        "HLS",
    );
    let out = d.path().join("clips");
    std::fs::create_dir_all(&out).unwrap();
    let clips = write_clips(&p, &[(0.0, 1.0)], &out, &ClipConfig::default()).unwrap_err();
    assert_refused(&clips, Refusal::Hls, "HLS");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    let e = remux(&p, d.path().join("out.mkv"), None).unwrap_err();
    assert_refused(&e, Refusal::Hls, "HLS");
    assert_refused(&read_subtitle_streams(&p).unwrap_err(), Refusal::Hls, "HLS");
    std::thread::sleep(Duration::from_millis(200));
    assert!(!net.connected.load(Ordering::SeqCst));
}

#[test]
fn ffconcat_list_of_another_local_file_is_refused() {
    let d = tmp();
    segment(d.path());
    let list = d.path().join("list.mp4");
    std::fs::write(&list, "ffconcat version 1.0\nfile 'seg0.ts'\n").unwrap();
    assert_refused(&probe(&list).unwrap_err(), Refusal::FfConcat, "ffconcat");
    // The listed file itself is a good video.
    assert!(probe(d.path().join("seg0.ts")).is_ok());
}

#[test]
fn output_muxer_that_writes_its_own_files_is_refused() {
    let d = tmp();
    segment(d.path());
    let e = remux(d.path().join("seg0.ts"), d.path().join("out.m3u8"), None).unwrap_err();
    assert_refused(&e, Refusal::MultiFileOutput, "writes files of its own");
    let names: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["seg0.ts"], "nothing but the input is left");
}

/// Set in the child run of [`file_named_like_a_url_decodes_as_a_file`]: the directory to run in.
const CHILD_DIR: &str = "DATAPREP_VIDEO_TEST_URL_NAME_DIR";

#[test]
fn file_named_like_a_url_decodes_as_a_file() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        // In the child, the working directory is `dir`, so the name is a bare relative path
        // that FFmpeg alone would read as an `http:` URL.
        assert_eq!(std::env::current_dir().unwrap(), Path::new(&dir));
        let rel = Path::new("http:clip.mp4");
        let info = probe(rel).unwrap();
        assert_eq!(info.video().unwrap().width, 64);
        let frames = extract_frames(rel, &ExtractConfig::new(Sampling::All)).unwrap();
        assert_eq!(frames.len(), 10);
        return;
    }
    let d = tmp();
    let made = lavfi(
        d.path(),
        "clip.mp4",
        "testsrc2=size=64x48:rate=10:duration=1",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    let named = d.path().join("http:clip.mp4");
    std::fs::rename(&made, &named).unwrap();
    assert_eq!(probe(&named).unwrap().video().unwrap().height, 48);
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "video::inputs::file_named_like_a_url_decodes_as_a_file",
        ])
        .args(["--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, d.path())
        .current_dir(d.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("1 passed"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
