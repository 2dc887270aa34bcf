#!/usr/bin/python3
"""Trains DESIGN.md's unet-s in PyTorch on seg-prep shards, for side-by-side comparison with
`seg-prep train` (same shards, same per-epoch shuffle, same batch size, optimiser and loss).

Reads the shards with python/segprep (numpy only). Per epoch: Adam (betas 0.9, 0.999), constant
learning rate, cross-entropy with ignore_index = number of classes, the seeded permutation that
seg-prep's loader uses, last short batch dropped; then validation in eval mode (running BatchNorm
statistics) into a confusion matrix over labels < classes. Prints one JSON object a line per epoch on
stderr and a summary JSON object on stdout:
  {"miou_present": [...], "miou": [...], "seconds": [...], "seconds_per_epoch": s, "final_miou_present": m, ...}

Usage:
  /usr/bin/python3 benchmarks/train-parity.py --train out/em-membrane-train --val out/em-membrane-val \
      [--epochs 40] [--batch-size 4] [--lr 1e-3] [--threads 2] [--seed 0]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from segprep import ShardDataset, epoch_permutation  # noqa: E402


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class UNetS(nn.Module):
    """unet-s of DESIGN.md section 6 (119,253 parameters at 21 classes)."""

    def __init__(self, classes):
        super().__init__()
        self.enc1 = block(3, 16)
        self.enc2 = block(16, 32)
        self.mid = block(32, 64)
        self.dec2 = block(96, 32)
        self.dec1 = block(48, 16)
        self.head = nn.Conv2d(16, classes, 1)

    @staticmethod
    def up(x):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up(m), e2], 1))
        d1 = self.dec1(torch.cat([self.up(d2), e1], 1))
        return self.head(d1)


def load(folder):
    ds = ShardDataset(folder)
    images = np.stack([np.asarray(ds[i][0]) for i in range(len(ds))])
    labels = np.stack([np.asarray(ds[i][1]) for i in range(len(ds))]).astype(np.int64)
    classes = len(ds.classes)
    labels[labels > classes] = classes
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div_(255.0).contiguous()
    return x, torch.from_numpy(labels), classes


def confusion(labels, preds, n):
    k = (labels >= 0) & (labels < n)
    return np.bincount(n * labels[k].astype(int) + preds[k], minlength=n ** 2).reshape(n, n)


def scores(hist):
    diag = np.diag(hist).astype(np.float64)
    rows, cols = hist.sum(1), hist.sum(0)
    iou = diag / np.maximum(rows + cols - diag, 1)
    present = (rows + cols) > 0
    return {
        "miou": float(iou.mean()),
        "miou_present": float(iou[present].mean()) if present.any() else float("nan"),
        "accuracy": float(diag.sum() / max(hist.sum(), 1)),
        "mpa": float((diag / np.maximum(rows, 1)).mean()),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    xt, yt, classes = load(args.train)
    xv, yv, _ = load(args.val)
    model = UNetS(classes)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999))
    loss_fn = nn.CrossEntropyLoss(ignore_index=classes)
    history = {"miou_present": [], "miou": [], "seconds": [], "train_loss": []}
    n = len(xt)
    for epoch in range(args.epochs):
        start = time.perf_counter()
        model.train()
        order = epoch_permutation(n, args.seed, epoch)
        losses = []
        for b in range(n // args.batch_size):
            idx = torch.tensor(order[b * args.batch_size:(b + 1) * args.batch_size])
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            losses.append(loss.item())
        model.eval()
        hist = np.zeros((classes, classes), np.int64)
        with torch.no_grad():
            for b in range(0, len(xv), args.batch_size):
                pred = model(xv[b:b + args.batch_size]).argmax(1).numpy().reshape(-1)
                hist += confusion(yv[b:b + args.batch_size].numpy().reshape(-1), pred, classes)
        seconds = time.perf_counter() - start
        s = scores(hist)
        record = {"epoch": epoch + 1, "train_loss": float(np.mean(losses)), **s, "seconds": seconds}
        print(json.dumps(record), file=sys.stderr, flush=True)
        history["miou_present"].append(s["miou_present"])
        history["miou"].append(s["miou"])
        history["seconds"].append(seconds)
        history["train_loss"].append(record["train_loss"])
    history.update({
        "framework": f"torch {torch.__version__}", "threads": args.threads, "epochs": args.epochs,
        "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
        "parameters": sum(p.numel() for p in model.parameters()),
        "final_miou_present": history["miou_present"][-1],
        "mean_last5_miou_present": float(np.mean(history["miou_present"][-5:])),
        "seconds_per_epoch": float(np.mean(history["seconds"])),
    })
    print(json.dumps(history))


if __name__ == "__main__":
    main()
