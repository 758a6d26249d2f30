//! Test media made with the `ffmpeg` CLI into a temporary directory.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `ffmpeg -y <args>` quietly and panics with its stderr on failure.
pub(crate) fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .output()
        .expect("the ffmpeg CLI is installed (scripts/dev deps)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A temporary directory for one test.
pub(crate) fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// `testsrc2` video (H.264, yuv420p) with a sine audio track, `secs` long at `fps`.
pub(crate) fn av_clip(dir: &Path, name: &str, w: u32, h: u32, fps: u32, secs: f64) -> PathBuf {
    let p = dir.join(name);
    let v = format!("testsrc2=size={w}x{h}:rate={fps}:duration={secs}");
    let a = format!("sine=frequency=440:sample_rate=16000:duration={secs}");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &v,
        "-f",
        "lavfi",
        "-i",
        &a,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "10",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        p.to_str().unwrap(),
    ]);
    p
}

/// Video only, any lavfi source, with extra output args.
pub(crate) fn lavfi(dir: &Path, name: &str, src: &str, extra: &[&str]) -> PathBuf {
    let p = dir.join(name);
    let mut args = vec!["-f", "lavfi", "-i", src];
    args.extend_from_slice(extra);
    args.push(p.to_str().unwrap());
    ffmpeg(&args);
    p
}

/// `ffprobe` one entry of the first video stream as text.
pub(crate) fn ffprobe(path: &Path, entry: &str) -> String {
    ffprobe_with(path, &[], entry)
}

/// [`ffprobe`] with extra options before the entry (e.g. `-skip_frame nokey`): one value per line.
pub(crate) fn ffprobe_with(path: &Path, extra: &[&str], entry: &str) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args(extra)
        .args(["-show_entries", entry, "-of"])
        .arg("default=noprint_wrappers=1:nokey=1")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
