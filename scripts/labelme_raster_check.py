#!/usr/bin/env python3
"""Checks scripts/labelme_raster_reference.py.

(a) every labelme example JSON against labelme's own SegmentationClass PNG,
    byte for byte (PNG and JPEG headers read in pure Python, no Pillow);
(b) random shapes of every labelme shape type, and random multi-shape label
    maps, against labelme's shape_to_mask re-run on Pillow's ImageDraw;
(c) the wide-line offsets with libm hypot() against the correctly rounded
    hypot the reference uses (exhaustive over small integer vectors).

Pillow is only the oracle of (b). The fixtures were made with a Pillow whose
rasteriser is that of 9.5.0 .. 11.0.0; for (b) to be meaningful run it with
such a Pillow, e.g.

    python3 -m pip install --target /tmp/pillow10 pillow==10.4.0
    PYTHONPATH=/tmp/pillow10 python3 scripts/labelme_raster_check.py

Exit status 0 when every check that ran found no mismatching pixel.
"""

import argparse
import glob
import math
import os
import random
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labelme_raster_reference as ref  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_JSON_DIR = os.path.join(HERE, "..", "fixtures", "labelme-json")
DEFAULT_PNG_DIR = os.path.join(HERE, "..", "fixtures", "labelme-voc", "SegmentationClass")
SHAPE_TYPES = ["polygon", "rectangle", "circle", "line", "linestrip", "point"]
MATCHING_PILLOW = ((9, 5, 0), (11, 0, 0))


# ---------------------------------------------------------------------------
# Tiny PNG / JPEG header readers
# ---------------------------------------------------------------------------


def read_png_indices(path):
    """Returns (width, height, bytearray of samples) of a non-interlaced
    grey or palette PNG with bit depth <= 8 (palette indices, not colours)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG: %s" % path)
    pos = 8
    idat = b""
    width = height = depth = ctype = interlace = None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if ctype not in (0, 3) or depth > 8 or interlace != 0:
        raise ValueError("unsupported PNG (type %r, depth %r, interlace %r)" % (ctype, depth, interlace))
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    bpp = 1
    out = bytearray(width * height)
    prev = bytearray(stride)
    p = 0
    for y in range(height):
        ftype = raw[p]
        line = bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif ftype == 4:
                pa = abs(b - c)
                pb = abs(a - c)
                pc = abs(a + b - 2 * c)
                if pa <= pb and pa <= pc:
                    pr = a
                elif pb <= pc:
                    pr = b
                else:
                    pr = c
                line[i] = (line[i] + pr) & 0xFF
            elif ftype != 0:
                raise ValueError("bad PNG filter %d" % ftype)
        per_byte = 8 // depth
        mask = (1 << depth) - 1
        for x in range(width):
            byte = line[x // per_byte]
            shift = 8 - depth * (x % per_byte + 1)
            out[y * width + x] = (byte >> shift) & mask
        prev = line
    return width, height, out


def read_jpeg_size(path):
    """(width, height) from a JPEG's SOFn marker."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            pos += 1
            continue
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[pos + 5:pos + 9])
            return w, h
        pos += 2 + length
    raise ValueError("no SOF in %s" % path)


# ---------------------------------------------------------------------------
# (a) fixtures
# ---------------------------------------------------------------------------


def check_fixtures(json_dir, png_dir):
    print("== (a) labelme examples vs labelme's SegmentationClass PNGs")
    with open(os.path.join(json_dir, "labels.txt"), "r", encoding="utf-8") as f:
        class_index = ref.class_index_from_labels_text(f.read())
    total_bad = 0
    files = sorted(glob.glob(os.path.join(json_dir, "*.json")))
    if not files:
        print("  no JSON files in", json_dir)
        return 1
    for path in files:
        stem = os.path.splitext(os.path.basename(path))[0]
        shapes, h, w = ref.load_labelme_json(path)
        jpg = os.path.join(json_dir, stem + ".jpg")
        if os.path.exists(jpg):
            jw, jh = read_jpeg_size(jpg)
            if (jw, jh) != (w, h):
                print("  %s: JPEG is %dx%d but JSON says %dx%d" % (stem, jw, jh, w, h))
                total_bad += 1
        png = os.path.join(png_dir, stem + ".png")
        pw, ph, expected = read_png_indices(png)
        if (pw, ph) != (w, h):
            print("  %s: PNG is %dx%d, JSON %dx%d" % (stem, pw, ph, w, h))
            total_bad += 1
            continue
        got = ref.label_to_uint8(ref.shapes_to_label(shapes, h, w, class_index))
        bad = 0
        first = None
        for i in range(w * h):
            if got[i] != expected[i]:
                bad += 1
                if first is None:
                    first = (i % w, i // w, got[i], expected[i])
        types = sorted(set(s["shape_type"] for s in shapes))
        print("  %s: %d shapes %s, %dx%d, mismatching pixels: %d%s" % (
            stem, len(shapes), types, w, h, bad,
            "" if first is None else " (first at x=%d y=%d got %d want %d)" % first))
        total_bad += bad
    print("  total mismatching pixels:", total_bad)
    return total_bad


# ---------------------------------------------------------------------------
# (b) random shapes vs Pillow
# ---------------------------------------------------------------------------


def oracle_mask(PIL_Image, PIL_ImageDraw, h, w, points, shape_type, legacy):
    """labelme's shape_to_mask (7.x, or 5.x with legacy) on Pillow, no numpy."""
    mask = PIL_Image.new("L", (w, h), 0)
    draw = PIL_ImageDraw.Draw(mask)
    xy = [tuple(p) for p in points]
    line_width = 10
    point_size = 5
    if shape_type == "circle":
        (cx, cy), (px, py) = xy
        d = math.sqrt((cx - px) ** 2 + (cy - py) ** 2)
        draw.ellipse(((cx - d, cy - d), (cx + d, cy + d)), outline=1, fill=1)
    elif shape_type == "rectangle":
        (x0, y0), (x1, y1) = xy
        if legacy:
            draw.rectangle(xy, outline=1, fill=1)
        else:
            draw.rectangle(((min(x0, x1), min(y0, y1)), (max(x0, x1), max(y0, y1))),
                           outline=1, fill=1)
    elif shape_type == "line":
        draw.line(xy=xy, fill=1, width=line_width)
    elif shape_type == "linestrip":
        if legacy:
            draw.line(xy=xy, fill=1, width=line_width)
        else:
            draw.line(xy=xy, fill=1, width=line_width, joint="curve")
    elif shape_type == "point":
        cx, cy = xy[0]
        r = point_size
        draw.ellipse(((cx - r, cy - r), (cx + r, cy + r)), outline=1, fill=1)
    else:
        draw.polygon(xy=xy, outline=1, fill=1)
    return mask.tobytes()


def rand_coord(rng, size):
    u = rng.random()
    lo = -(size // 3) - 1
    hi = size + size // 3 + 1
    if u < 0.30:
        return rng.uniform(-0.3 * size, 1.3 * size)
    if u < 0.45:
        return float(rng.randint(lo, hi))
    if u < 0.55:
        return rng.randint(lo, hi) + 0.5
    if u < 0.65:
        k = rng.randint(lo, hi)
        eps = rng.choice([1e-9, 1e-7, 3e-8, 1e-6, 1e-4])
        return k + rng.choice([-1, 1]) * eps + rng.choice([0.0, 0.5])
    if u < 0.72:
        return rng.uniform(-4.0 * size, 5.0 * size)
    if u < 0.80:
        return rng.uniform(-1.5, 1.5)
    if u < 0.85:
        return float(rng.randint(-2000, 2000))
    return rng.uniform(0, size)


def rand_point(rng, w, h):
    return [rand_coord(rng, w), rand_coord(rng, h)]


def rand_polygon(rng, w, h):
    kind = rng.random()
    n = rng.randint(3, 12)
    if kind < 0.45:
        return [rand_point(rng, w, h) for _ in range(n)]
    if kind < 0.52:  # all points the same
        p = rand_point(rng, w, h)
        return [list(p) for _ in range(n)]
    if kind < 0.60:  # collinear
        a = rand_point(rng, w, h)
        b = rand_point(rng, w, h)
        pts = []
        for _ in range(n):
            t = rng.uniform(-0.5, 1.5)
            pts.append([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])])
        return pts
    if kind < 0.70:  # runs of horizontal / vertical steps on integer grid
        x = rng.randint(-3, w + 3)
        y = rng.randint(-3, h + 3)
        pts = [[float(x), float(y)]]
        for _ in range(n - 1):
            if rng.random() < 0.5:
                x += rng.randint(-w // 2 - 1, w // 2 + 1)
            else:
                y += rng.randint(-h // 2 - 1, h // 2 + 1)
            pts.append([float(x) + rng.choice([0.0, 0.0, 0.5, 0.25]), float(y)])
        return pts
    if kind < 0.78:  # repeated consecutive points
        pts = []
        for _ in range(n):
            p = rand_point(rng, w, h)
            pts.append(p)
            if rng.random() < 0.5:
                pts.append(list(p))
        return pts
    if kind < 0.86:  # tiny polygons
        c = rand_point(rng, w, h)
        return [[c[0] + rng.uniform(-2, 2), c[1] + rng.uniform(-2, 2)] for _ in range(n)]
    if kind < 0.93:  # integer vertices (corner-connection code)
        return [[float(rng.randint(-2, w + 2)), float(rng.randint(-2, h + 2))] for _ in range(n)]
    # star (self-intersecting)
    cx = rng.uniform(0, w)
    cy = rng.uniform(0, h)
    r = rng.uniform(1, max(w, h))
    pts = []
    for i in range(n):
        ang = 2 * math.pi * (i * 2 % n) / n
        pts.append([cx + r * math.cos(ang), cy + r * math.sin(ang)])
    return pts


def rand_shape(rng, shape_type, w, h):
    if shape_type == "polygon":
        return rand_polygon(rng, w, h)
    if shape_type in ("rectangle", "line"):
        a = rand_point(rng, w, h)
        if rng.random() < 0.1:
            return [a, list(a)]
        if rng.random() < 0.2:
            return [a, [a[0] + rng.uniform(-3, 3), a[1] + rng.uniform(-3, 3)]]
        return [a, rand_point(rng, w, h)]
    if shape_type == "circle":
        c = rand_point(rng, w, h)
        u = rng.random()
        if u < 0.1:
            return [c, list(c)]
        if u < 0.4:
            r = rng.uniform(0, 3)
        elif u < 0.5:
            r = float(rng.randint(0, 20))
        else:
            r = rng.uniform(0, max(w, h))
        t = rng.uniform(0, 2 * math.pi)
        if rng.random() < 0.2:
            return [c, [c[0] + r, c[1]]]
        return [c, [c[0] + r * math.cos(t), c[1] + r * math.sin(t)]]
    if shape_type == "point":
        return [rand_point(rng, w, h)]
    if shape_type == "linestrip":
        u = rng.random()
        n = rng.randint(1, 8)
        if u < 0.5:
            return [rand_point(rng, w, h) for _ in range(n)]
        if u < 0.6:  # collinear (straight joints)
            a = rand_point(rng, w, h)
            d = [rng.uniform(-10, 10), rng.uniform(-10, 10)]
            return [[a[0] + i * d[0], a[1] + i * d[1]] for i in range(max(n, 3))]
        if u < 0.7:  # back and forth (180 degree turns)
            a = rand_point(rng, w, h)
            b = rand_point(rng, w, h)
            return [a if i % 2 == 0 else b for i in range(max(n, 3))]
        if u < 0.8:  # repeated points
            pts = []
            for _ in range(n):
                p = rand_point(rng, w, h)
                pts.append(p)
                pts.append(list(p))
            return pts
        if u < 0.9:  # integer grid, right angles
            x = rng.randint(0, w)
            y = rng.randint(0, h)
            pts = [[float(x), float(y)]]
            for i in range(max(n, 3)):
                if i % 2 == 0:
                    x += rng.randint(-w // 2 - 1, w // 2 + 1)
                else:
                    y += rng.randint(-h // 2 - 1, h // 2 + 1)
                pts.append([float(x), float(y)])
            return pts
        c = rand_point(rng, w, h)  # short segments
        return [[c[0] + rng.uniform(-6, 6), c[1] + rng.uniform(-6, 6)] for _ in range(max(n, 2))]
    raise ValueError(shape_type)


def rand_size(rng):
    u = rng.random()
    if u < 0.1:
        return rng.randint(1, 4), rng.randint(1, 4)
    if u < 0.85:
        return rng.randint(5, 64), rng.randint(5, 64)
    return rng.randint(65, 160), rng.randint(65, 160)


def compare_one(PIL_Image, PIL_ImageDraw, h, w, pts, shape_type, legacy):
    """Returns (mismatching pixels, note)."""
    try:
        want = oracle_mask(PIL_Image, PIL_ImageDraw, h, w, pts, shape_type, legacy)
        want_err = None
    except (ValueError, TypeError) as e:
        want = None
        want_err = type(e).__name__
    try:
        got = ref.shape_to_mask(h, w, pts, shape_type, legacy_labelme5=legacy)
        got_err = None
    except (ValueError, TypeError) as e:
        got = None
        got_err = type(e).__name__
    if want is None or got is None:
        if (want is None) == (got is None):
            return 0, "both raise"
        return w * h, "oracle raises %s, reference %s" % (want_err, got_err)
    bad = 0
    for i in range(w * h):
        if (want[i] != 0) != (got[i] != 0):
            bad += 1
    return bad, None


def check_random(count, seed, legacy, composites):
    try:
        import PIL
        import PIL.Image
        import PIL.ImageDraw
    except ImportError:
        print("== (b) skipped: Pillow is not importable")
        return 0
    version = tuple(int(x) for x in PIL.__version__.split(".")[:3] if x.isdigit())
    in_range = MATCHING_PILLOW[0] <= version <= MATCHING_PILLOW[1]
    print("== (b) random shapes vs Pillow %s%s (%s)" % (
        PIL.__version__, "" if in_range else
        " -- WARNING: outside 9.5.0..11.0.0, mismatches are expected",
        "labelme 5.x calls" if legacy else "labelme 7.x calls"))
    rng = random.Random(seed)
    total = 0
    for shape_type in SHAPE_TYPES:
        bad_shapes = 0
        bad_pixels = 0
        raised = 0
        examples = []
        for _ in range(count):
            w, h = rand_size(rng)
            pts = rand_shape(rng, shape_type, w, h)
            bad, note = compare_one(PIL.Image, PIL.ImageDraw, h, w, pts, shape_type, legacy)
            if note == "both raise":
                raised += 1
            if bad:
                bad_shapes += 1
                bad_pixels += bad
                if len(examples) < 3:
                    examples.append((w, h, pts, note))
        print("  %-10s %d shapes (%d raise in both), mismatching shapes: %d, pixels: %d" % (
            shape_type, count, raised, bad_shapes, bad_pixels))
        for ex in examples:
            print("     e.g. %dx%d %r %s" % ex)
        total += bad_pixels

    # multi-shape label maps (later shapes over earlier)
    bad_maps = 0
    bad_pixels = 0
    for _ in range(composites):
        w, h = rand_size(rng)
        shapes = []
        class_index = {"__ignore__": -1, "_background_": 0}
        for k in range(rng.randint(1, 6)):
            st = rng.choice(SHAPE_TYPES)
            name = "c%d" % rng.randint(1, 20)
            class_index[name] = int(name[1:])
            if rng.random() < 0.1:
                name = "__ignore__"
            shapes.append({"label": name, "points": rand_shape(rng, st, w, h), "shape_type": st})
        try:
            got = ref.label_to_uint8(ref.shapes_to_label(shapes, h, w, class_index, legacy))
        except ValueError:
            got = None
        want = bytearray(w * h)
        try:
            for s in shapes:
                m = oracle_mask(PIL.Image, PIL.ImageDraw, h, w, s["points"], s["shape_type"], legacy)
                v = class_index[s["label"]] & 0xFF
                for i in range(w * h):
                    if m[i]:
                        want[i] = v
        except ValueError:
            want = None
        if want is None or got is None:
            if (want is None) != (got is None):
                bad_maps += 1
                bad_pixels += w * h
            continue
        bad = sum(1 for i in range(w * h) if want[i] != got[i])
        if bad:
            bad_maps += 1
            bad_pixels += bad
    print("  %-10s %d label maps, mismatching maps: %d, pixels: %d" % (
        "composite", composites, bad_maps, bad_pixels))
    total += bad_pixels
    print("  total mismatching pixels:", total)
    return total


# ---------------------------------------------------------------------------
# (c) libm hypot vs correctly rounded hypot in the wide-line offsets
# ---------------------------------------------------------------------------


def check_hypot(limit):
    try:
        import ctypes
        import ctypes.util
        name = ctypes.util.find_library("m")
        libm = ctypes.CDLL(name) if name else None
    except OSError:
        libm = None
    if libm is None:
        print("== (c) skipped: libm not found")
        return 0
    libm.hypot.restype = ctypes.c_double
    libm.hypot.argtypes = [ctypes.c_double, ctypes.c_double]
    print("== (c) wide-line offsets, libm hypot vs correctly rounded, |dx|,|dy| <= %d" % limit)
    differing = 0
    bad = 0
    for width in (3, 10):
        small = (width - 1) / 2.0
        r_up = ref.round_up_f64(small)
        r_down = ref.round_down_f64(small)
        for dx in range(0, limit + 1):
            for dy in range(0, limit + 1):
                if dx == 0 and dy == 0:
                    continue
                h1 = libm.hypot(dx, dy)
                h2 = ref.int_hypot(dx, dy)
                if h1 == h2:
                    continue
                differing += 1
                a = [ref.round_down_f64(r / h1 * v) for r in (r_up, r_down) for v in (dx, dy)]
                b = [ref.round_down_f64(r / h2 * v) for r in (r_up, r_down) for v in (dx, dy)]
                if a != b:
                    bad += 1
    print("  vectors where hypot values differ: %d; where offsets differ: %d" % (differing, bad))
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json-dir", default=DEFAULT_JSON_DIR)
    ap.add_argument("--png-dir", default=DEFAULT_PNG_DIR)
    ap.add_argument("--count", type=int, default=2000, help="random shapes per type")
    ap.add_argument("--composites", type=int, default=300, help="random multi-shape maps")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--legacy", action="store_true", help="labelme 5.x shape_to_mask calls")
    ap.add_argument("--hypot-limit", type=int, default=1000)
    ap.add_argument("--skip", default="", help="comma list of a,b,c to skip")
    args = ap.parse_args()
    skip = set(args.skip.split(","))
    total = 0
    if "a" not in skip:
        total += check_fixtures(args.json_dir, args.png_dir)
    if "b" not in skip:
        total += check_random(args.count, args.seed, args.legacy, args.composites)
    if "c" not in skip:
        total += check_hypot(args.hypot_limit)
    print("RESULT:", "OK, 0 mismatching pixels" if total == 0 else "%d mismatches" % total)
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
