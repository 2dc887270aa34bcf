"""The "kitchen-sink" recipe, decode included, one core each: `seg-prep run` of
benchmarks/kitchen-sink.yaml (one thread, shards written and fsynced) next to the same recipe in
albumentations 2.0.8 (in memory), on the same real photos, alternating round by round.

The recipe: decode; label values above 8 to ignore; mmseg's random resize (short side 512 x a ratio in [0.5, 2.0] for these 16:9
photos, bilinear); a random 512x512 crop, padded to 512x512 where the resized photo is smaller
(albumentations pads inside RandomCrop(pad_if_needed), so seg-prep pads right after its crop too:
every later stage sees the same 512x512 window on both sides); then every single-image augmentation
stage with seg-prep's defaults (`{}`), each albumentations transform set to the same parameters:

  rotate {}              A.Rotate(limit=10, p=0.5), constant border, mask fill 255
  flip {}                A.HorizontalFlip(p=0.5)
  rot90 {}               A.RandomRotate90(p=0.5)
  transpose {}           A.Transpose(p=0.5)
  affine {}              A.Affine(p=0.5) (identity ranges on both sides: the warp still runs)
  elastic {}             A.ElasticTransform(alpha=1, sigma=50, p=0.5), mask fill 255
  blur {}                A.GaussianBlur(blur_limit=0, sigma_limit=(0.5, 3), p=0.5)
  clahe {}               A.CLAHE(clip_limit=(40, 40), tile_grid_size=(8, 8), p=0.5) (L of Lab;
                         seg-prep equalises R, G and B as mmseg)
  noise {}               A.GaussNoise(std_range=(0.2, 0.44), p=0.5)
  gamma {}               A.RandomGamma(gamma_limit=(80, 125), p=0.5)
  brightness_contrast {} A.RandomBrightnessContrast(p=0.5)
  grayscale {}           A.ToGray(p=0.5)
  cutout {}              A.CoarseDropout(one hole of 0.2 x 0.2 of the window, fill 0, mask 255, p=0.5)

The multi-image stages (mosaic, class_mix) have no albumentations counterpart and are left out.
albumentations reads the JPEG with cv2.imread (BGR -> RGB) and the palette label with Pillow.
Usage: python benchmarks/kitchen_sink.py [ROOT] [--seg-prep PATH] [--count N] [--rounds R] [--json]
ROOT (or SEGPREP_BENCH_1080P) is a VOC-layout folder of real 1920x1080 photos with masks, e.g.
waterscenes-1080p (non-commercial licence: read from its path, never committed). Prints a table (and JSON with --json); seg-prep's SIMD path follows SEGPREP_SIMD.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_v] = "1"
os.environ["NO_ALBUMENTATIONS_UPDATE"] = "1"

import cv2
import numpy as np
from PIL import Image
import albumentations as A

cv2.setNumThreads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
ONE_CORE = ["taskset", "-c", "1"] if shutil.which("taskset") else []


def recipe():
    b = dict(border_mode=cv2.BORDER_CONSTANT, fill=0, fill_mask=255)
    return A.Compose([
        A.SmallestMaxSize(max_size=list(range(256, 1025)), interpolation=cv2.INTER_LINEAR),
        A.RandomCrop(512, 512, pad_if_needed=True, pad_position="top_left", **b),
        A.Rotate(limit=10, p=0.5, **b),
        A.HorizontalFlip(p=0.5),
        A.RandomRotate90(p=0.5),
        A.Transpose(p=0.5),
        A.Affine(p=0.5, **b),
        A.ElasticTransform(alpha=1, sigma=50, p=0.5, **b),
        A.GaussianBlur(blur_limit=0, sigma_limit=(0.5, 3.0), p=0.5),
        A.CLAHE(clip_limit=(40, 40), tile_grid_size=(8, 8), p=0.5),
        A.GaussNoise(std_range=(0.2, 0.44), p=0.5),
        A.RandomGamma(gamma_limit=(80, 125), p=0.5),
        A.RandomBrightnessContrast(p=0.5),
        A.ToGray(p=0.5),
        A.CoarseDropout(num_holes_range=(1, 1), hole_height_range=(0.2, 0.2), hole_width_range=(0.2, 0.2),
                        fill=0, fill_mask=255, p=0.5),
    ], seed=0)


def albumentations_side(root, names, count):
    aug = recipe()

    def sample(n):
        img = cv2.cvtColor(cv2.imread(os.path.join(root, "JPEGImages", n + ".jpg"), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        lab = np.array(Image.open(os.path.join(root, "SegmentationClass", n + ".png")))
        lab[lab > 8] = 255                               # remap_labels {above: 8, to: ignore}
        out = aug(image=img, mask=lab)
        assert out["image"].shape == (512, 512, 3) and out["mask"].shape == (512, 512)
        return out

    sample(names[0])
    t = time.perf_counter()
    for i in range(count):
        sample(names[i % len(names)])
    return count / (time.perf_counter() - t)


def segprep_side(binary, root, names, count, scratch):
    # A copy of the split (seg-prep reads no file through a link leaving its dataset folder) listing
    # `count` ids (repeats cycle over them), so both sides make the same samples.
    listed = os.path.join(scratch, "root")
    if not os.path.isdir(listed):
        os.makedirs(os.path.join(listed, "ImageSets", "Segmentation"))
        for sub in ("JPEGImages", "SegmentationClass"):
            shutil.copytree(os.path.join(root, sub), os.path.join(listed, sub))
        with open(os.path.join(listed, "ImageSets", "Segmentation", "train.txt"), "w") as f:
            f.write("".join(names[i % len(names)] + "\n" for i in range(min(count, len(names)))))
    repeats = max(1, count // len(names)) if count >= len(names) else 1
    pipeline = os.path.join(scratch, "kitchen-sink.yaml")
    with open(os.path.join(HERE, "kitchen-sink.yaml")) as f:
        text = f.read().replace("repeats: 2", f"repeats: {repeats}")
    with open(pipeline, "w") as f:
        f.write(text)
    out = os.path.join(scratch, "out")
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    r = subprocess.run(ONE_CORE + [binary, "run", pipeline, "--input-root", listed, "--output", out,
                                   "--threads", "1", "--json"], capture_output=True, text=True)
    took = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"seg-prep run failed: {r.stderr.strip()}")
    made = json.loads(r.stdout).get("samples", 0)
    return made / took, made, json.load(open(os.path.join(out, "index.json"))).get("simd", "?")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=os.environ.get("SEGPREP_BENCH_1080P"),
                    help="VOC-layout folder of real 1920x1080 photos (default: $SEGPREP_BENCH_1080P)")
    ap.add_argument("--seg-prep", default=os.path.join(HERE, "..", ".build", "release", "seg-prep"))
    ap.add_argument("--count", type=int, default=96, help="samples per side and round (cycling over the train split)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not a.root:
        ap.error("give the folder of 1080p photos as ROOT or in SEGPREP_BENCH_1080P (e.g. waterscenes-1080p)")
    if ONE_CORE:
        os.sched_setaffinity(0, {1})
    names = [l.strip() for l in open(os.path.join(a.root, "ImageSets", "Segmentation", "train.txt")) if l.strip()]
    ours, theirs, simd, made = [], [], "?", 0
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(a.rounds):
            s, made, simd = segprep_side(a.seg_prep, a.root, names, a.count, scratch)
            ours.append(s)
            theirs.append(albumentations_side(a.root, names, made))
    load = os.getloadavg()[0]
    best_o, best_t = max(ours), max(theirs)
    res = {"seg_prep_samples_per_second": ours, "albumentations_samples_per_second": theirs, "samples": made,
           "simd": simd, "ratio_of_best": best_o / best_t, "load_average": load,
           "albumentations": A.__version__, "opencv": cv2.__version__}
    if a.json:
        print(json.dumps(res))
    else:
        print(f"kitchen-sink recipe, decode included, one core, {made} samples a round, SIMD path {simd}, load {load:.2f}")
        print(f"seg-prep run     : " + ", ".join(f"{x:.1f}" for x in ours) + " samples/s")
        print(f"albumentations   : " + ", ".join(f"{x:.1f}" for x in theirs) + " samples/s")
        print(f"ratio (best/best): {best_o / best_t:.2f}x")


if __name__ == "__main__":
    main()
