#!/usr/bin/env python3
"""Reference timings for crates/video/benches/video.rs (docs/performance.md).

Run from the repository root:
    pip install scenedetect==0.7.2 opencv-python-headless
    python3 tools/video_bench.py [VIDEO]

VIDEO defaults to the file the Rust bench generates
(target/tmp/video-bench/bench_1280x720_20s.mp4, made on first `cargo bench -p dataprep-video`);
when missing it is generated here with the same ffmpeg command (20 s, 1280x720, 25 fps, five
lavfi sources with temporal noise, libx264 veryfast, GOP 50, one encoder thread).

Measures, best of 3 runs, wall clock:
1. `scenedetect -i VIDEO detect-content` (the CLI, Python start-up included) and, in-process,
   `scenedetect.detect(VIDEO, ContentDetector())` -> frames/s.
2. 1-fps extraction with the ffmpeg CLI: `-vf fps=1 -f null -`, `-vf fps=1 -pix_fmt rgb24
   -f rawvideo /dev/null` (RGB frames, as dataprep-video hands over) and image2 PPM files.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

DEFAULT = os.path.join("target", "tmp", "video-bench", "bench_1280x720_20s.mp4")


def generate_args(out, w=1280, h=720):
    parts = ["testsrc2", "smptehdbars", "mandelbrot", "testsrc", "rgbtestsrc"]
    a = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    for p in parts:
        a += ["-f", "lavfi", "-t", "4", "-i", f"{p}=size={w}x{h}:rate=25"]
    graph = "".join(
        f"[{i}:v]scale={w}:{h},setsar=1,format=yuv420p,fps=25,noise=alls=7:allf=t[v{i}];"
        for i in range(len(parts))
    )
    graph += "".join(f"[v{i}]" for i in range(len(parts)))
    graph += f"concat=n={len(parts)}:v=1:a=0[out]"
    a += ["-filter_complex", graph, "-map", "[out]"]
    a += ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p",
          "-threads", "1", out]
    return a


def best(fn, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    video = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    if not os.path.exists(video):
        os.makedirs(os.path.dirname(video) or ".", exist_ok=True)
        subprocess.run(["ffmpeg"] + generate_args(video), check=True)
    import scenedetect
    from scenedetect import ContentDetector, detect

    frames = int(subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
         "stream=nb_read_packets", "-of", "csv=p=0", video],
        check=True, capture_output=True, text=True).stdout.strip())
    out = {"video": video, "frames": frames, "scenedetect": scenedetect.__version__}
    scenes = detect(video, ContentDetector())
    out["scenedetect_cuts"] = [s[0].get_frames() for s in scenes[1:]]
    t = best(lambda: detect(video, ContentDetector()))
    out["scenedetect_api_s"] = t
    out["scenedetect_api_fps"] = frames / t
    t = best(lambda: run(["scenedetect", "-q", "-i", video, "detect-content"]))
    out["scenedetect_cli_s"] = t
    out["scenedetect_cli_fps"] = frames / t
    ff = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", video,
          "-vf", "fps=1"]
    out["ffmpeg_fps1_null_s"] = best(lambda: run(ff + ["-f", "null", "-"]))
    out["ffmpeg_fps1_rgb24_rawvideo_s"] = best(
        lambda: run(ff + ["-pix_fmt", "rgb24", "-f", "rawvideo", "/dev/null"]))
    with tempfile.TemporaryDirectory() as d:
        out["ffmpeg_fps1_image2_ppm_s"] = best(
            lambda: run(ff + ["-f", "image2", os.path.join(d, "%04d.ppm")]))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
