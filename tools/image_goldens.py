"""Goldens for crates/image/tests (dataprep-image).

Run from the repository root:  python3 tools/image_goldens.py
Needs: pip install pillow imagehash scikit-image opencv-python-headless numpy
Writes crates/image/tests/data/{photos,pillow}/*.png and crates/image/tests/data/goldens.json.

Photos come from scikit-image's bundled sample data (see crates/image/tests/data/README.md for
their licences), cropped to 4:3 and reduced to 128x96 with Pillow's Lanczos.
"""
import json
import os

import cv2
import imagehash
import numpy as np
import PIL
import skimage
from PIL import Image, ImageOps

OUT = "crates/image/tests/data"
SK = os.path.join(os.path.dirname(skimage.__file__), "data")
FILTERS = {
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "hamming": Image.Resampling.HAMMING,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos3": Image.Resampling.LANCZOS,
}
os.makedirs(f"{OUT}/photos", exist_ok=True)
os.makedirs(f"{OUT}/pillow", exist_ok=True)


def photo(name, box):
    im = Image.open(os.path.join(SK, name)).convert("RGB").crop(box)
    im = im.resize((128, 96), Image.Resampling.LANCZOS)
    im.save(f"{OUT}/photos/{name}", optimize=True)
    return im


photos = {
    "astronaut.png": photo("astronaut.png", (0, 64, 512, 448)),
    "coffee.png": photo("coffee.png", (0, 0, 600, 400)),
    "chelsea.png": photo("chelsea.png", (25, 0, 425, 300)),
}


def synthetic(kind, w, h):
    """Mirrors synthetic() in crates/image/tests/image/main.rs."""
    a = np.zeros((h, w, 3), np.uint8)
    for y in range(h):
        for x in range(w):
            if kind == "gradient":
                a[y, x] = ((x * 255) // (w - 1), (y * 255) // (h - 1), ((x + y) * 7) % 256)
            elif kind == "checker":
                v = 230 if ((x // 4) + (y // 4)) % 2 == 0 else 20
                a[y, x] = (v, v, 255 - v)
            elif kind == "rings":
                d = (x - w / 2) ** 2 + (y - h / 2) ** 2
                a[y, x] = (int(d) % 256, (int(d) * 3) % 256, (x * y) % 256)
    return Image.fromarray(a, "RGB")


goldens = {"pillow": PIL.__version__, "imagehash": imagehash.__version__, "opencv": cv2.__version__}

# Resize goldens: every photo to 45x34 per filter; an upscale of a 40x30 crop to 71x53; RGBA.
resize = []
for name, im in photos.items():
    for f, flt in FILTERS.items():
        out = f"{name[:-4]}_{f}_45x34.png"
        im.resize((45, 34), flt).save(f"{OUT}/pillow/{out}")
        resize.append({"input": name, "crop": None, "filter": f, "width": 45, "height": 34,
                       "rgba": False, "golden": out})
crop = (30, 20, 70, 50)
for f, flt in FILTERS.items():
    out = f"astronaut_crop_{f}_71x53.png"
    photos["astronaut.png"].crop(crop).resize((71, 53), flt).save(f"{OUT}/pillow/{out}")
    resize.append({"input": "astronaut.png", "crop": list(crop), "filter": f, "width": 71,
                   "height": 53, "rgba": False, "golden": out})
# RGBA: chelsea with alpha = x * 2 (0..254), Pillow premultiplies internally (RGBA -> RGBa).
rgba = photos["chelsea.png"].convert("RGBA")
alpha = Image.fromarray(np.tile((np.arange(128) * 2).astype(np.uint8), (96, 1)), "L")
rgba.putalpha(alpha)
for f, flt in FILTERS.items():
    out = f"chelsea_rgba_{f}_45x34.png"
    rgba.resize((45, 34), flt).save(f"{OUT}/pillow/{out}")
    resize.append({"input": "chelsea.png", "crop": None, "filter": f, "width": 45, "height": 34,
                   "rgba": True, "golden": out})
goldens["resize"] = resize

# imagehash on the photos and on synthetic images.
hashes = []
items = [(n, im) for n, im in photos.items()]
items += [(f"synthetic:{k}:{w}x{h}", synthetic(k, w, h))
          for k, w, h in [("gradient", 64, 48), ("checker", 40, 40), ("rings", 97, 61)]]
for n, im in items:
    hashes.append({"image": n, "ahash": str(imagehash.average_hash(im)),
                   "dhash": str(imagehash.dhash(im)), "phash": str(imagehash.phash(im))})
goldens["hashes"] = hashes

# EXIF orientation: Pillow's exif_transpose of a 6x4 image with unique pixels.
stored = np.array([[[x * 40, y * 60, (x + 6 * y) * 10] for x in range(6)] for y in range(4)], np.uint8)
orient = []
for o in range(1, 9):
    im = Image.fromarray(stored, "RGB")
    exif = im.getexif()
    exif[0x0112] = o
    im.info["exif"] = exif.tobytes()
    im.save(f"/tmp/orient_{o}.png", exif=exif.tobytes())
    t = ImageOps.exif_transpose(Image.open(f"/tmp/orient_{o}.png"))
    orient.append({"orientation": o, "width": t.width, "height": t.height,
                   "rgb": np.asarray(t.convert("RGB")).flatten().tolist()})
goldens["orientation"] = orient

# Blur: variance of the Laplacian (cv2.Laplacian, CV_64F, ksize 1) on Pillow's "L" image.
blur = []
for n, im in photos.items():
    g = np.asarray(im.convert("L"))
    blur.append({"image": n, "laplacian_var": float(cv2.Laplacian(g, cv2.CV_64F).var())})
goldens["blur"] = blur

# torchvision's classification preset on a photo, done with Pillow the way torchvision does on
# PIL images: Resize(256) (shorter side, long side int(256 * long / short), bilinear),
# CenterCrop(224) (top = int(round((h - 224) / 2))), ToTensor, Normalize(ImageNet).
im = photos["coffee.png"]
w, h = im.size
short, long = (w, h) if w <= h else (h, w)
nl = int(256 * long / short)
size = (256, nl) if w <= h else (nl, 256)
r = im.resize(size, Image.Resampling.BILINEAR)
top, left = int(round((r.height - 224) / 2.0)), int(round((r.width - 224) / 2.0))
c = np.asarray(r.crop((left, top, left + 224, top + 224)), np.float64) / 255.0
mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
t = ((c - mean) / std).transpose(2, 0, 1)
goldens["classification_preset"] = {
    "image": "coffee.png", "resized": list(size), "channel_means": t.mean(axis=(1, 2)).tolist(),
    "samples": [[ch, y, x, float(t[ch, y, x])] for ch, y, x in
                [(0, 0, 0), (1, 100, 50), (2, 223, 223), (0, 112, 112), (1, 10, 200), (2, 150, 30)]],
}

with open(f"{OUT}/goldens.json", "w") as fh:
    json.dump(goldens, fh, indent=1)
print("wrote", f"{OUT}/goldens.json")
