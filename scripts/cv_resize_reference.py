#!/usr/bin/env python3
"""Plain-numpy transcription of OpenCV 4.x `cv2.resize` for 8-bit images (any channel count,
channels independent), INTER_CUBIC and INTER_AREA, rule for rule as modules/imgproc/src/resize.cpp
(`cv::hal::resize`, `HResizeCubic`, `VResizeCubic` + `VResizeCubicVec_32s8u`, `resizeAreaFast_`,
`ResizeArea_Invoker`, `computeResizeAreaTab`, the `area_mode` branch of the generic linear path).

This is OpenCV's own code path.  On x86-64 opencv-python wheels, `cv2.resize(..., INTER_CUBIC)` on
8-bit data is by default handed to Intel IPP (`ipp_resize`, closed source) instead, which differs
from OpenCV's own kernel by +-1 on a few percent of pixels; `cv2.ipp.setUseIPP(False)` selects
OpenCV's kernel, which is what this file reproduces (x86 SSE build; aarch64 builds fuse the float
multiply-adds of the cubic vertical pass, which this file does not model).
INTER_AREA never goes to IPP (IPP's "super" resize is excluded as not exact), so for INTER_AREA this
file matches cv2 with its default settings.

Every float32 step is done in numpy float32 (IEEE single, one rounding per operation, no FMA: the
wheel's baseline is SSE3 and resize.cpp is compiled for the baseline), every double step in Python
floats.  Rounding float -> int is round-half-to-even (cvRound / lrint / cvtps2dq).

Usage:
  cv_resize_reference.py --verify N [--seed S]   compare with cv2 on N random cases per method
"""
import math
import sys

import numpy as np

f32 = np.float32
INTER_RESIZE_COEF_BITS = 11
INTER_RESIZE_COEF_SCALE = 1 << INTER_RESIZE_COEF_BITS  # 2048
DBL_EPSILON = sys.float_info.epsilon  # 2.220446049250313e-16


def _round_half_even_f32(v):
    """cvRound(float) / saturate_cast<int>(float): nearest, ties to even (v is float32)."""
    return int(np.rint(v))


def _sat_short(v):
    return max(-32768, min(32767, _round_half_even_f32(v)))


def _scales(src, dst):
    """inv_scale = dst/src (double), scale = 1/inv_scale (double), as cv::resize / cv::hal::resize."""
    inv = dst / src
    return inv, 1.0 / inv


# ----------------------------------------------------------------------------------------- cubic

def cubic_coeffs(x):
    """interpolateCubic(float x, float* coeffs), A = -0.75f, in float32, same operation order."""
    x = f32(x)
    A = f32(-0.75)
    one = f32(1)
    x1 = x + one
    c0 = ((A * x1 - f32(5) * A) * x1 + f32(8) * A) * x1 - f32(4) * A
    c1 = ((A + f32(2)) * x - (A + f32(3))) * x * x + one
    y = one - x
    c2 = ((A + f32(2)) * y - (A + f32(3))) * y * y + one
    c3 = one - c0 - c1 - c2
    return [f32(c0), f32(c1), f32(c2), f32(c3)]


def cubic_axis(src, dst):
    """Per output index: first-tap-minus-one source index `s` (tap k reads s-1+k) and the four
    11-bit short weights.  Position f = float32((d + 0.5) * scale - 0.5) (double arithmetic, then
    cast), s = floor(f), f -= s (float32); weights round_half_even(float32(c_k * 2048)), no
    correction of their sum (it can be 2047 or 2049).  No clamping of s or f (taps outside the
    image are clamped to the edge pixel by the passes)."""
    _, scale = _scales(src, dst)
    idx = np.empty(dst, np.int64)
    w = np.empty((dst, 4), np.int64)
    for d in range(dst):
        fx = f32((d + 0.5) * scale - 0.5)
        s = math.floor(fx)
        fx = f32(fx - f32(s))
        c = cubic_coeffs(fx)
        idx[d] = s
        w[d] = [_sat_short(f32(ck * f32(INTER_RESIZE_COEF_SCALE))) for ck in c]
    return idx, w


def resize_cubic(img, width, height):
    """cv2.resize(img, (width, height), interpolation=cv2.INTER_CUBIC) for uint8 HxW or HxWxC,
    OpenCV's own kernel (cv2.ipp.setUseIPP(False))."""
    img = np.asarray(img)
    assert img.dtype == np.uint8
    squeeze = img.ndim == 2
    if squeeze:
        img = img[:, :, None]
    h, w, cn = img.shape
    if (width, height) == (w, h):
        out = img.copy()
        return out[:, :, 0] if squeeze else out
    xs, xw = cubic_axis(w, width)
    ys, yw = cubic_axis(h, height)
    src = img.astype(np.int64)
    # Horizontal pass (HResizeCubic), exact int: sum_k src[clamp(s-1+k)] * alpha_k, per channel.
    taps = np.clip(xs[:, None] + np.arange(-1, 3)[None, :], 0, w - 1)  # width x 4
    hbuf = np.zeros((h, width, cn), np.int64)
    for k in range(4):
        hbuf += src[:, taps[:, k], :] * xw[None, :, k, None]
    hbuf = hbuf.reshape(h, width * cn)
    # Vertical pass (VResizeCubic): rows clamp(sy-1+k, 0, h-1).  A row of width*cn values: the
    # first floor(width*cn / 8) * 8 values go through VResizeCubicVec_32s8u (float32:
    # b_k = beta_k * 2^-22, t = S3*b3; t = S2*b2 + t; t = S1*b1 + t; t = S0*b0 + t; each * and +
    # rounded to float32; round half even; clamp 0..255), the remaining < 8 values through the
    # scalar FixedPtCast<int, uchar, 22>: (sum_k S_k*beta_k + 2^21) >> 22 (floor), clamp 0..255.
    n = width * cn
    nvec = (n // 8) * 8
    out = np.empty((height, n), np.uint8)
    scale22 = f32(1.0) / f32(INTER_RESIZE_COEF_SCALE * INTER_RESIZE_COEF_SCALE)
    for dy in range(height):
        rows = [min(max(ys[dy] - 1 + k, 0), h - 1) for k in range(4)]
        S = [hbuf[r] for r in rows]
        beta = yw[dy]
        if nvec:
            b = [f32(f32(int(beta[k])) * scale22) for k in range(4)]
            Sf = [S[k][:nvec].astype(f32) for k in range(4)]
            t = Sf[3] * b[3]
            t = Sf[2] * b[2] + t
            t = Sf[1] * b[1] + t
            t = Sf[0] * b[0] + t
            out[dy, :nvec] = np.clip(np.rint(t), 0, 255).astype(np.uint8)
        if nvec < n:
            acc = sum(S[k][nvec:] * int(beta[k]) for k in range(4))
            out[dy, nvec:] = np.clip((acc + (1 << 21)) >> 22, 0, 255).astype(np.uint8)
    out = out.reshape(height, width, cn)
    return out[:, :, 0] if squeeze else out


# ------------------------------------------------------------------------------------------ area

def area_is_fast(w, h, width, height):
    """is_area_fast and the integer factors, exactly as cv::hal::resize computes them."""
    _, sx = _scales(w, width)
    _, sy = _scales(h, height)
    ix, iy = int(np.rint(sx)), int(np.rint(sy))  # saturate_cast<int>(double): round half even
    fast = abs(sx - ix) < DBL_EPSILON and abs(sy - iy) < DBL_EPSILON
    return fast, ix, iy, sx, sy


def area_tab(ssize, dsize, scale):
    """computeResizeAreaTab (cn folded out): list of (dst index, src index, float32 weight)."""
    tab = []
    for dx in range(dsize):
        fsx1 = dx * scale
        fsx2 = fsx1 + scale
        cell = min(scale, ssize - fsx1)
        sx1 = math.ceil(fsx1)
        sx2 = math.floor(fsx2)
        sx2 = min(sx2, ssize - 1)
        sx1 = min(sx1, sx2)
        if sx1 - fsx1 > 1e-3:
            tab.append((dx, sx1 - 1, f32((sx1 - fsx1) / cell)))
        for sx in range(sx1, sx2):
            tab.append((dx, sx, f32(1.0 / cell)))
        if fsx2 - sx2 > 1e-3:
            tab.append((dx, sx2, f32(min(min(fsx2 - sx2, 1.0), cell) / cell)))
    return tab


def _area_fast(img, width, height, ix, iy):
    """resizeAreaFast_<uchar, int>: integer factors ix x iy, every output a full block."""
    h, w, cn = img.shape
    blocks = img[: height * iy, : width * ix].astype(np.int64)
    s = blocks.reshape(height, iy, width, ix, cn).sum(axis=(1, 3))
    if ix == 2 and iy == 2 and cn in (1, 3, 4):
        # ResizeAreaFastVec fast_mode (SIMD and scalar agree): (a + b + c + d + 2) >> 2
        return ((s + 2) >> 2).astype(np.uint8)
    # generic: saturate_cast<uchar>(sum * (1.f / area)) in float32, round half even
    scale = f32(1.0) / f32(ix * iy)
    v = s.astype(f32) * scale
    return np.clip(np.rint(v), 0, 255).astype(np.uint8)


def _area_general(img, width, height, sx, sy):
    """ResizeArea_Invoker<uchar, float>: float32 weights and accumulation, round half even."""
    h, w, cn = img.shape
    xtab = area_tab(w, width, sx)
    ytab = area_tab(h, height, sy)
    src = img.astype(f32)
    # horizontal, per source row: buf[di] = buf[di] + S[si] * alpha in xtab order (float32)
    buf = np.zeros((h, width, cn), f32)
    for di, si, a in xtab:
        buf[:, di, :] = buf[:, di, :] + src[:, si, :] * a
    # vertical, per output row: sum = beta0*buf[s0]; sum = sum + beta_j*buf[s_j] in ytab order
    out = np.empty((height, width, cn), np.uint8)
    acc = {}
    for di, si, b in ytab:
        term = buf[si] * b
        acc[di] = term if di not in acc else acc[di] + term
    for di in range(height):
        out[di] = np.clip(np.rint(acc[di]), 0, 255).astype(np.uint8)
    return out


def area_linear_axis(src, dst):
    """The area_mode coefficients of the generic linear path (INTER_AREA with some axis
    upscaled): sx = floor(d * scale) (double), f = float32((d + 1) - (sx + 1) * inv_scale)
    (double arithmetic, then cast), f = 0 if f <= 0 else f - floor(f) (float32);
    weights w0 = rhe(float32((1 - f) * 2048)), w1 = rhe(float32(f * 2048)).
    Returns the raw (unclamped) index, f, and the weights before any edge handling."""
    inv, scale = _scales(src, dst)
    out = []
    for d in range(dst):
        s = math.floor(d * scale)
        f = f32((d + 1) - (s + 1) * inv)
        f = f32(0) if f <= 0 else f32(f - f32(math.floor(f)))
        out.append((s, f))
    return out


def _weights(f):
    w0 = _sat_short(f32((f32(1) - f) * f32(INTER_RESIZE_COEF_SCALE)))
    w1 = _sat_short(f32(f * f32(INTER_RESIZE_COEF_SCALE)))
    return w0, w1


def _area_upscale(img, width, height):
    """Generic linear path with area_mode (HResizeLinear / VResizeLinear 8u), as for INTER_LINEAR
    but with the area positions.  x axis: if s >= w-1 then s = w-1, f = 0.  y axis: no clamp of
    f; rows s and s+1 are each clamped to [0, h-1].  Horizontal exact int
    H = src[s]*w0 + src[min(s+1, w-1)]*w1; vertical
    out = ((((H0 >> 4) * b0) >> 16) + (((H1 >> 4) * b1) >> 16) + 2) >> 2, clamp 0..255."""
    h, w, cn = img.shape
    xs, xw0, xw1 = [], [], []
    for s, f in area_linear_axis(w, width):
        if s >= w - 1:
            s, f = w - 1, f32(0)
        a0, a1 = _weights(f)
        xs.append(s); xw0.append(a0); xw1.append(a1)
    xs = np.array(xs); xw0 = np.array(xw0, np.int64); xw1 = np.array(xw1, np.int64)
    x1 = np.minimum(xs + 1, w - 1)
    src = img.astype(np.int64)
    hb = src[:, xs, :] * xw0[None, :, None] + src[:, x1, :] * xw1[None, :, None]
    out = np.empty((height, width, cn), np.uint8)
    for dy, (s, f) in enumerate(area_linear_axis(h, height)):
        b0, b1 = _weights(f)
        r0, r1 = min(max(s, 0), h - 1), min(max(s + 1, 0), h - 1)
        v = ((((hb[r0] >> 4) * b0) >> 16) + (((hb[r1] >> 4) * b1) >> 16) + 2) >> 2
        out[dy] = np.clip(v, 0, 255).astype(np.uint8)
    return out


def resize_area(img, width, height):
    """cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA) for uint8 HxW or HxWxC."""
    img = np.asarray(img)
    assert img.dtype == np.uint8
    squeeze = img.ndim == 2
    if squeeze:
        img = img[:, :, None]
    h, w, cn = img.shape
    if (width, height) == (w, h):
        out = img.copy()
    else:
        fast, ix, iy, sx, sy = area_is_fast(w, h, width, height)
        if sx >= 1 and sy >= 1:
            out = _area_fast(img, width, height, ix, iy) if fast else _area_general(img, width, height, sx, sy)
        else:
            out = _area_upscale(img, width, height)
    return out[:, :, 0] if squeeze else out


def area_algorithm(w, h, width, height):
    """Which of the three INTER_AREA algorithms cv2 uses for this size pair."""
    if (width, height) == (w, h):
        return "copy"
    fast, ix, iy, sx, sy = area_is_fast(w, h, width, height)
    if sx >= 1 and sy >= 1:
        if fast:
            return "fast-2x2" if (ix, iy) == (2, 2) else f"fast-{ix}x{iy}"
        return "general"
    return "upscale-linear"


# -------------------------------------------------------------------------------------- verify

def _random_size(rng):
    r = rng.random()
    if r < 0.1:
        return 1, int(rng.integers(1, 301))          # tiny: 1xN
    if r < 0.15:
        return int(rng.integers(1, 301)), int(rng.integers(1, 4))
    return int(rng.integers(1, 301)), int(rng.integers(1, 301))


def _random_target(rng, h, w):
    r = rng.random()
    if r < 0.2:  # integer downscale factors
        fx, fy = int(rng.choice([1, 2, 2, 3, 4, 5])), int(rng.choice([1, 2, 2, 3, 4, 5]))
        return max(1, w // fx), max(1, h // fy)
    if r < 0.3:  # exact integer downscale (block grid fits)
        f = int(rng.choice([2, 3, 4]))
        return max(1, w // f), max(1, h // f)
    if r < 0.45:  # upscale
        return int(rng.integers(w, 3 * w + 2)), int(rng.integers(h, 3 * h + 2))
    if r < 0.6:  # downscale fractional
        return int(rng.integers(1, w + 1)), int(rng.integers(1, h + 1))
    if r < 0.75:  # one axis up, one down
        if rng.random() < 0.5:
            return int(rng.integers(w, 3 * w + 2)), int(rng.integers(1, h + 1))
        return int(rng.integers(1, w + 1)), int(rng.integers(h, 3 * h + 2))
    if r < 0.8:  # simple ratios (many exact ties)
        a, b = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        return max(1, w * a // b), max(1, h * a // b)
    return int(rng.integers(1, 400)), int(rng.integers(1, 400))


def verify(n, seed=0):
    import cv2
    rng = np.random.default_rng(seed)
    stats = {}
    kinds = {}
    for i in range(n):
        h, w = _random_size(rng)
        W, H = _random_target(rng, h, w)
        cn = 3 if rng.random() < 0.85 else int(rng.choice([1, 2, 4]))
        if i % 50 == 49:  # a few large images (several threads' stripes)
            h, w = int(rng.integers(300, 1100)), int(rng.integers(300, 1100))
            W, H = _random_target(rng, h, w)
        img = rng.integers(0, 256, (h, w, cn), dtype=np.uint8)
        k = area_algorithm(w, h, W, H)
        k = k if not k.startswith("fast-") or k == "fast-2x2" else "fast-NxM"
        kinds[k] = kinds.get(k, 0) + 1
        if rng.random() < 0.3:  # smooth content too
            yy, xx = np.mgrid[0:h, 0:w]
            base = (127.5 + 127.5 * np.sin(xx / (1 + rng.random() * 9) + yy / (1 + rng.random() * 9)))
            img = np.clip(base[:, :, None] + rng.normal(0, 4, (h, w, cn)), 0, 255).astype(np.uint8)
        for name, fn, flag, ipp in [("cubic", resize_cubic, cv2.INTER_CUBIC, False),
                                    ("area", resize_area, cv2.INTER_AREA, False),
                                    ("area/ipp-default", resize_area, cv2.INTER_AREA, True),
                                    ("cubic/ipp-default", resize_cubic, cv2.INTER_CUBIC, True)]:
            mine = fn(img, W, H)
            for threads in (1, -1):
                cv2.setNumThreads(threads)
                cv2.ipp.setUseIPP(ipp)
                ref = cv2.resize(img, (W, H), interpolation=flag)
                key = f"{name} threads={'1' if threads == 1 else 'default'}"
                s = stats.setdefault(key, [0, 0, 0, 0])
                s[0] += 1
                bad = np.count_nonzero(ref != mine.reshape(ref.shape))
                s[1] += bad > 0
                s[2] += bad
                s[3] += ref.size
        cv2.ipp.setUseIPP(True)
        cv2.setNumThreads(-1)
    print("INTER_AREA algorithms exercised:", kinds)
    for key, (cases, badcases, badpix, pix) in stats.items():
        print(f"{key:34s} cases {cases:6d}  mismatching cases {badcases:6d}  mismatching bytes {badpix:9d} of {pix}")
    return stats


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--verify", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.verify:
        verify(a.verify, a.seed)
