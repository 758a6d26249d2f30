//! Criterion benchmarks of dataprep-video: shot detection (frames/s) and 1-fps frame extraction
//! on a generated 20 s 1280×720 H.264 video with four cuts (and shot detection on the same content
//! at 640×360). The reference CLIs (`ffmpeg`, PySceneDetect's `scenedetect detect-content` when
//! installed) run as processes in the same bench; `tools/video_bench.py` times PySceneDetect's
//! in-process API on the same file (same ffmpeg command). Results: docs/performance.md.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dataprep_video::{
    ExtractConfig, FrameReader, Sampling, ShotConfig, detect_shots, frame_timing,
};

/// The ffmpeg arguments of the benchmark video (kept identical in tools/video_bench.py).
fn generate_args(out: &str, w: u32, h: u32) -> Vec<String> {
    let parts = [
        "testsrc2",
        "smptehdbars",
        "mandelbrot",
        "testsrc",
        "rgbtestsrc",
    ];
    let mut a: Vec<String> = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for p in parts {
        a.extend(["-f", "lavfi", "-t", "4", "-i"].map(String::from));
        a.push(format!("{p}=size={w}x{h}:rate=25"));
    }
    let mut graph = String::new();
    for i in 0..parts.len() {
        graph += &format!(
            "[{i}:v]scale={w}:{h},setsar=1,format=yuv420p,fps=25,noise=alls=7:allf=t[v{i}];"
        );
    }
    for i in 0..parts.len() {
        graph += &format!("[v{i}]");
    }
    graph += &format!("concat=n={}:v=1:a=0[out]", parts.len());
    a.extend([
        "-filter_complex".into(),
        graph,
        "-map".into(),
        "[out]".into(),
    ]);
    a.extend(
        [
            "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p",
            "-threads", "1",
        ]
        .map(String::from),
    );
    a.push(out.to_string());
    a
}

fn sample(w: u32, h: u32) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("video-bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let p = dir.join(format!("bench_{w}x{h}_20s.mp4"));
    if !p.exists() {
        let st = Command::new("ffmpeg")
            .args(generate_args(p.to_str().expect("utf-8 path"), w, h))
            .status()
            .expect("the ffmpeg CLI is installed");
        assert!(st.success(), "ffmpeg failed to make the bench video");
    }
    eprintln!("bench video: {}", p.display());
    p
}

fn benches(c: &mut Criterion) {
    let p = sample(1280, 720);
    let frames = frame_timing(&p).expect("timing").frames;
    let mut g = c.benchmark_group("video_1280x720_20s");
    g.sample_size(10);
    g.throughput(Throughput::Elements(frames));
    g.bench_function("shots_content", |b| {
        b.iter(|| black_box(detect_shots(&p, &ShotConfig::default()).expect("shots")))
    });
    g.bench_function("shots_adaptive", |b| {
        b.iter(|| black_box(detect_shots(&p, &ShotConfig::adaptive()).expect("shots")))
    });
    g.bench_function("frames_fps1_rgb", |b| {
        b.iter(|| {
            let r = FrameReader::open(&p, &ExtractConfig::new(Sampling::Fps(1.0))).expect("open");
            black_box(r.map(|f| f.expect("frame").image.len()).sum::<usize>())
        })
    });
    g.finish();

    // The reference tools on the same file, in the same run (so machine load affects both):
    // the ffmpeg CLI's 1-fps extraction and, when installed, PySceneDetect's CLI.
    let mut g = c.benchmark_group("reference_1280x720_20s");
    g.sample_size(10);
    g.throughput(Throughput::Elements(frames));
    let run = |args: &[&str]| {
        let st = Command::new(args[0])
            .args(&args[1..])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("reference tool runs");
        assert!(st.success(), "{args:?} failed");
    };
    let v = p.to_str().expect("utf-8 path");
    let ff = ["ffmpeg", "-nostdin", "-y", "-i", v, "-vf", "fps=1"];
    g.bench_function("ffmpeg_cli_fps1_null", |b| {
        b.iter(|| run(&[&ff[..], &["-f", "null", "-"]].concat()))
    });
    g.bench_function("ffmpeg_cli_fps1_rgb24", |b| {
        b.iter(|| {
            run(&[
                &ff[..],
                &["-pix_fmt", "rgb24", "-f", "rawvideo", "/dev/null"],
            ]
            .concat())
        })
    });
    let have_scenedetect = Command::new("scenedetect")
        .arg("version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if have_scenedetect {
        g.bench_function("scenedetect_cli_detect_content", |b| {
            b.iter(|| run(&["scenedetect", "-q", "-i", v, "detect-content"]))
        });
    } else {
        eprintln!("scenedetect not installed: skipping its reference run");
    }
    g.finish();

    // The same content at 640×360, where decoding is cheaper and per-frame work weighs more.
    let p = sample(640, 360);
    let v = p.to_str().expect("utf-8 path");
    let mut g = c.benchmark_group("video_640x360_20s");
    g.sample_size(10);
    g.throughput(Throughput::Elements(frames));
    g.bench_function("shots_content", |b| {
        b.iter(|| black_box(detect_shots(&p, &ShotConfig::default()).expect("shots")))
    });
    if have_scenedetect {
        g.bench_function("scenedetect_cli_detect_content", |b| {
            b.iter(|| run(&["scenedetect", "-q", "-i", v, "detect-content"]))
        });
    }
    g.finish();
}

criterion_group!(video, benches);
criterion_main!(video);
