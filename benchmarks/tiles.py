#!/usr/bin/env python3
"""Tiling huge images into 512x512 windows at stride 256: seg-prep's `tile` stage next to pyvips and
mmsegmentation's Potsdam converter. Run it with the venv benchmarks/install-peers makes:

    benchmarks/.venv/bin/python benchmarks/tiles.py make                 # the test images only
    benchmarks/.venv/bin/python benchmarks/tiles.py run --json out.json  # the measurements only
    benchmarks/.venv/bin/python benchmarks/tiles.py                      # both

`make` mosaics fixtures/potsdam-mini's area1 (a 1440x1080 JPEG and its ISPRS-coloured label PNG) into
WORK/SIZE/images/area.{jpg,png,tif} and WORK/SIZE/labels/area.png (SIZE x SIZE, the same pixels in
each: the PNG and the TIFF are written from the decoded JPEG), skipping files that exist. Columns of
tiles are shifted and tiles flipped so that rows do not repeat within deflate's window (see mosaic()).

`run` measures, per image format, each peer in a child process pinned to CPU 0:
  pyvips        pyvips (pyvips-binary's libvips), one libvips thread, operation cache off. JPEG/PNG
                opened with access='sequential' and read once, top to bottom, in row bands: the rows a
                window row needs that the previous band did not hold are copied to memory, joined under
                the kept rows, and every window of the band cut from that; tiled TIFF opened with
                access='random' and each window cropped from the file directly.
  pyvips-random (not in the default set) JPEG/PNG opened with access='random', windows cropped
                directly: libvips decodes the whole file once, to a temporary .v file under
                WORK/tmp (TMPDIR) when it is larger than its 100 MB memory threshold.
  pyvips-seq    (not in the default set) the tiled TIFF opened with access='sequential' and read in
                row bands as JPEG/PNG are above (each tile decoded once instead of once a window).
  mmseg         what tools/dataset_converters/potsdam.py of mmsegmentation does before writing: the
                whole image and the whole label read with mmcv.imread (the file's bytes, then
                cv2.imdecode, BGR), then every window sliced and copied; one OpenCV thread. With the
                correct grid: potsdam.py steps its windows by clip_size (512), not stride_size, and
                shifts the last ones back inside the image; here the grid below, padded.
  mmseg-write   (not in the default set) potsdam.py as a whole on the same grid: mmseg plus its
                colour -> class conversion of the whole label (the [2, 3, 4] dot product) and every
                window written as a PNG with mmcv.imwrite (into WORK/mmseg-write, removed after).
  seg-prep-memory  `seg-prep bench stages PIPELINE` (under taskset -c 0): the same windows cut into memory,
                no shards written, as the peers do
  seg-prep      `seg-prep run PIPELINE --threads 1 --force --json` (under taskset -c 0) on the pipeline
                below, written into WORK, one per image suffix; windows/s from the child's wall time,
                which includes writing the shards (~6.4 GB at 20000, removed after unless
                --keep-output); the peers only hold each window in memory.
Every peer gets every window's image and label pixels (512x512x3 bytes each) into memory as its own
buffer. Window grid per axis (S image size, h window, s stride): n = max(S - h + s - 1, 0) // s + 1
windows at k * s; windows past the edge are padded to h x h (image 0, label 0 = black, a colour
outside the ISPRS palette); raster order. Peak RSS is the child's ru_maxrss (os.wait4).
With --label-codes the pyvips and mmseg peers also turn label colours into class indices (pyvips
per window with a lookup, mmseg over the whole label as potsdam.py does).
"""
import argparse, json, math, os, platform, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "fixtures/potsdam-mini")
DEFAULT_WORK = os.path.join(ROOT, "benchmarks/.work-tiles")
DEFAULT_BIN = os.environ.get("SEGPREP_BIN", os.path.join(ROOT, ".build/release/seg-prep"))
WINDOW, STRIDE = 512, 256
CLASSES = ["impervious_surfaces", "building", "low_vegetation", "tree", "car", "clutter"]
PEERS = ("pyvips", "pyvips-random", "pyvips-seq", "mmseg", "mmseg-write", "seg-prep", "seg-prep-memory")
DEFAULT_PEERS = "pyvips,mmseg,seg-prep,seg-prep-memory"
FORMATS = ("jpg", "png", "tif")
ONE_CORE_ENV = {"VIPS_CONCURRENCY": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", "OPENCV_FOR_THREADS_NUM": "1"}


def starts(size, window=WINDOW, stride=STRIDE):
    """Window origins along one axis (mmsegmentation's slide-inference formula)."""
    n = max(size - window + stride - 1, 0) // stride + 1
    return [k * stride for k in range(n)]


def paths(work, size):
    d = os.path.join(work, str(size))
    return {"root": d, "jpg": os.path.join(d, "images/area.jpg"), "png": os.path.join(d, "images/area.png"),
            "tif": os.path.join(d, "images/area.tif"), "label": os.path.join(d, "labels/area.png")}


def mb(n):
    return n / 1e6


# --- make -----------------------------------------------------------------------------------------

def make(work, size):
    import pyvips
    p = paths(work, size)
    os.makedirs(os.path.dirname(p["jpg"]), exist_ok=True)
    os.makedirs(os.path.dirname(p["label"]), exist_ok=True)
    report = {"size": size, "files": {}}

    def mosaic(path):
        """`path` (1440x1080) tiled over size x size. A plain replicate repeats every image row each
        4320 bytes, inside deflate's 32 KB window, and a PNG of it shrinks 13:1 and inflates unusually
        fast; so each column of tiles is shifted down by its own offset and each tile is one of four
        flips, chosen by position (the same for image and label)."""
        tile = pyvips.Image.new_from_file(path).copy_memory()  # small: read whole
        tw, th = tile.width, tile.height
        variants = [tile, tile.fliphor(), tile.flipver(), tile.rot180()]
        columns = []
        for c in range(math.ceil(size / tw)):
            offset = (c * 397) % th
            cells = [variants[(c * 7 + r * 3) % 4] for r in range(math.ceil((size + offset) / th))]
            columns.append(pyvips.Image.arrayjoin(cells, across=1).crop(0, offset, tw, size))
        return pyvips.Image.arrayjoin(columns, across=len(columns)).crop(0, 0, size, size)

    def build(key, fn, what):
        path = p[key]
        t = time.perf_counter()
        made = not os.path.exists(path)
        if made:
            tmp = path + ".part" + os.path.splitext(path)[1]
            fn(tmp)
            os.replace(tmp, path)
        dt = time.perf_counter() - t
        report["files"][key] = {"path": path, "bytes": os.path.getsize(path), "seconds": round(dt, 2) if made else None, "what": what}
        print(f"  {key:5s} {os.path.relpath(path, work)}: {mb(os.path.getsize(path)):8.1f} MB  "
              + (f"{dt:6.1f} s" if made else "(exists, skipped)") + f"  {what}", flush=True)

    print(f"make {size}x{size} in {p['root']}", flush=True)
    build("jpg", lambda out: mosaic(os.path.join(FIXTURE, "images/area1.jpg")).jpegsave(out, Q=90, subsample_mode="on"),
          "area1.jpg mosaic, JPEG Q90 4:2:0 (libvips jpegsave)")

    def decoded_jpeg():
        return pyvips.Image.new_from_file(p["jpg"], access="sequential")
    build("png", lambda out: decoded_jpeg().pngsave(out, compression=1),
          "the JPEG's decoded pixels, PNG compression 1, no filter (libvips pngsave)")
    build("tif", lambda out: decoded_jpeg().tiffsave(out, tile=True, tile_width=256, tile_height=256,
                                                     compression="deflate", predictor="horizontal", bigtiff=True),
          "the JPEG's decoded pixels, tiled 256x256 BigTIFF, deflate + horizontal predictor")
    build("label", lambda out: mosaic(os.path.join(FIXTURE, "labels/area1.png")).pngsave(out, compression=6),
          "area1.png mosaic (ISPRS colours), RGB PNG compression 6")
    total = sum(f["bytes"] for f in report["files"].values())
    report["bytes"] = total
    made = [f["seconds"] for f in report["files"].values() if f["seconds"] is not None]
    report["seconds"] = round(sum(made), 2) if made else None
    print(f"  total {mb(total):.1f} MB" + (f", {sum(made):.1f} s" if made else ""), flush=True)
    return report


# --- peers (run in a child process: tiles.py _peer NAME FORMAT IMAGE LABEL) ------------------------

def pin_one_core():
    try:
        os.sched_setaffinity(0, {0})
    except (AttributeError, OSError):
        pass


def rss_now_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Sink:
    """Counts windows and bytes; keeps an MD5 of a few windows so the peers' outputs can be compared."""

    def __init__(self, ys, xs):
        import hashlib
        self.hashlib = hashlib
        self.windows, self.bytes = 0, 0
        self.sample = {(ys[0], xs[0]), (ys[len(ys) // 2], xs[len(xs) // 2]), (ys[-1], xs[-1])}
        self.digest = {}

    def take(self, y, x, image, label, image_rgb=None, label_rgb=None):
        """image/label: the window's buffers (bytes or numpy arrays); *_rgb: callables giving RGB
        bytes for the digest when the buffers are in another channel order."""
        self.windows += 1
        self.bytes += image.nbytes if hasattr(image, "nbytes") else len(image)  # numpy array or cffi buffer
        self.bytes += label.nbytes if hasattr(label, "nbytes") else len(label)
        if (y, x) in self.sample:
            im = image_rgb() if image_rgb else bytes(image)
            lb = label_rgb() if label_rgb else bytes(label)
            self.digest[f"image {y}_{x}"] = self.hashlib.md5(im).hexdigest()[:12]
            if lb:
                self.digest[f"label {y}_{x}"] = self.hashlib.md5(lb).hexdigest()[:12]


def no_label():
    """The label part of the digest with --label-codes (the peers number classes differently)."""
    return b""


def label_codes_lut():
    """numpy LUT from (r>>7)*4 + (g>>7)*2 + (b>>7) to class index (255 = not an ISPRS colour)."""
    import numpy as np
    lut = np.full(8, 255, np.uint8)
    for i, code in enumerate((7, 1, 3, 2, 6, 4)):  # white, blue, cyan, green, yellow, red
        lut[code] = i
    return lut


def peer_pyvips(fmt, image_path, label_path, access, codes):
    import pyvips
    import numpy as np
    pyvips.cache_set_max(0)
    pyvips.cache_set_max_mem(0)
    pyvips.cache_set_max_files(0)
    lut = label_codes_lut() if codes else None
    t0 = time.perf_counter()
    image = pyvips.Image.new_from_file(image_path, access=access)
    label = pyvips.Image.new_from_file(label_path, access="sequential" if access == "sequential" else "random")
    H, W = image.height, image.width
    assert (label.width, label.height) == (W, H) and image.bands == 3 and label.bands == 3
    ys, xs = starts(H), starts(W)
    sink = Sink(ys, xs)

    def cut(src, x, y0, rows):
        """Window at column x from rows y0..y0+rows of `src`, padded to WINDOW x WINDOW with 0."""
        w = min(WINDOW, src.width - x)
        win = src.crop(x, y0, w, rows)
        if w < WINDOW or rows < WINDOW:
            win = win.embed(0, 0, WINDOW, WINDOW, extend="background", background=[0, 0, 0])
        return win.write_to_memory()

    def codes_of(buf):
        a = np.frombuffer(buf, np.uint8).reshape(WINDOW, WINDOW, 3)
        return lut[((a[..., 0] >> 7) << 2) | ((a[..., 1] >> 7) << 1) | (a[..., 2] >> 7)]

    if access == "sequential":
        # Row bands read once, in order: `band` holds rows [c0, c1) of both images in memory.
        band_i = band_l = None
        c0 = c1 = 0
        for y in ys:
            end = min(y + WINDOW, H)
            if c1 <= y:  # nothing to keep (stride >= window, or the first band)
                band_i = band_l = None
                c0 = c1 = y
            if end > c1:
                new_i = image.crop(0, c1, W, end - c1).copy_memory()
                new_l = label.crop(0, c1, W, end - c1).copy_memory()
                if band_i is None:
                    band_i, band_l = new_i, new_l
                else:
                    keep = c1 - y
                    band_i = band_i.crop(0, y - c0, W, keep).join(new_i, "vertical").copy_memory()
                    band_l = band_l.crop(0, y - c0, W, keep).join(new_l, "vertical").copy_memory()
                c0, c1 = y, end
            rows = end - y
            for x in xs:
                im, lb = cut(band_i, x, y - c0, rows), cut(band_l, x, y - c0, rows)
                sink.take(y, x, im, codes_of(lb) if codes else lb, label_rgb=no_label if codes else None)
    else:
        for y in ys:
            rows = min(WINDOW, H - y)
            for x in xs:
                im, lb = cut(image, x, y, rows), cut(label, x, y, rows)
                sink.take(y, x, im, codes_of(lb) if codes else lb, label_rgb=no_label if codes else None)
    return sink, time.perf_counter() - t0, {"libvips": pyvips.version_string() if hasattr(pyvips, "version_string") else
                                            ".".join(str(pyvips.version(i)) for i in range(3)), "access": access}


def peer_mmseg(fmt, image_path, label_path, codes, write_dir=None):
    import numpy as np
    import cv2
    cv2.setNumThreads(1)
    import mmcv
    phases = {}
    t0 = time.perf_counter()
    image = mmcv.imread(image_path)  # bytes via mmengine.fileio, then cv2.imdecode: BGR
    label = mmcv.imread(label_path)
    phases["load_s"] = round(time.perf_counter() - t0, 3)
    H, W = image.shape[:2]
    assert label.shape[:2] == (H, W)
    if codes:
        # potsdam.py's clip_big_image(to_label=True), verbatim in effect (colour map in BGR order;
        # index 0 = black/boundary, 1..6 the ISPRS classes).
        t = time.perf_counter()
        h, w, c = label.shape
        color_map = np.array([[0, 0, 0], [255, 255, 255], [255, 0, 0], [255, 255, 0], [0, 255, 0], [0, 255, 255], [0, 0, 255]])
        flatten_v = np.matmul(label.reshape(-1, c), np.array([2, 3, 4]).reshape(3, 1))
        out = np.zeros_like(flatten_v)
        for idx, class_color in enumerate(color_map):
            value_idx = np.matmul(class_color, np.array([2, 3, 4]).reshape(3, 1))
            out[flatten_v == value_idx] = idx
        label = out.reshape(h, w)
        del flatten_v, out
        phases["label_codes_s"] = round(time.perf_counter() - t, 3)
    ys, xs = starts(H), starts(W)
    sink = Sink(ys, xs)
    t = time.perf_counter()
    for y in ys:
        for x in xs:
            im = image[y:y + WINDOW, x:x + WINDOW]
            lb = label[y:y + WINDOW, x:x + WINDOW]
            if im.shape[0] < WINDOW or im.shape[1] < WINDOW:
                pim = np.zeros((WINDOW, WINDOW, 3), np.uint8)
                pim[:im.shape[0], :im.shape[1]] = im
                plb = np.zeros((WINDOW, WINDOW) + lb.shape[2:], lb.dtype)
                plb[:lb.shape[0], :lb.shape[1]] = lb
                im, lb = pim, plb
            else:
                im, lb = im.copy(), lb.copy()  # np.ascontiguousarray would not copy a contiguous view
            if write_dir:
                # potsdam.py: mmcv.imwrite(clipped.astype(np.uint8), f'{i}_{j}_{x0}_{y0}_{x1}_{y1}.png')
                mmcv.imwrite(im, os.path.join(write_dir, "img", f"area_{x}_{y}.png"))
                mmcv.imwrite(lb.astype(np.uint8), os.path.join(write_dir, "ann", f"area_{x}_{y}.png"))
            sink.take(y, x, im, lb, image_rgb=lambda im=im: np.ascontiguousarray(im[..., ::-1]).tobytes(),
                      label_rgb=no_label if codes else (lambda lb=lb: np.ascontiguousarray(lb[..., ::-1]).tobytes()))
    phases["windows_s"] = round(time.perf_counter() - t, 3)
    phases["opencv"] = cv2.__version__
    phases["mmcv"] = mmcv.__version__
    return sink, time.perf_counter() - t0, phases


def child(args):
    """tiles.py _peer NAME FORMAT IMAGE LABEL [--label-codes] [--write-dir D]: one JSON line on stdout."""
    pin_one_core()
    name, fmt, image_path, label_path = args.peer
    import numpy  # noqa: F401  (imports before the baseline RSS)
    if name.startswith("pyvips"):
        import pyvips  # noqa: F401
    else:
        import cv2, mmcv  # noqa: F401,E401
    before = rss_now_mb()
    if name == "pyvips":
        sink, seconds, info = peer_pyvips(fmt, image_path, label_path, "random" if fmt == "tif" else "sequential", args.label_codes)
    elif name == "pyvips-random":
        sink, seconds, info = peer_pyvips(fmt, image_path, label_path, "random", args.label_codes)
    elif name == "pyvips-seq":
        sink, seconds, info = peer_pyvips(fmt, image_path, label_path, "sequential", args.label_codes)
    elif name == "mmseg":
        sink, seconds, info = peer_mmseg(fmt, image_path, label_path, args.label_codes)
    elif name == "mmseg-write":
        os.makedirs(os.path.join(args.write_dir, "img"), exist_ok=True)
        os.makedirs(os.path.join(args.write_dir, "ann"), exist_ok=True)
        sink, seconds, info = peer_mmseg(fmt, image_path, label_path, True, args.write_dir)
    else:
        raise SystemExit(f"unknown peer {name}")
    print(json.dumps({"windows": sink.windows, "bytes": sink.bytes, "seconds": seconds, "digest": sink.digest,
                      "rss_after_imports_mb": round(before, 1), "info": info}))


# --- the parent: children with their rusage ----------------------------------------------------------

def spawn(cmd, env, cwd=None):
    """Runs cmd; returns (exit code, stdout, stderr, wall seconds, peak RSS in MB of that child)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        return p.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"), wall, ru.ru_maxrss / 1024


def last_line(text):
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    return lines[-1][:300] if lines else ""


def run_peer(name, fmt, p, args):
    env = dict(os.environ, **ONE_CORE_ENV)
    tmp = os.path.join(args.work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env["TMPDIR"] = tmp  # pyvips-random's temporary decode lands here
    cmd = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    write_dir = os.path.join(args.work, "mmseg-write")
    cmd += [sys.executable, os.path.abspath(__file__), "_peer", name, fmt, p[fmt], p["label"]]
    if args.label_codes:
        cmd.append("--label-codes")
    if name == "mmseg-write":
        shutil.rmtree(write_dir, ignore_errors=True)
        cmd += ["--write-dir", write_dir]
    code, out, err, wall, rss = spawn(cmd, env)
    row = {"peer": name, "format": fmt, "wall_s": round(wall, 3), "peak_rss_mb": round(rss, 1)}
    if name == "mmseg-write":
        row["written_bytes"] = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(write_dir) for f in fs)
        shutil.rmtree(write_dir, ignore_errors=True)
    if code != 0:
        row.update(measured=False, error=last_line(err) or f"exit {code}")
        return row
    r = json.loads(out.strip().splitlines()[-1])
    row.update(measured=True, windows=r["windows"], seconds=round(r["seconds"], 3),
               windows_per_s=round(r["windows"] / r["seconds"], 1), digest=r["digest"],
               rss_after_imports_mb=r["rss_after_imports_mb"], info=r["info"])
    return row


def pipeline_text(root, fmt, out):
    return (f"version: 1\n"
            f"input: {{format: folders, root: {root}, images: images, labels: labels, image_suffix: .{fmt}, "
            f"label_suffix: .png, label_colors: isprs}}\n"
            f"classes: [{', '.join(CLASSES)}]\n"
            f"stages:\n"
            f"  - decode: {{}}\n"
            f"  - tile: {{size: [{WINDOW}, {WINDOW}], stride: [{STRIDE}, {STRIDE}], border: pad}}\n"
            f"output: {{dir: {out}, samples_per_shard: 64}}\n")


def segprep_digest(out, size):
    """MD5s of the sample windows' image bytes in seg-prep's shards (labels there are class indices,
    so only images are compared with the peers)."""
    import hashlib
    with open(os.path.join(out, "index.json")) as f:
        index = json.load(f)
    ys = xs = starts(size)
    where = {i: (s["file"], j) for s in index["shards"] for j, i in enumerate(s["ids"])}
    digest = {}
    for y, x in sorted({(ys[0], xs[0]), (ys[len(ys) // 2], xs[len(xs) // 2]), (ys[-1], xs[-1])}):
        name, j = where[f"area@{y}_{x}"]
        with open(os.path.join(out, name), "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(n))
            t = header["image"]
            one = math.prod(t["shape"][1:])
            f.seek(8 + n + t["data_offsets"][0] + j * one)
            digest[f"image {y}_{x}"] = hashlib.md5(f.read(one)).hexdigest()[:12]
    return digest


def run_segprep(fmt, p, args, size):
    out = os.path.join(args.work, "out", f"seg-prep-{size}-{fmt}")
    pipe = os.path.join(args.work, f"tile-{size}-{fmt}.yaml")
    with open(pipe, "w") as f:
        f.write(pipeline_text(p["root"], fmt, out))
    row = {"peer": "seg-prep", "format": fmt, "pipeline": pipe}
    if not os.access(args.bin, os.X_OK):
        row.update(measured=False, error=f"no seg-prep binary at {args.bin} (build it, or pass --bin / SEGPREP_BIN)")
        return row
    cmd = (["taskset", "-c", "0"] if shutil.which("taskset") else []) + [
        args.bin, "run", pipe, "--output", out, "--threads", "1", "--force", "--json",
        # decode's default max_pixels (~179 Mpx) is below a 20000x20000 image
        "--max-pixels", str(max(size * size, 1))]
    shutil.rmtree(out, ignore_errors=True)  # a finished folder of the same run would be reused, not rebuilt
    code, stdout, err, wall, rss = spawn(cmd, dict(os.environ))
    row.update(wall_s=round(wall, 3), peak_rss_mb=round(rss, 1))
    if code != 0:
        row.update(measured=False, error=last_line(err) or last_line(stdout) or f"exit {code}")
    else:
        try:
            r = json.loads(stdout[stdout.index("{"):])
            row.update(measured=True, windows=r["samples"], seconds=round(wall, 3), run_seconds=r["seconds"],
                       windows_per_s=round(r["samples"] / wall, 1), shards=r["shards"], output_bytes=r["bytes"])
        except (ValueError, KeyError) as e:
            row.update(measured=False, error=f"unreadable --json output ({e}): {last_line(stdout)}")
        else:
            try:
                row["digest"] = segprep_digest(out, size)
            except (OSError, ValueError, KeyError) as e:
                row["note"] = f"windows not compared ({type(e).__name__}: {e})"
    if not args.keep_output:
        shutil.rmtree(out, ignore_errors=True)  # 20000x20000 gives ~6.4 GB of shards
    return row


def run_segprep_memory(fmt, p, args, size):
    """The same pipeline through `seg-prep bench stages` (windows cut into memory, no shards written:
    what the peers do)."""
    pipe = os.path.join(args.work, f"tile-{size}-{fmt}.yaml")
    with open(pipe, "w") as f:
        f.write(pipeline_text(p["root"], fmt, os.path.join(args.work, "out", "unused")))
    row = {"peer": "seg-prep-memory", "format": fmt, "pipeline": pipe}
    if not os.access(args.bin, os.X_OK):
        row.update(measured=False, error=f"no seg-prep binary at {args.bin}")
        return row
    cmd = (["taskset", "-c", "0"] if shutil.which("taskset") else []) + [
        args.bin, "bench", "stages", pipe, "--limit", str(10 ** 9), "--repeats", "1", "--json"]
    code, stdout, err, wall, rss = spawn(cmd, dict(os.environ))
    row.update(wall_s=round(wall, 3), peak_rss_mb=round(rss, 1))
    if code != 0:
        row.update(measured=False, error=last_line(err) or last_line(stdout) or f"exit {code}")
        return row
    windows = len(starts(size)) ** 2
    row.update(measured=True, windows=windows, seconds=round(wall, 3), windows_per_s=round(windows / wall, 1))
    return row


def run(args, size):
    p = paths(args.work, size)
    missing = [p[k] for k in args.formats + ["label"] if not os.path.exists(p[k])]
    if missing:
        raise SystemExit("missing test images (run the make step first): " + ", ".join(missing))
    expected = len(starts(size)) ** 2
    rows = []
    for fmt in args.formats:
        for name in args.only:
            if (name == "pyvips-random" and fmt == "tif") or (name == "pyvips-seq" and fmt != "tif"):
                continue  # the same as pyvips on that format
            best = None
            for _ in range(args.rounds):
                row = (run_segprep(fmt, p, args, size) if name == "seg-prep"
                       else run_segprep_memory(fmt, p, args, size) if name == "seg-prep-memory"
                       else run_peer(name, fmt, p, args))
                if not row["measured"]:
                    best = row
                    break
                if best is None or row["windows_per_s"] > best["windows_per_s"]:
                    best = row
            if best["measured"] and best["windows"] != expected:
                best["note"] = f"expected {expected} windows"
            rows.append(best)
            print_row(best, flush=True)
    return {"size": size, "expected_windows": expected, "rows": rows}


HEADER = f"  {'peer':14s} {'format':6s} {'windows':>8s} {'seconds':>8s} {'windows/s':>10s} {'peak RSS MB':>12s} {'(imports)':>9s}  notes"


def print_row(r, flush=False):
    if r["measured"]:
        note = r.get("note", "")
        info = r.get("info", {})
        if "load_s" in info:
            note += f"load {info['load_s']} s" + (f", label codes {info['label_codes_s']} s" if "label_codes_s" in info else "") + f", windows {info['windows_s']} s"
        if "access" in info:
            note += f"access={info['access']}"
        print(f"  {r['peer']:14s} {r['format']:6s} {r['windows']:8d} {r['seconds']:8.2f} {r['windows_per_s']:10.1f} {r['peak_rss_mb']:12.0f} {r.get('rss_after_imports_mb', '-')!s:>9s}  {note}", flush=flush)
    else:
        print(f"  {r['peer']:14s} {r['format']:6s} {'-':>8s} {'-':>8s} {'-':>10s} {r.get('peak_rss_mb', '-')!s:>12s} {'-':>9s}  not measured: {r['error']}", flush=flush)


def check_digests(rows):
    """The peers must give the same sample windows (MD5 of three windows' RGB bytes) of the same file;
    label windows are compared only between peers that kept them as colours."""
    msgs = []
    for fmt in sorted({r["format"] for r in rows}):
        bad = len(msgs)
        got = {r["peer"]: r["digest"] for r in rows if r["format"] == fmt and r.get("measured") and "digest" in r}
        keys = sorted({k for d in got.values() for k in d})
        for k in keys:
            seen = {peer: d[k] for peer, d in got.items() if k in d}
            if len(set(seen.values())) > 1:
                msgs.append(f"{fmt}: {k} window differs: " + ", ".join(f"{p} {v}" for p, v in sorted(seen.items())))
        if len(got) > 1 and len(msgs) == bad:
            msgs.append(f"{fmt}: sample windows identical across " + ", ".join(sorted(got)))
    return msgs


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", nargs="?", default="all", choices=["make", "run", "all", "_peer"])
    ap.add_argument("peer", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--work", default=DEFAULT_WORK, help="folder for the test images, pipelines and outputs (default benchmarks/.work-tiles)")
    ap.add_argument("--size", default="20000", help="image side(s), comma-separated (default 20000)")
    ap.add_argument("--only", default=DEFAULT_PEERS, help=f"peers, comma-separated, of {','.join(PEERS)} (default {DEFAULT_PEERS})")
    ap.add_argument("--formats", default=",".join(FORMATS), help="image formats, comma-separated (default jpg,png,tif)")
    ap.add_argument("--rounds", type=int, default=1, help="runs per measurement, best kept (default 1)")
    ap.add_argument("--label-codes", action="store_true", help="pyvips/mmseg peers also turn label colours into class indices")
    ap.add_argument("--bin", default=DEFAULT_BIN, help="seg-prep binary (default $SEGPREP_BIN or .build/release/seg-prep)")
    ap.add_argument("--keep-output", action="store_true", help="keep seg-prep's output folders")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    ap.add_argument("--write-dir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step == "_peer":
        return child(args)
    args.work = os.path.abspath(args.work)
    args.bin = os.path.abspath(args.bin)
    args.only = [s for s in args.only.split(",") if s]
    args.formats = [s for s in args.formats.split(",") if s]
    for s in args.only:
        if s not in PEERS:
            ap.error(f"unknown peer {s!r} (one of {', '.join(PEERS)})")
    for s in args.formats:
        if s not in FORMATS:
            ap.error(f"unknown format {s!r} (one of {', '.join(FORMATS)})")
    sizes = [int(s) for s in args.size.split(",")]
    result = {"machine": {"cpu": cpu_model(), "cores": os.cpu_count(),
                          "python": sys.version.split()[0], "loadavg_before": os.getloadavg()},
              "window": WINDOW, "stride": STRIDE, "border": "pad", "label_codes": args.label_codes, "runs": []}
    t_all = time.perf_counter()
    for size in sizes:
        entry = {"size": size}
        if args.step in ("make", "all"):
            entry["make"] = make(args.work, size)
        if args.step in ("run", "all"):
            print(f"run {size}x{size}: {len(starts(size))}x{len(starts(size))} windows of {WINDOW} at stride {STRIDE}, one core")
            print(HEADER)
            entry.update(run(args, size))
            for m in check_digests(entry["rows"]):
                print("  note: " + m)
        result["runs"].append(entry)
    result["seconds"] = round(time.perf_counter() - t_all, 1)
    result["machine"]["loadavg_after"] = os.getloadavg()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
