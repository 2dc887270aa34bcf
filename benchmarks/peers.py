"""Peer data paths that benchmarks/compare.py measures next to seg-prep on the same files, run with
benchmarks/.venv/bin/python (benchmarks/install-peers). Single-threaded: OpenCV with
cv2.setNumThreads(1), OMP/MKL/OpenBLAS threads 1 (the caller also pins the process to one core).

  albu   albumentations 2.0.8: seg-prep's voc-train augmentation (pipelines/voc-train.yaml) as an
         albumentations user writes it. cv2.imread (BGR -> RGB) for the JPEG, Pillow for the
         palette label (indices kept); RandomRescale below is the reference's random rescale with
         aspect jitter (bicubic image, nearest label); HorizontalFlip(0.5); PadIfNeeded(512, 512,
         fill=128, fill_mask=0, position="random") + RandomCrop(512, 512) for `place` (a random
         offset, a crop where the rescaled sample is larger); HueSaturationValue(p=1) for `hsv`
         (additive shifts of about the same spread; seg-prep and the reference use multiplicative
         gains, through the same kind of lookup tables); labels > 20 -> 21 (`remap_labels`).
         Samples are gathered into [64, H, W, 3] and [64, H, W] uint8 arrays, as a shard holds them;
         with --write DIR each full (and the last) batch is also written to DIR as one file
         (temporary name, fsync, rename: the way seg-prep writes its shards).
  mmseg  mmsegmentation 1.2.2's training transforms for PASCAL VOC / ADE20K style configs, built
         from config dicts through mmseg's registry: LoadImageFromFile, LoadAnnotations,
         RandomResize(scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
         RandomCrop((512, 512), cat_max_ratio=0.75), RandomFlip(0.5), PhotoMetricDistortion().
         (PackSegInputs, the tensor conversion, is left out.) mmcv-lite has no mmcv.ops, which
         mmseg imports when loaded; a stub module with point_sample = None stands in for it.

Usage (prints one JSON object; timing starts after one warm-up sample):
  peers.py albu ROOT [--count N] [--size 512] [--classes 21] [--seed 0] [--write DIR]
  peers.py mmseg ROOT [--count N] [--seed 0]
"""
import argparse, json, os, sys, time

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_v] = "1"
os.environ["NO_ALBUMENTATIONS_UPDATE"] = "1"   # no network check at import

import cv2
import numpy as np
from PIL import Image

cv2.setNumThreads(1)


def lines(root, split):
    with open(os.path.join(root, "ImageSets", "Segmentation", split + ".txt")) as f:
        return [l.strip() for l in f if l.strip()]


def pairs(root, split, count):
    names = lines(root, split)
    count = count or len(names)
    return [(os.path.join(root, "JPEGImages", names[i % len(names)] + ".jpg"),
             os.path.join(root, "SegmentationClass", names[i % len(names)] + ".png")) for i in range(count)]


def albu(a):
    import albumentations as A

    class RandomRescale(A.DualTransform):
        """The reference's get_random_data rescale (seg-prep's random_resize): j1, j2 uniform in
        [1-jitter, 1+jitter], s uniform in `scale`, new_ar = iw/ih*j1/j2; new_ar < 1: nh = int(s*h),
        nw = int(nh*new_ar), else nw = int(s*w), nh = int(nw/new_ar). Bicubic image, nearest label."""

        def __init__(self, size=(512, 512), jitter=0.3, scale=(0.25, 2.0), p=1.0):
            super().__init__(p=p)
            self.size, self.jitter, self.scale = tuple(size), jitter, tuple(scale)

        def get_params_dependent_on_data(self, params, data):
            ih, iw = params["shape"][:2]
            h, w = self.size
            r = self.py_random
            new_ar = iw / ih * r.uniform(1 - self.jitter, 1 + self.jitter) / r.uniform(1 - self.jitter, 1 + self.jitter)
            s = r.uniform(*self.scale)
            if new_ar < 1:
                nh = int(s * h)
                nw = int(nh * new_ar)
            else:
                nw = int(s * w)
                nh = int(nw / new_ar)
            return {"nw": max(nw, 1), "nh": max(nh, 1)}

        def apply(self, img, nw=1, nh=1, **params):
            return cv2.resize(img, (nw, nh), interpolation=cv2.INTER_CUBIC)

        def apply_to_mask(self, mask, nw=1, nh=1, **params):
            return cv2.resize(mask, (nw, nh), interpolation=cv2.INTER_NEAREST)

        def get_transform_init_args_names(self):
            return ("size", "jitter", "scale")

    s = a.size
    aug = A.Compose([
        RandomRescale((s, s), jitter=0.3, scale=(0.25, 2.0)),
        A.HorizontalFlip(p=0.5),
        A.PadIfNeeded(s, s, position="random", border_mode=cv2.BORDER_CONSTANT, fill=128, fill_mask=0),
        A.RandomCrop(s, s),
        A.HueSaturationValue(hue_shift_limit=18, sat_shift_limit=90, val_shift_limit=38, p=1.0),
    ], seed=a.seed)
    per = a.per_shard
    images = np.empty((per, s, s, 3), np.uint8)
    labels = np.empty((per, s, s), np.uint8)
    shards = [0]

    def flush(n):
        if not a.write:
            return
        path = os.path.join(a.write, f"shard-{shards[0]:05d}.bin")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(memoryview(images[:n]))
            f.write(memoryview(labels[:n]))
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)
        shards[0] += 1

    def sample(img_path, lab_path):
        img = cv2.cvtColor(cv2.imread(img_path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        lab = np.array(Image.open(lab_path))            # palette PNG: indices
        out = aug(image=img, mask=lab)
        mask = out["mask"]
        mask[mask > a.classes - 1] = a.classes
        return out["image"], mask

    if a.write:
        os.makedirs(a.write, exist_ok=True)
    todo = pairs(a.root, a.split, a.count)
    sample(*todo[0])
    t = time.perf_counter()
    k = 0
    for img_path, lab_path in todo:
        images[k], labels[k] = sample(img_path, lab_path)
        k += 1
        if k == per:
            flush(k)
            k = 0
    if k:
        flush(k)
    took = time.perf_counter() - t
    if a.write:
        d = os.open(a.write, os.O_RDONLY)
        os.fsync(d)
        os.close(d)
        took = time.perf_counter() - t
    return {"peer": "albumentations", "version": A.__version__, "opencv": cv2.__version__, "samples": len(todo),
            "seconds": took, "samples_per_second": len(todo) / took, "written_shards": shards[0] if a.write else 0}


# mmseg's training transforms for PASCAL VOC / ADE20K style configs (also benchmarks/online.py's).
MMSEG_TRANSFORMS = [
    dict(type="LoadImageFromFile"),
    dict(type="LoadAnnotations"),
    dict(type="RandomResize", scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type="RandomCrop", crop_size=(512, 512), cat_max_ratio=0.75),
    dict(type="RandomFlip", prob=0.5),
    dict(type="PhotoMetricDistortion"),
]


def mmseg(a):
    import types
    stub = types.ModuleType("mmcv.ops")
    stub.point_sample = None
    sys.modules["mmcv.ops"] = stub
    import mmcv, mmengine, mmseg
    import mmseg.datasets  # noqa: F401  (registers mmseg's transforms)
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope
    import torch
    torch.set_num_threads(1)
    init_default_scope("mmseg")
    np.random.seed(a.seed)
    pipe = Compose(MMSEG_TRANSFORMS)

    def sample(img_path, lab_path):
        out = pipe(dict(img_path=img_path, seg_map_path=lab_path, reduce_zero_label=False, label_map=None,
                        seg_fields=[]))
        assert out["img"].shape[:2] == out["gt_seg_map"].shape[:2]
        return out

    todo = pairs(a.root, a.split, a.count)
    out = sample(*todo[0])
    t = time.perf_counter()
    for img_path, lab_path in todo:
        out = sample(img_path, lab_path)
    took = time.perf_counter() - t
    return {"peer": "mmsegmentation", "version": mmseg.__version__, "mmcv": mmcv.__version__,
            "mmengine": mmengine.__version__, "torch": torch.__version__, "opencv": cv2.__version__,
            "samples": len(todo), "seconds": took, "samples_per_second": len(todo) / took,
            "last_shape": list(out["img"].shape)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["albu", "mmseg"])
    p.add_argument("root")
    p.add_argument("--split", default="train")
    p.add_argument("--count", type=int, default=0, help="samples (cycling over the split); 0 = the split once")
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--classes", type=int, default=21)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--per-shard", type=int, default=64)
    p.add_argument("--write", default="", help="albu: also write each batch of --per-shard samples to this folder")
    a = p.parse_args()
    print(json.dumps(albu(a) if a.mode == "albu" else mmseg(a)))


if __name__ == "__main__":
    main()
