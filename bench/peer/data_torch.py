#!/usr/bin/env python3
"""PyTorch/PIL peer of `attune bench data`: the same work done the usual PyTorch way.

decode: PIL opens each JPEG, converts to RGB, resizes the short side and centre-crops to
SIZE (ImageOps.fit, like Attune's 'cover'), and appends the uint8 HWC bytes to one file.
augment: torchvision transforms (v1, on PIL images, as most SSL repos use them) make two
BYOL views per image at SIZE: RandomResizedCrop, flip, ColorJitter p=0.8, Grayscale p=0.2,
GaussianBlur, Solarize, ToTensor, Normalize.

Each measurement runs --repeat times and keeps the best (the machine may be shared).
Prints one JSON object: {"decode": {"SIZE": img/s}, "augment": {"SIZE": img/s}, ...}.
"""
import argparse
import glob
import json
import os
import tempfile
import time

import numpy as np
import torch
from PIL import Image, ImageOps
import torchvision
from torchvision import transforms as T


def decode_to_cache(files, size, out_path):
    start = time.perf_counter()
    with open(out_path, "wb") as out:
        for f in files:
            with Image.open(f) as im:
                rgb = ImageOps.fit(im.convert("RGB"), (size, size), Image.BILINEAR)
                out.write(np.asarray(rgb, dtype=np.uint8).tobytes())
    return len(files) / (time.perf_counter() - start)


def byol_views(size):
    kernel = max(3, int(0.1 * size) // 2 * 2 + 1)
    common = [
        T.RandomResizedCrop(size, scale=(0.08, 1.0)),
        T.RandomHorizontalFlip(),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.2, 0.1)], p=0.8),
        T.RandomGrayscale(p=0.2),
    ]
    tail = [T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]
    v1 = T.Compose(common + [T.GaussianBlur(kernel, (0.1, 2.0))] + tail)
    v2 = T.Compose(common + [T.RandomApply([T.GaussianBlur(kernel, (0.1, 2.0))], p=0.1), T.RandomSolarize(128, p=0.2)] + tail)
    return v1, v2


def augment(cache_path, count, size, batch):
    raw = np.fromfile(cache_path, dtype=np.uint8).reshape(count, size, size, 3)
    images = [Image.fromarray(raw[i]) for i in range(count)]
    v1, v2 = byol_views(size)
    done = 0
    start = time.perf_counter()
    for b in range(0, count, batch):
        chunk = images[b:b + batch]
        a = torch.stack([v1(im) for im in chunk])
        c = torch.stack([v2(im) for im in chunk])
        done += len(chunk)
        del a, c
    return done / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True, help="folder of JPEG files")
    ap.add_argument("--sizes", default="224,64")
    ap.add_argument("--augment-count", type=int, default=256)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=2, help="runs per measurement; the best is kept")
    ap.add_argument("--stage", choices=["decode", "augment", "all"], default="all",
                    help="measure only one stage (augment decodes first, untimed)")
    args = ap.parse_args()
    torch.manual_seed(0)
    files = sorted(glob.glob(os.path.join(args.dir, "*.jpg")))
    if not files:
        raise SystemExit(f"no .jpg files in {args.dir}")
    result = {"decode": {}, "augment": {}, "threads": torch.get_num_threads(),
              "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "PIL": Image.__version__}}
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            cache = os.path.join(tmp, f"cache{size}.u8")
            decode = max(decode_to_cache(files, size, cache) for _ in range(args.repeat if args.stage != "augment" else 1))
            if args.stage != "augment":
                result["decode"][str(size)] = decode
            if args.stage == "decode":
                continue
            n = min(args.augment_count, len(files))
            result["augment"][str(size)] = max(
                (augment(cache, len(files), size, args.batch) if n == len(files) else augment_subset(cache, len(files), n, size, args.batch))
                for _ in range(args.repeat))
    print(json.dumps(result))


def augment_subset(cache_path, total, n, size, batch):
    raw = np.fromfile(cache_path, dtype=np.uint8).reshape(total, size, size, 3)[:n]
    sub = cache_path + ".sub"
    raw.tofile(sub)
    return augment(sub, n, size, batch)


if __name__ == "__main__":
    main()
