"""Samples per second of a pipeline's fresh draws in a PyTorch DataLoader (2 workers, batch 8):
``segprep.TorchPipelineDataset`` on pipelines/voc-train.yaml, and the same recipe in albumentations
(random scale + aspect jitter, flip, pad/place on grey, HSV) when albumentations and torch import,
and the DataLoader alone on ready-made items of the same shapes (its ceiling on this machine);
with ``--recipe mmseg``, mmseg's training recipe (RandomResize(2048x512, 0.5-2), RandomCrop 512 with
cat_max_ratio 0.75, RandomFlip, PhotoMetricDistortion, padded to 512x512) as a seg-prep pipeline and
as mmsegmentation 1.2.2's own transforms (when mmseg imports: benchmarks/.venv from
benchmarks/install-peers), on a VOC-layout root.

    python benchmarks/online.py [--recipe voc|mmseg] [--input-root VOC2012] [--samples 400] [--workers 2] [--batch 8] [--shards DIR]

The library is found as ``segprep.Pipeline`` finds it (SEGPREP_LIB, .build/release, …). Numbers are
for this machine only; report them with the CPU and the SIMD path seg-prep took.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))


class Epochs:
    """``samples`` items over consecutive epochs of a small dataset: item k is sample k % n of epoch
    k // n (fresh draws for a pipeline; the same samples again for shards and albumentations)."""

    def __init__(self, dataset, samples):
        self.dataset, self.samples, self.n = dataset, samples, len(dataset)

    def __len__(self):
        return self.samples

    def __getitem__(self, k):
        if hasattr(self.dataset, "set_epoch"):  # this worker's copy of the dataset
            self.dataset.set_epoch(k // self.n)
        return self.dataset[k % self.n]


def rate(dataset, samples, workers, batch, warmup=2):
    from torch.utils.data import DataLoader

    loader = DataLoader(Epochs(dataset, samples), batch_size=batch, num_workers=workers, shuffle=False)
    it = iter(loader)
    for _ in range(warmup):  # workers started and the first batches made before timing
        next(it)
    start, count = time.perf_counter(), 0
    for x, *_ in it:
        count += len(x)
    seconds = time.perf_counter() - start
    del it
    return count / seconds if seconds > 0 else float("nan")


class MadeItems:
    """The DataLoader's own cost: items of the pipeline's shapes (float32 [3,H,W], int64 [H,W]),
    freshly allocated as every dataset's items are, with no decode or augmentation. Its rate is the
    ceiling any dataset reaches with these settings; the worker's time per sample above it is the
    dataset's own work."""

    def __init__(self, height, width, count):
        self.height, self.width, self.count = height, width, count

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        import torch

        return torch.empty(3, self.height, self.width), torch.empty(self.height, self.width, dtype=torch.int64)


def own_work_ms(rate_per_s, floor_per_s, workers):
    """Milliseconds of a worker's time per sample beyond the DataLoader's own (collate into shared
    memory, hand-over): workers / rate - workers / floor."""
    return round(1000 * workers * (1 / rate_per_s - 1 / floor_per_s), 2)


class AlbumentationsVOC:
    """The voc-train recipe in albumentations: scale 0.25-2 with aspect jitter 0.3 of a 512 box, flip,
    pad to 512 (grey, label 0) and crop, HSV jitter; cv2 decodes."""

    def __init__(self, root, split="train"):
        import albumentations as A
        import cv2

        self.cv2 = cv2
        self.root = root
        self.ids = open(os.path.join(root, "ImageSets", "Segmentation", split + ".txt")).read().split()
        self.aug = A.Compose([
            A.LongestMaxSize(max_size=512),
            A.RandomScale(scale_limit=(-0.75, 1.0), p=1),
            A.HorizontalFlip(p=0.5),
            A.PadIfNeeded(512, 512, border_mode=cv2.BORDER_CONSTANT, fill=(128, 128, 128), fill_mask=0),
            A.RandomCrop(512, 512),
            A.HueSaturationValue(hue_shift_limit=18, sat_shift_limit=70, val_shift_limit=30, p=1),
        ])

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        import torch
        from PIL import Image

        image = self.cv2.cvtColor(self.cv2.imread(os.path.join(self.root, "JPEGImages", self.ids[i] + ".jpg")), self.cv2.COLOR_BGR2RGB)
        label = np.asarray(Image.open(os.path.join(self.root, "SegmentationClass", self.ids[i] + ".png")))
        out = self.aug(image=image, mask=label)
        x = torch.from_numpy(out["image"]).permute(2, 0, 1).float() / 255
        return x, torch.from_numpy(out["mask"].astype(np.int64))


MMSEG_STAGES = """stages:
  - decode: {}
  - remap_labels: {above: 20, to: ignore}
  - resize: {scale: [2048, 512], ratio_range: [0.5, 2.0], keep_ratio: true}
  - random_crop: {size: [512, 512], cat_max_ratio: 0.75}
  - flip: {p: 0.5}
  - photometric: {}
  - pad: {size: [512, 512], fill: 0, label_fill: ignore}
"""


def mmseg_pipeline(root, folder, shrink=False):
    """mmseg's recipe as a seg-prep pipeline over a VOC-layout root (labels above 20 ignored)."""
    path = os.path.join(folder, "mmseg-recipe.yaml")
    stages = MMSEG_STAGES.replace("decode: {}", "decode: {shrink_on_load: true}") if shrink else MMSEG_STAGES
    with open(path, "w") as f:
        f.write(f"version: 1\ninput: {{format: voc, root: {os.path.abspath(root)}, split: train}}\nclasses: 21\n"
                f"ignore_index: 255\nseed: 0\n{stages}output: {{dir: {os.path.join(folder, 'out')}}}\n")
    return path


class MMSegVOC:
    """mmsegmentation 1.2.2's transforms (LoadImageFromFile, LoadAnnotations, RandomResize, RandomCrop,
    RandomFlip, PhotoMetricDistortion) over a VOC-layout root, padded to 512x512 (image 0, label 255)
    as mmseg's data preprocessor does, labels above 20 ignored as the seg-prep pipeline does."""

    def __init__(self, root, split="train"):
        import types

        stub = types.ModuleType("mmcv.ops")
        stub.point_sample = None
        sys.modules.setdefault("mmcv.ops", stub)
        import mmseg.datasets  # noqa: F401  (registers mmseg's transforms)
        from mmcv.transforms import Compose
        from mmengine.registry import init_default_scope

        init_default_scope("mmseg")
        self.root = root
        self.ids = open(os.path.join(root, "ImageSets", "Segmentation", split + ".txt")).read().split()
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from peers import MMSEG_TRANSFORMS

        self.pipe = Compose(MMSEG_TRANSFORMS)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        import torch

        out = self.pipe(dict(img_path=os.path.join(self.root, "JPEGImages", self.ids[i] + ".jpg"),
                             seg_map_path=os.path.join(self.root, "SegmentationClass", self.ids[i] + ".png"),
                             reduce_zero_label=False, label_map=None, seg_fields=[]))
        img, seg = out["img"], out["gt_seg_map"]
        h, w = seg.shape
        image = np.zeros((512, 512, 3), np.uint8)
        image[:h, :w] = img[:, :, ::-1]           # BGR -> RGB
        label = np.full((512, 512), 255, np.int64)
        label[:h, :w] = np.where(seg > 20, 255, seg)
        x = torch.from_numpy(image).permute(2, 0, 1).float() / 255
        return x, torch.from_numpy(label)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", choices=["voc", "mmseg"], default="voc",
                    help="voc: --pipeline against albumentations; mmseg: mmseg's recipe against mmsegmentation's transforms")
    ap.add_argument("--pipeline", default=os.path.join(ROOT, "pipelines", "voc-train.yaml"))
    ap.add_argument("--input-root", default=None, help="dataset root replacing the pipeline's input.root")
    ap.add_argument("--samples", type=int, default=400)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--shrink-on-load", action="store_true",
                    help="decode JPEGs at a reduced size when the output is much smaller (decode: {shrink_on_load: true}), as the 1080p rows of benchmarks/run do")
    ap.add_argument("--shards", default=None, help="a shard folder of the same pipeline (`seg-prep run`), read for comparison")
    args = ap.parse_args()
    import segprep
    import tempfile

    rows = {}
    if args.shrink_on_load:
        text = open(args.pipeline).read()
        if "  - decode: {}\n" not in text:
            ap.error(f"--shrink-on-load: {args.pipeline} has no `  - decode: {{}}` line to turn it on in")
        shrunk = os.path.join(tempfile.mkdtemp(prefix="segprep-online-"), os.path.basename(args.pipeline))
        text = text.replace("  - decode: {}\n", "  - decode: {shrink_on_load: true}\n")
        with open(shrunk, "w") as f:
            f.write(text)
        if not args.input_root:
            ap.error("--shrink-on-load needs --input-root (the copied pipeline cannot resolve its relative root)")
        args.pipeline = shrunk
        rows["shrink_on_load"] = True
    if args.recipe == "mmseg":
        if not args.input_root:
            ap.error("--recipe mmseg needs --input-root (a VOC-layout dataset with JPEG images)")
        folder = tempfile.mkdtemp(prefix="segprep-online-")
        args.pipeline = mmseg_pipeline(args.input_root, folder, args.shrink_on_load)
        ds = segprep.TorchPipelineDataset(args.pipeline)
        rows["segprep_pipeline_samples_per_second"] = round(rate(ds, args.samples, args.workers, args.batch), 1)
        try:
            import mmseg

            theirs = rate(MMSegVOC(args.input_root), args.samples, args.workers, args.batch)
            rows["mmseg_samples_per_second"] = round(theirs, 1)
            rows["mmseg_version"] = mmseg.__version__
        except ImportError as e:
            rows["mmseg"] = f"not measured: {e}"
        floor(rows, ds, args)
        rows.update(samples=args.samples, source_samples=len(ds), workers=args.workers, batch=args.batch, recipe="mmseg")
        print(json.dumps(rows, indent=2))
        return
    ds = segprep.TorchPipelineDataset(args.pipeline, input_root=args.input_root)
    rows["segprep_pipeline_samples_per_second"] = round(rate(ds, args.samples, args.workers, args.batch), 1)
    if args.shards:
        shards = segprep.TorchShardDataset(args.shards)
        rows["segprep_shards_samples_per_second"] = round(rate(shards, args.samples, args.workers, args.batch), 1)
    try:
        import albumentations

        root = args.input_root or os.path.join(os.path.dirname(args.pipeline), "..", "fixtures", "labelme-voc")
        theirs = rate(AlbumentationsVOC(root), args.samples, args.workers, args.batch)
        rows["albumentations_samples_per_second"] = round(theirs, 1)
        rows["albumentations_version"] = albumentations.__version__
    except ImportError as e:
        rows["albumentations"] = f"not measured: {e}"
    floor(rows, ds, args)
    rows.update(samples=args.samples, source_samples=len(ds), workers=args.workers, batch=args.batch, pipeline=args.pipeline)
    print(json.dumps(rows, indent=2))


def floor(rows, ds, args):
    """Adds the DataLoader's rate on ready-made items of the same shapes, and each side's own work
    per sample above it."""
    top = rate(MadeItems(ds.pipeline.height, ds.pipeline.width, len(ds)), args.samples, args.workers, args.batch)
    rows["dataloader_alone_samples_per_second"] = round(top, 1)
    for key in [k for k in rows if k.endswith("_samples_per_second") and k != "dataloader_alone_samples_per_second"]:
        if rows[key] < top:
            rows[key.replace("_samples_per_second", "_own_work_ms_per_sample")] = own_work_ms(rows[key], top, args.workers)


if __name__ == "__main__":
    main()
