#!/usr/bin/python3
"""The reference data path (PIL + OpenCV + numpy + torch DataLoader) of a PyTorch UNet project,
written from its notes: UnetDataset.__getitem__ with get_random_data, the float64 one-hot with an
ignore channel, the collate function, and the np.bincount confusion matrix. Used only to measure
seg-prep against it, side by side, on the same files.

Usage (prints one JSON object):
  reference.py getitem ROOT --split train --size 512 --classes 21 [--val] [--count N]
  reference.py decode ROOT --split train [--count N]
  reference.py dataloader ROOT --split train --size 512 --classes 21 [--batch-size 8] [--workers 0]
  reference.py hist [--size 512] [--classes 21]
"""
import argparse, json, os, sys, time

import cv2
import numpy as np
from PIL import Image
import torch
from torch.utils.data import Dataset, DataLoader

cv2.setNumThreads(1)


def cvtColor(image):
    if len(np.shape(image)) == 3 and np.shape(image)[2] == 3:
        return image
    return image.convert('RGB')


def preprocess_input(image):
    image /= 255.0
    return image


def find_image(root, name):
    for ext in ("jpg", "png", "jpeg"):
        p = os.path.join(root, "JPEGImages", name + "." + ext)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(name)


class UnetDataset(Dataset):
    def __init__(self, annotation_lines, input_shape, num_classes, train, dataset_path):
        super().__init__()
        self.annotation_lines = annotation_lines
        self.length = len(annotation_lines)
        self.input_shape = input_shape
        self.num_classes = num_classes
        self.train = train
        self.dataset_path = dataset_path

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        name = self.annotation_lines[index].split()[0]
        jpg = Image.open(find_image(self.dataset_path, name))
        png = Image.open(os.path.join(self.dataset_path, "SegmentationClass", name + ".png"))
        jpg, png = self.get_random_data(jpg, png, self.input_shape, random=self.train)
        jpg = np.transpose(preprocess_input(np.array(jpg, np.float64)), [2, 0, 1])
        png = np.array(png)
        png[png >= self.num_classes] = self.num_classes
        seg_labels = np.eye(self.num_classes + 1)[png.reshape([-1])]
        seg_labels = seg_labels.reshape((int(self.input_shape[0]), int(self.input_shape[1]), self.num_classes + 1))
        return jpg, png, seg_labels

    def rand(self, a=0, b=1):
        return np.random.rand() * (b - a) + a

    def get_random_data(self, image, label, input_shape, jitter=.3, hue=.1, sat=0.7, val=0.3, random=True):
        image = cvtColor(image)
        label = Image.fromarray(np.array(label))
        iw, ih = image.size
        h, w = input_shape
        if not random:
            scale = min(w / iw, h / ih)
            nw = int(iw * scale)
            nh = int(ih * scale)
            image = image.resize((nw, nh), Image.BICUBIC)
            new_image = Image.new('RGB', [w, h], (128, 128, 128))
            new_image.paste(image, ((w - nw) // 2, (h - nh) // 2))
            label = label.resize((nw, nh), Image.NEAREST)
            new_label = Image.new('L', [w, h], (0))
            new_label.paste(label, ((w - nw) // 2, (h - nh) // 2))
            return new_image, new_label
        new_ar = iw / ih * self.rand(1 - jitter, 1 + jitter) / self.rand(1 - jitter, 1 + jitter)
        scale = self.rand(0.25, 2)
        if new_ar < 1:
            nh = int(scale * h)
            nw = int(nh * new_ar)
        else:
            nw = int(scale * w)
            nh = int(nw / new_ar)
        image = image.resize((nw, nh), Image.BICUBIC)
        label = label.resize((nw, nh), Image.NEAREST)
        flip = self.rand() < .5
        if flip:
            image = image.transpose(Image.FLIP_LEFT_RIGHT)
            label = label.transpose(Image.FLIP_LEFT_RIGHT)
        dx = int(self.rand(0, w - nw))
        dy = int(self.rand(0, h - nh))
        new_image = Image.new('RGB', (w, h), (128, 128, 128))
        new_label = Image.new('L', (w, h), (0))
        new_image.paste(image, (dx, dy))
        new_label.paste(label, (dx, dy))
        image = new_image
        label = new_label
        image_data = np.array(image, np.uint8)
        r = np.random.uniform(-1, 1, 3) * [hue, sat, val] + 1
        hue, sat, val = cv2.split(cv2.cvtColor(image_data, cv2.COLOR_RGB2HSV))
        dtype = image_data.dtype
        x = np.arange(0, 256, dtype=r.dtype)
        lut_hue = ((x * r[0]) % 180).astype(dtype)
        lut_sat = np.clip(x * r[1], 0, 255).astype(dtype)
        lut_val = np.clip(x * r[2], 0, 255).astype(dtype)
        image_data = cv2.merge((cv2.LUT(hue, lut_hue), cv2.LUT(sat, lut_sat), cv2.LUT(val, lut_val)))
        image_data = cv2.cvtColor(image_data, cv2.COLOR_HSV2RGB)
        return image_data, label


def unet_dataset_collate(batch):
    images, pngs, seg_labels = [], [], []
    for img, png, labels in batch:
        images.append(img)
        pngs.append(png)
        seg_labels.append(labels)
    images = torch.from_numpy(np.array(images)).type(torch.FloatTensor)
    pngs = torch.from_numpy(np.array(pngs)).long()
    seg_labels = torch.from_numpy(np.array(seg_labels)).type(torch.FloatTensor)
    return images, pngs, seg_labels


def fast_hist(a, b, n):
    k = (a >= 0) & (a < n)
    return np.bincount(n * a[k].astype(int) + b[k], minlength=n ** 2).reshape(n, n)


def lines(root, split):
    with open(os.path.join(root, "ImageSets", "Segmentation", split + ".txt")) as f:
        return [l.strip() for l in f if l.strip()]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["getitem", "decode", "dataloader", "hist"])
    p.add_argument("root", nargs="?")
    p.add_argument("--split", default="train")
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--classes", type=int, default=21)
    p.add_argument("--val", action="store_true")
    p.add_argument("--count", type=int, default=0, help="samples (cycling over the split); 0 = the split once")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(1)
    np.random.seed(a.seed)
    if a.mode == "hist":
        rng = np.random.default_rng(0)
        lab = rng.integers(0, a.classes + 1, (a.size, a.size)).astype(np.uint8)
        lab[lab == a.classes] = 255
        pred = rng.integers(0, a.classes, (a.size, a.size)).astype(np.uint8)
        fast_hist(lab.flatten(), pred.flatten(), a.classes)
        reps = 200
        t = time.perf_counter()
        for _ in range(reps):
            fast_hist(lab.flatten(), pred.flatten(), a.classes)
        ms = (time.perf_counter() - t) / reps * 1000
        print(json.dumps({"mode": "hist", "ms": ms, "size": a.size, "classes": a.classes}))
        return
    names = lines(a.root, a.split)
    count = a.count or len(names)
    ann = [names[i % len(names)] for i in range(count)]
    if a.mode == "decode":
        t = time.perf_counter()
        for name in ann:
            np.asarray(Image.open(find_image(a.root, name)).convert("RGB"))
            np.asarray(Image.open(os.path.join(a.root, "SegmentationClass", name + ".png")))
        s = time.perf_counter() - t
        print(json.dumps({"mode": "decode", "samples": count, "seconds": s, "ms_per_sample": s / count * 1000}))
        return
    ds = UnetDataset(ann, [a.size, a.size], a.classes, not a.val, a.root)
    if a.mode == "getitem":
        ds[0]
        t = time.perf_counter()
        for i in range(len(ds)):
            ds[i]
        s = time.perf_counter() - t
        print(json.dumps({"mode": "getitem", "train": not a.val, "samples": count, "seconds": s,
                          "ms_per_sample": s / count * 1000, "samples_per_second": count / s}))
        return
    loader = DataLoader(ds, batch_size=a.batch_size, shuffle=True, num_workers=a.workers, drop_last=True,
                        collate_fn=unet_dataset_collate)
    t = time.perf_counter()
    n = 0
    for images, pngs, labels in loader:
        n += images.shape[0]
    s = time.perf_counter() - t
    print(json.dumps({"mode": "dataloader", "samples": n, "seconds": s, "samples_per_second": n / s,
                      "ms_per_batch": s / max(n // a.batch_size, 1) * 1000}))


if __name__ == "__main__":
    main()
