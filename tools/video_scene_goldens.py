#!/usr/bin/env python3
"""Golden values for dataprep-video's shot detectors, computed by PySceneDetect itself.

Writes crates/video/tests/data/scene_goldens.json: for each test video, the ffmpeg arguments that
make it (the Rust test regenerates the video with the same command, so no video is committed) and
the cut frames PySceneDetect finds with ContentDetector() and AdaptiveDetector() defaults; and
crates/video/tests/data/cv2_{hsv,resize}.bin: OpenCV's BGR->HSV and INTER_LINEAR resize of a
pseudo-random image (the same generator is in the Rust test).

    pip install scenedetect==0.7.2 opencv-python-headless
    python3 tools/video_scene_goldens.py
"""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np
import scenedetect
from scenedetect import AdaptiveDetector, ContentDetector, SceneManager, open_video

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "video", "tests", "data")


def src(spec, w, h, secs, fps=25):
    """A lavfi source; the duration goes to `-t` (mandelbrot has no duration option)."""
    sep = ":" if "=" in spec else "="
    return (f"{spec}{sep}size={w}x{h}:rate={fps}", secs)


def concat(parts, w, h, fps=25, extra_filters=None):
    """ffmpeg args concatenating lavfi sources (each: (source, per-input filter or ''))."""
    args = []
    for (spec, secs), _ in parts:
        args += ["-f", "lavfi", "-t", str(secs), "-i", spec]
    chains = []
    for i, (_, filt) in enumerate(parts):
        f = (filt + "," if filt else "") + f"scale={w}:{h},setsar=1,format=yuv420p,fps={fps}"
        chains.append(f"[{i}:v]{f}[v{i}]")
    graph = ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(len(parts)))
    graph += f"concat=n={len(parts)}:v=1:a=0[out]"
    return args + ["-filter_complex", graph, "-map", "[out]", "-c:v", "libx264", "-preset",
                   "veryfast", "-crf", "18", "-threads", "1", "-pix_fmt", "yuv420p"]


def videos():
    w, h = 320, 180
    yield "sources", concat([
        (src("testsrc", w, h, 2.0), ""),
        (src("smptebars", w, h, 1.6), ""),
        (src("testsrc2", w, h, 2.4), ""),
        (src("mandelbrot", w, h, 1.2), ""),
        (src("rgbtestsrc", w, h, 1.0), ""),
    ], w, h)
    yield "colours_noise", concat([
        (src("color=c=red", w, h, 1.0), "noise=alls=40:allf=t"),
        (src("color=c=0x2040a0", w, h, 1.4), "noise=alls=20:allf=t"),
        (src("testsrc2", w, h, 2.0), "hue=h=t*60"),
        (src("color=c=yellow", w, h, 0.8), ""),
        (src("smptehdbars", w, h, 1.2), "noise=alls=30:allf=t"),
    ], w, h)
    # Scenes shorter than 15 frames: the flash filter merges them.
    yield "short_scenes", concat([
        (src("testsrc", w, h, 1.2), ""),
        (src("smptebars", w, h, 0.32), ""),
        (src("mandelbrot", w, h, 0.24), ""),
        (src("testsrc2", w, h, 1.6), ""),
        (src("rgbtestsrc", w, h, 0.4), ""),
        (src("testsrc", w, h, 1.2), "negate"),
    ], w, h)
    # Larger frame: downscale factor 640 / 256 = 2.5.
    w2, h2 = 640, 360
    yield "downscaled", concat([
        (src("testsrc2", w2, h2, 1.2), ""),
        (src("smptebars", w2, h2, 1.0), ""),
        (src("mandelbrot", w2, h2, 1.2), ""),
        (src("testsrc", w2, h2, 0.8), "hflip"),
    ], w2, h2)


def cuts(path, detector):
    video = open_video(path, backend="opencv")
    sm = SceneManager()
    sm.add_detector(detector)
    sm.detect_scenes(video)
    return [c.get_frames() for c in sm.get_cut_list()], float(video.frame_rate), video.frame_number


def lcg_image(w, h, seed):
    """Pseudo-random BGR image: x = (x * 1103515245 + 12345) mod 2^31, byte = x >> 16 & 255."""
    x = seed
    out = np.empty(w * h * 3, dtype=np.uint8)
    for i in range(w * h * 3):
        x = (x * 1103515245 + 12345) % (1 << 31)
        out[i] = (x >> 16) & 255
    return out.reshape(h, w, 3)


def main():
    os.makedirs(OUT, exist_ok=True)
    res = {"scenedetect": scenedetect.__version__, "opencv": cv2.__version__, "videos": []}
    with tempfile.TemporaryDirectory() as d:
        for name, args in videos():
            p = os.path.join(d, name + ".mp4")
            subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args, p],
                           check=True)
            c, fps, frames = cuts(p, ContentDetector())
            a, _, _ = cuts(p, AdaptiveDetector())
            print(name, frames, "content", c, "adaptive", a, file=sys.stderr)
            res["videos"].append({"name": name, "ffmpeg_args": args, "fps": fps,
                                  "frames": frames, "content_cuts": c, "adaptive_cuts": a})
    with open(os.path.join(OUT, "scene_goldens.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    img = lcg_image(67, 41, 7)
    # Add pure greys, saturated primaries and near-ties so every HSV branch is covered.
    img[0, :6] = [[0, 0, 0], [255, 255, 255], [0, 0, 255], [0, 255, 0], [255, 0, 0], [7, 7, 9]]
    cv2.cvtColor(img, cv2.COLOR_BGR2HSV).tofile(os.path.join(OUT, "cv2_hsv.bin"))
    img.tofile(os.path.join(OUT, "cv2_image.bin"))
    for (tw, th) in [(round(67 / 1.3), round(41 / 1.3)), (27, 16)]:
        cv2.resize(img, (tw, th), interpolation=cv2.INTER_LINEAR).tofile(
            os.path.join(OUT, f"cv2_resize_{tw}x{th}.bin"))


if __name__ == "__main__":
    main()
