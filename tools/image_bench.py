"""Reference timings for crates/image/benches/image.rs (docs/performance.md).

Run from the repository root, after the Rust bench (which writes its resized outputs for the
PSNR comparison to target/bench-data/image/):
    cargo bench -p dataprep-image --features turbo --bench image
    python3 tools/image_bench.py [crates/image/benches/data/coffee_1024x768_q90.jpg]
Needs: pip install pillow opencv-python-headless numpy

Same input as the Rust bench: tests/data/photos/coffee.png upscaled to 1024x768 (Lanczos), and
for the pipeline the committed JPEG both sides decode (crates/image/benches/data/).
1. PIL.Image.resize to 256x192 per filter (single thread).
2. img2dataset's resizer path for resize_mode=border, image_size=256, JPEG quality 95:
   cv2.imdecode -> (longest side to 256, cv2.INTER_AREA when downscaling, as img2dataset's
   downscale_interpolation default) -> pad white with cv2.copyMakeBorder -> cv2.imencode JPEG 95.
"""
import sys
import time

import cv2
import numpy as np
from PIL import Image

cv2.setNumThreads(1)
src = Image.open("crates/image/tests/data/photos/coffee.png").convert("RGB")
big = src.resize((1024, 768), Image.Resampling.LANCZOS)


def bench(fn, n=60):
    fn()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


for name, f in [("box", Image.Resampling.BOX), ("bilinear", Image.Resampling.BILINEAR),
                ("hamming", Image.Resampling.HAMMING), ("bicubic", Image.Resampling.BICUBIC),
                ("lanczos3", Image.Resampling.LANCZOS)]:
    print(f"pillow resize 1024x768->256x192 {name}: {bench(lambda: big.resize((256, 192), f)) * 1e3:.3f} ms")

path = sys.argv[1] if len(sys.argv) > 1 else "crates/image/benches/data/coffee_1024x768_q90.jpg"
with open(path, "rb") as f:
    jpeg = f.read()


def img2dataset_border():
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_UNCHANGED)
    h, w = img.shape[:2]
    scale = 256 / max(h, w)
    nh, nw = round(h * scale), round(w * scale)
    img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
    top = (256 - nh) // 2
    left = (256 - nw) // 2
    img = cv2.copyMakeBorder(img, top, 256 - nh - top, left, 256 - nw - left,
                             cv2.BORDER_CONSTANT, value=[255, 255, 255])
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])[1]


def decode_only():
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_UNCHANGED)


print(f"opencv decode 1024x768 jpeg: {bench(decode_only) * 1e3:.3f} ms")
t = bench(img2dataset_border)
print(f"img2dataset border256 INTER_AREA + jpeg95: {t * 1e3:.3f} ms = {1 / t:.0f} images/s/core")


# Quality of the 256x192 content (the border excluded) against Pillow's Lanczos resize of the
# full decode: img2dataset's OpenCV INTER_AREA, and the Rust bench's outputs (full decode and
# draft decodes, Lanczos3), written by `cargo bench -p dataprep-image --bench image`.
def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


full = Image.open(__import__("io").BytesIO(jpeg)).convert("RGB")
ref = np.asarray(full.resize((256, 192), Image.Resampling.LANCZOS))
bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_UNCHANGED)
area = cv2.cvtColor(cv2.resize(bgr, (256, 192), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
print(f"PSNR vs Pillow LANCZOS of the full decode: OpenCV INTER_AREA {psnr(area, ref):.1f} dB")
base = "target/bench-data/image"
for name in ("full", "draft2", "draft1"):
    try:
        out = np.asarray(Image.open(f"{base}/out_{name}_border256_lanczos3.png").convert("RGB"))
    except FileNotFoundError:
        continue
    print(f"  dataprep {name} decode + lanczos3: {psnr(out[32:224], ref):.1f} dB")
