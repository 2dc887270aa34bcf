"""Per-stage timing of seg-prep's augmentation stages next to the same transforms in albumentations
2.0.8, on 512x512 windows of real 1920x1080 photos (decode and cropping excluded), one core each.

seg-prep side: `seg-prep bench stages` on a pipeline decode -> random_crop 512 -> pad 512 -> STAGE
(p: 1), after one untimed pass over the first sample (`--warm-up 1`); its row for STAGE is the stage alone. albumentations side: the same windows (cv2.imread,
BGR -> RGB, a random 512x512 crop), then `t(image=..., mask=...)` with p=1, timed after one warm-up.
Each side's time is the best of --repeats passes over the windows (mean per window within a pass),
the two sides taking turns pass by pass.
The transforms are matched as closely as the libraries allow (see ROWS); CLAHE differs in kind:
albumentations equalises L of Lab, seg-prep (as mmseg) each of R, G and B. blur's row is the mean of
both sides at five fixed sigmas across the default range (SWEEPS): albumentations draws its sigma
unseeded, so with drawn sigmas the two sides would time different kernel sizes.

Usage: benchmarks/.venv/bin/python benchmarks/augment_stages.py [ROOT] [--seg-prep PATH] [--count N] [--only S1,S2]
--only runs just the rows of those seg-prep stages (e.g. --only blur,clahe).
ROOT (or SEGPREP_BENCH_1080P) is a VOC-layout folder of real 1920x1080 photos with masks, e.g.
waterscenes-1080p (non-commercial licence: read from its path, never committed).
"""
import argparse, json, os, subprocess, sys, tempfile, time

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_v] = "1"
os.environ["NO_ALBUMENTATIONS_UPDATE"] = "1"

import cv2
import numpy as np
from PIL import Image
import albumentations as A

cv2.setNumThreads(1)

# (seg-prep stage with parameters, albumentations transform)
ROWS = [
    ("gamma: {p: 1}", lambda: A.RandomGamma(gamma_limit=(80, 125), p=1)),
    ("grayscale: {p: 1}", lambda: A.ToGray(p=1)),
    ("brightness_contrast: {p: 1}", lambda: A.RandomBrightnessContrast(p=1)),
    ("clahe: {p: 1}", lambda: A.CLAHE(clip_limit=(40, 40), tile_grid_size=(8, 8), p=1)),
    ("blur: {p: 1}", lambda: A.GaussianBlur(blur_limit=0, sigma_limit=(0.5, 3.0), p=1)),
    ("noise: {p: 1}", lambda: A.GaussNoise(std_range=(0.2, 0.44), p=1)),
    ("cutout: {p: 1}", lambda: A.CoarseDropout(num_holes_range=(1, 1), hole_height_range=(0.2, 0.2),
                                               hole_width_range=(0.2, 0.2), fill=0, fill_mask=255, p=1)),
    ("rot90: {p: 1}", lambda: A.RandomRotate90(p=1)),
    ("transpose: {p: 1}", lambda: A.Transpose(p=1)),
    ("rotate: {degree: 30, p: 1}", lambda: A.Rotate(limit=30, p=1)),
    ("affine: {scale: [0.8, 1.2], rotate: [-20, 20], shear: [-10, 10], translate_percent: [-0.1, 0.1], p: 1}",
     lambda: A.Affine(scale=(0.8, 1.2), rotate=(-20, 20), shear=(-10, 10), translate_percent=(-0.1, 0.1), p=1)),
    ("elastic: {alpha: 34, sigma: 4, p: 1}", lambda: A.ElasticTransform(alpha=34, sigma=4, p=1)),
]

# Rows whose cost depends on a drawn parameter that albumentations draws unseeded: both sides run at
# the same fixed values (the midpoints of five equal parts of the range) and the row is the mean, so
# the two sides' draws cannot differ. blur: sigma uniform in [0.5, 3], as the stage's and
# GaussianBlur's defaults; its time grows with the kernel size that sigma sets.
SWEEPS = {
    "blur": [(f"blur: {{sigma: [{s}, {s}], p: 1}}", (lambda s=s: A.GaussianBlur(blur_limit=0, sigma_limit=(s, s), p=1)))
             for s in (0.5 + 2.5 * (k + 0.5) / 5 for k in range(5))],
}


def windows(root, count, seed=0):
    names = [l.strip() for l in open(os.path.join(root, "ImageSets", "Segmentation", "train.txt")) if l.strip()]
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        n = names[i % len(names)]
        img = cv2.cvtColor(cv2.imread(os.path.join(root, "JPEGImages", n + ".jpg")), cv2.COLOR_BGR2RGB)
        lbl = np.array(Image.open(os.path.join(root, "SegmentationClass", n + ".png")))
        y = rng.integers(0, img.shape[0] - 512 + 1); x = rng.integers(0, img.shape[1] - 512 + 1)
        out.append((np.ascontiguousarray(img[y:y + 512, x:x + 512]), np.ascontiguousarray(lbl[y:y + 512, x:x + 512])))
    return out


def albu_us(make, data, repeats):
    t = make()
    t(image=data[0][0], mask=data[0][1])
    start = time.perf_counter()
    for _ in range(repeats):
        for img, lbl in data:
            t(image=img, mask=lbl)
    return (time.perf_counter() - start) / (repeats * len(data)) * 1e6


def seg_prep_us(binary, root, stage, count, repeats, tmp):
    name = stage.split(":")[0]
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"input: {{root: {root}, split: train}}\nclasses: 9\nstages:\n  - decode: {{}}\n"
                f"  - random_crop: {{size: [512, 512]}}\n  - pad: {{size: [512, 512]}}\n  - {stage}\n"
                f"output: {{dir: {tmp}/out}}\n")
    out = subprocess.run([binary, "bench", "stages", path, "--limit", str(count), "--repeats", str(repeats), "--warm-up", "1", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return next(r["us_per_sample"] for r in json.loads(out)["stages"] if r["stage"] == name)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=os.environ.get("SEGPREP_BENCH_1080P"),
                    help="VOC-layout folder of real 1920x1080 photos (default: $SEGPREP_BENCH_1080P)")
    ap.add_argument("--seg-prep", default=os.path.join(here, "..", ".build", "release", "seg-prep"))
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=5, help="passes per side; each side keeps its best")
    ap.add_argument("--only", default="", help="comma-separated seg-prep stage names: run only their rows")
    a = ap.parse_args()
    if not a.root:
        ap.error("give the folder of 1080p photos as ROOT or in SEGPREP_BENCH_1080P (e.g. waterscenes-1080p)")
    only = {n.strip() for n in a.only.split(",") if n.strip()}
    unknown = only - {stage.split(":")[0] for stage, _ in ROWS}
    if unknown:
        ap.error(f"--only: no row for {', '.join(sorted(unknown))}")
    root = os.path.abspath(a.root)
    data = windows(root, a.count)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for stage, make in ROWS:
            if only and stage.split(":")[0] not in only:
                continue
            name = stage.split(":")[0]
            points = SWEEPS.get(name, [(stage, make)])
            ours = theirs = 0.0
            for st, mk in points:
                # Best of --repeats passes over the windows on each side, the sides taking turns pass
                # by pass, so a slow spell of the machine does not land on one side only.
                mine, peer = [], []
                for _ in range(a.repeats):
                    mine.append(seg_prep_us(a.seg_prep, root, st, a.count, 1, tmp))
                    peer.append(albu_us(mk, data, 1))
                ours += min(mine) / len(points)
                theirs += min(peer) / len(points)
            rows.append({"stage": stage.split(":")[0], "seg_prep_us": round(ours, 1), "albumentations_us": round(theirs, 1),
                         "ratio": round(theirs / ours, 2) if ours > 0 else None, "albumentations": make().__class__.__name__})
    print(json.dumps({"root": root, "count": a.count, "repeats": a.repeats, "window": [512, 512], "rows": rows}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
