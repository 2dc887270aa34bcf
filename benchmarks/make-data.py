#!/usr/bin/python3
"""Builds the benchmark datasets from the bundled fixtures (VOC layout):
  OUT/jpeg-voc   camvid-mini frames re-encoded as JPEG (480x360, VOC size), labels as they are
  OUT/jpeg-1080  the same frames upscaled to 1920x1080 (bicubic) as JPEG, labels upscaled (nearest)
Usage: make-data.py FIXTURES OUT
"""
import os, shutil, sys
from PIL import Image

src, out = sys.argv[1], sys.argv[2]
ids = [l.strip() for l in open(os.path.join(src, "camvid-mini/ImageSets/Segmentation/trainval.txt")) if l.strip()]
for name, size in (("jpeg-voc", None), ("jpeg-1080", (1920, 1080))):
    root = os.path.join(out, name)
    if os.path.exists(os.path.join(root, "ImageSets/Segmentation/train.txt")):
        continue
    for d in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for i in ids:
        im = Image.open(os.path.join(src, "camvid-mini/JPEGImages", i + ".png")).convert("RGB")
        lb = Image.open(os.path.join(src, "camvid-mini/SegmentationClass", i + ".png"))
        if size:
            im = im.resize(size, Image.BICUBIC)
            lb = lb.resize(size, Image.NEAREST)
        im.save(os.path.join(root, "JPEGImages", i + ".jpg"), quality=90)
        lb.save(os.path.join(root, "SegmentationClass", i + ".png"))
    with open(os.path.join(root, "ImageSets/Segmentation/train.txt"), "w") as f:
        f.write("\n".join(ids) + "\n")
print(out)
