#!/usr/bin/python3
"""Times one unet-s training step (forward, cross-entropy, backward, Adam) in PyTorch on the CPU.

The model is the `unet-s` of DESIGN.md section 6: five Sequential(conv3x3, BN, ReLU, conv3x3, BN,
ReLU) blocks enc1/enc2/mid/dec2/dec1 with 16/32/64 channels, 2x2 max pooling, bilinear x2
upsampling with align_corners=True, channel concatenation, and a 1x1 head.

Usage: benchmarks/train-step.py [--threads N] [--batch 8] [--size 256] [--classes 21] [--steps 5]
Prints one JSON object with ms_per_step (mean wall time of the timed steps), the per-step samples,
and cpu_ms_per_step (process CPU time a step, all threads), which is steadier on a loaded machine.
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class UNetS(nn.Module):
    def __init__(self, classes, cin=3):
        super().__init__()
        self.enc1 = block(cin, 16)
        self.enc2 = block(16, 32)
        self.mid = block(32, 64)
        self.dec2 = block(96, 32)
        self.dec1 = block(48, 16)
        self.head = nn.Conv2d(16, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        up = lambda t, ref: F.interpolate(t, size=ref.shape[2:], mode="bilinear", align_corners=True)
        d2 = self.dec2(torch.cat([up(m, e2), e2], 1))
        d1 = self.dec1(torch.cat([up(d2, e1), e1], 1))
        return self.head(d1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--classes", type=int, default=21)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = UNetS(args.classes).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss(ignore_index=args.classes)
    images = torch.rand(args.batch, 3, args.size, args.size)
    labels = torch.randint(0, args.classes, (args.batch, args.size, args.size))

    def step():
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    samples = []
    cpu_start = time.process_time()
    for _ in range(args.steps):
        start = time.perf_counter()
        loss = step()
        samples.append((time.perf_counter() - start) * 1e3)
    cpu_ms = (time.process_time() - cpu_start) * 1e3 / args.steps
    print(json.dumps({
        "ms_per_step": sum(samples) / len(samples),
        "min_ms": min(samples),
        "cpu_ms_per_step": cpu_ms,
        "samples": [round(s, 1) for s in samples],
        "threads": args.threads, "batch": args.batch, "size": args.size, "classes": args.classes,
        "parameters": sum(p.numel() for p in model.parameters()),
        "loss": loss, "torch": torch.__version__, "load_average": os.getloadavg()[0],
    }))


if __name__ == "__main__":
    main()
