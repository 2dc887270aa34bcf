#!/usr/bin/python3
"""Runs every side-by-side measurement and writes benchmarks/results.json and BENCHMARKS.md."""
import json, os, platform, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/seg-prep")
REF = [sys.executable, os.path.join(ROOT, "benchmarks/reference.py")]
QUICK = "--quick" in sys.argv
WORK = tempfile.mkdtemp(prefix="segprep-bench-")
# One-core rows run pinned to CPU 0 (seg-prep's writer thread and torch's threads included), so
# "one core" means one core on both sides; run, decode, files->batches and loader rows keep the best of ROUNDS runs, since a
# shared machine only ever slows a run down.
ONE_CORE = ["taskset", "-c", "0"] if shutil.which("taskset") else []
ROUNDS = 1 if "--quick" in sys.argv else 3
# The SIMD path benchmarks/run --simd forced (seg-prep reads SEGPREP_SIMD itself); a forced run
# writes its own results file and table, leaving results.json and BENCHMARKS.md to the default path.
SIMD = os.environ.get("SEGPREP_SIMD", "")
DATA = os.path.join(WORK, "data")
# The 1080p rows read real 1920x1080 photos in VOC layout from SEGPREP_BENCH_1080P=DIR (e.g. the 60
# photos of waterscenes-1080p, whose non-commercial licence keeps them out of the repository).
# Without it the rows fall back to the camvid-mini frames upscaled to 1920x1080 by make-data.py,
# and say so: smooth upscaled frames decode several times faster than real photos of that size.
REAL_1080P = os.environ.get("SEGPREP_BENCH_1080P")
if not REAL_1080P or not os.path.isfile(os.path.join(REAL_1080P, "ImageSets", "Segmentation", "train.txt")):
    REAL_1080P = None


def hd_root():
    """The 1080p dataset folder and how the rows name it."""
    if REAL_1080P:
        return os.path.abspath(REAL_1080P), "real 1920x1080 photos (waterscenes-1080p, JPEG)"
    return os.path.join(DATA, "jpeg-1080"), "1920x1080 JPEG upscaled from 480x360 frames (real photos not found)"
# Peer data paths (benchmarks/peers.py) run from the venv that benchmarks/install-peers makes, pinned
# like the one-core rows, with one OpenCV / OpenMP / BLAS thread.
VENV_PY = os.path.join(ROOT, "benchmarks/.venv/bin/python")
PEERS = os.path.join(ROOT, "benchmarks/peers.py")
PEER_STATUS = os.path.join(ROOT, "benchmarks/.venv/peer-status")
PEER_ENV = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", NO_ALBUMENTATIONS_UPDATE="1")


def sh(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout, time.perf_counter() - t


def js(cmd, env=None):
    out, _ = sh(cmd, env)
    return json.loads(out[out.index("{"):])


def pipeline(name, root, size, classes, stages, repeats=1, per_shard=64):
    path = os.path.join(WORK, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"input: {{root: {root}, split: train}}\nclasses: {classes}\nseed: 1\nrepeats: {repeats}\nstages:\n")
        for s in stages:
            f.write(f"  - {s}\n")
        f.write(f"output: {{dir: {os.path.join(WORK, 'out', name)}, samples_per_shard: {per_shard}}}\n")
    return path


def machine_description():
    """The CPU as /proc/cpuinfo names it, with its family and model and whether it has AVX-512 (F, BW,
    VBMI: what seg-prep's avx512 path needs) or only AVX2, and the core count."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if ":" in line:
                    key, value = (part.strip() for part in line.split(":", 1))
                    info.setdefault(key, value)
    except OSError:
        pass
    flags = set(info.get("flags", "").split())
    simd = ("AVX-512 (F, BW, VBMI) and AVX2" if {"avx512f", "avx512bw", "avx512vbmi"} <= flags
            else "AVX2, no AVX-512" if "avx2" in flags else "no AVX2")
    name = info.get("model name") or platform.processor() or platform.machine()
    family = f" (family {info['cpu family']}, model {info['model']})" if "cpu family" in info and "model" in info else ""
    return f"{os.cpu_count()}-core {name}{family}, {simd}"


def train_stages(size, shrink=False):
    return [f"decode: {{shrink_on_load: {str(shrink).lower()}}}", f"random_resize: {{size: [{size}, {size}]}}", "flip: {}",
            "place: {}", "hsv: {}", "remap_labels: {above: 20, to: ignore}"]


def voc_train(name, root, repeats, shrink=False):
    """The shipped pipelines/voc-train.yaml with `repeats` changed (and decode's shrink_on_load on if
    `shrink`); its input root is replaced with --input-root `root` by run_rate."""
    with open(os.path.join(ROOT, "pipelines/voc-train.yaml")) as f:
        text = f.read()
    text, k = re.subn(r"(?m)^repeats: \d+$", f"repeats: {repeats}", text)
    assert k == 1, "pipelines/voc-train.yaml: no repeats line"
    if shrink:
        text, k = re.subn(r"(?m)^  - decode: \{\}$", "  - decode: {shrink_on_load: true}", text)
        assert k == 1, "pipelines/voc-train.yaml: no `- decode: {}` stage"
    path = os.path.join(WORK, name + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    return path, ["--input-root", root]


def run_rate(p, threads, out, pin=False, rounds=None, extra=()):
    """Best samples/s of `rounds` (default ROUNDS) fresh runs, and the sample count."""
    best, n = 0.0, 0
    for _ in range(rounds or ROUNDS):
        shutil.rmtree(out, ignore_errors=True)
        r = js((ONE_CORE if pin else []) + [BIN, "run", p, *extra, "--threads", str(threads), "--output", out, "--json"])
        best, n = max(best, r["samples_per_second"]), r["samples"]
    return best, n


def best_of(cmd, key, higher=True, env=None):
    """The best value of `key` over ROUNDS runs of `cmd` (a JSON-printing command), and that run's JSON."""
    runs = [js(cmd, env) for _ in range(ROUNDS)]
    pick = max(runs, key=lambda r: r[key]) if higher else min(runs, key=lambda r: r[key])
    return pick[key], pick


def shrunk_floor(p, out, reps):
    """Decode-only ms per sample at the shrink each sample of the run in `out` used (from its manifest)."""
    with open(os.path.join(out, "index.json")) as f:
        params = [q for s in json.load(f)["shards"] for q in s["params"]]
    share = {k: sum(1 for q in params if int(q.get("shrink_on_load", 1)) == k) / len(params) for k in (1, 2, 4, 8)}
    return sum(w * best_of(ONE_CORE + [BIN, "bench", "decode", p, "--json", "--repeats", str(reps), "--shrink", str(k)],
                           "ms_per_sample", higher=False)[0] for k, w in share.items() if w > 0)


def peer_status():
    """{peer: None when benchmarks/install-peers installed it, else why not}."""
    st = {}
    if os.path.exists(PEER_STATUS):
        with open(PEER_STATUS) as f:
            for line in f:
                name, _, rest = line.strip().partition(" ")
                if name:
                    st[name] = None if rest == "ok" else rest.removeprefix("failed: ").replace("|", "/")
    return st


def failure(e):
    """One line saying why a command failed: the last line of its error output."""
    text = [l.strip() for l in str(e).splitlines() if l.strip()]
    return (text[-1] if text else type(e).__name__)[:200].replace("|", "/")


def peer_rows(rows, res):
    """seg-prep's shipped voc-train pipeline (`run`, one core, 1 thread) side by side with
    albumentations doing the same augmentation (in memory, and writing 64-sample files with fsync),
    on the VOC-size and 1080p JPEGs, and mmsegmentation's own training recipe on the VOC-size JPEGs.
    Each round runs every measurement once, alternating the sides; the best of ROUNDS is kept."""
    status = peer_status()
    why = {}
    for name in ("albumentations", "mmseg"):
        if not os.path.exists(VENV_PY):
            why[name] = "benchmarks/.venv is missing (benchmarks/install-peers did not run or could not make it)"
        elif name not in status:
            why[name] = "no install status (run benchmarks/install-peers)"
        elif status[name]:
            why[name] = "install failed: " + status[name]
    repeats = 4 if QUICK else 8
    sets = (("voc", os.path.join(DATA, "jpeg-voc"), False, "VOC-size JPEG (480x360)"),
            ("1080p", hd_root()[0], True, hd_root()[1] + " (seg-prep with shrink_on_load; albumentations decodes full size)"))
    pipes = {name: voc_train("peer-" + name, root, repeats, shrink) for name, root, shrink, _ in sets}
    best, info = {}, {}
    # seg-prep's mmseg recipe (pipelines/ade20k-train.yaml's stages) on the same files; labels hold
    # 255 for void, mapped to the ignore class first.
    mm_stages = ["decode: {}", "remap_labels: {above: 20, to: ignore}",
                 "resize: {scale: [2048, 512], ratio_range: [0.5, 2.0], keep_ratio: true}",
                 "random_crop: {size: [512, 512], cat_max_ratio: 0.75}", "flip: {p: 0.5}", "photometric: {}",
                 "pad: {size: [512, 512], fill: 0, label_fill: ignore}"]
    mm_pipes = {name: pipeline("peer-mmseg-recipe-" + name, root, 512, 21, mm_stages, repeats=repeats)
                for name, root, _, _ in sets}

    def measure(key, fn):
        if key in why:
            return
        try:
            rate, r = fn()
        except Exception as e:
            why[key] = "run failed: " + failure(e)
            return
        if rate > best.get(key, 0.0):
            best[key], info[key] = rate, r

    def run_peer(*args):
        r = js(ONE_CORE + [VENV_PY, PEERS, *args], PEER_ENV)
        return r["samples_per_second"], r

    for _ in range(ROUNDS):
        for name, data, _, _ in sets:
            p, extra = pipes[name]
            out = os.path.join(WORK, "out", "peer-" + name)
            measure(f"segprep_{name}", lambda: run_rate(p, 1, out, pin=True, rounds=1, extra=extra))
            n = str(info.get(f"segprep_{name}", 40 * repeats))   # run_rate's second value: the sample count
            if "albumentations" not in why:
                measure(f"albu_{name}_memory", lambda: run_peer("albu", data, "--count", n))
                shutil.rmtree(out + "-albu", ignore_errors=True)
                measure(f"albu_{name}_disk", lambda: run_peer("albu", data, "--count", n, "--write", out + "-albu"))
                shutil.rmtree(out + "-albu", ignore_errors=True)
            if "mmseg" not in why:
                suffix = "" if name == "voc" else "_" + name
                measure("segprep_mmseg" + suffix, lambda: run_rate(mm_pipes[name], 1, out + "-mmseg", pin=True, rounds=1))
                measure("mmseg" + suffix, lambda: run_peer("mmseg", data, "--count", n))
    # albumentations failing at run time (not at install) leaves its keys in `why`.
    for name in ("voc", "1080p"):
        for mode in ("memory", "disk"):
            if f"albu_{name}_{mode}" in why and "albumentations" not in why:
                why["albumentations"] = why[f"albu_{name}_{mode}"]
    res["peers"] = {"install_status": {k: v or "ok" for k, v in status.items()}, "missing": why,
                    "samples_per_second": best, "runs": info}

    for name, _, _, label in sets:
        ours = best.get(f"segprep_{name}")
        ours_text = f"{ours:.1f} samples/s" if ours else "not measured: " + why.get(f"segprep_{name}", "?")
        n = info.get(f"segprep_{name}", 40 * repeats)
        for mode, how in (("memory", "in memory"), ("disk", "writing each 64 samples as one array to a file with fsync")):
            key = f"albu_{name}_{mode}"
            theirs = best.get(key)
            vs = "" if mode == "memory" else " (seg-prep writes safetensors shards with fsync either way)"
            what = (f"voc-train augmentation, one core: `run` (1 thread) vs albumentations 2.0.8 {how}{vs}, {label} → 512x512, {n} samples")
            text = f"{theirs:.1f} samples/s (albumentations)" if theirs else "not measured: " + why.get("albumentations", why.get(key, "?"))
            rows.append((what, ours_text, text, ours / theirs if ours and theirs else None))
    for suffix, label in (("", "VOC-size JPEG (480x360)"), ("_1080p", hd_root()[1] + " (full decode on both sides)")):
        mm = best.get("mmseg" + suffix)
        ours = best.get("segprep_mmseg" + suffix)
        rows.append(("mmseg's recipe, one core: `run` (1 thread; resize → random_crop → flip → photometric → pad, shards written) vs "
                     "mmsegmentation 1.2.2 LoadImageFromFile, LoadAnnotations, RandomResize(scale=(2048, 512), ratio_range=(0.5, 2.0)), "
                     "RandomCrop(512x512, cat_max_ratio=0.75), RandomFlip(0.5), PhotoMetricDistortion (in memory; mmseg pads later, in its "
                     f"model's data preprocessor), {label}, {info.get('segprep_voc', 40 * repeats)} samples",
                     f"{ours:.1f} samples/s" if ours else "not measured: " + why.get("segprep_mmseg" + suffix, "?"),
                     f"{mm:.1f} samples/s (mmseg)" if mm else "not measured: " + why.get("mmseg" + suffix, why.get("mmseg", "?")),
                     ours / mm if ours and mm else None))


def peer_note(peers):
    """The paragraph of BENCHMARKS.md that says what the peer rows ran."""
    runs = peers.get("runs", {})
    albu = next((r for k, r in runs.items() if k.startswith("albu_")), None)
    mm = runs.get("mmseg")
    have = []
    if albu:
        have.append(f"albumentations {albu['version']} with opencv-python-headless {albu['opencv']}")
    if mm:
        have.append(f"mmsegmentation {mm['version']} with mmcv-lite {mm['mmcv']}, mmengine {mm['mmengine']}, "
                    f"OpenCV {mm['opencv']} and Debian's torch {mm['torch']}")
    text = ("The peer rows run other libraries' data paths from PyPI in `benchmarks/.venv` (made by "
            "`benchmarks/install-peers`; what each does is in `benchmarks/peers.py`)"
            + (": " + "; ".join(have) if have else "") + ". They are pinned to CPU 0 like seg-prep's one-thread `run` of "
            "`pipelines/voc-train.yaml` they are set against, with `cv2.setNumThreads(1)` and OMP/MKL/OpenBLAS threads 1, "
            "on the same files, alternating with it round by round. A peer's time starts after its imports and one warm-up sample, "
            "seg-prep's when `run` starts on the pipeline (listing the split, writing and fsyncing the shards and the manifest "
            "included); the ratio is seg-prep's samples/s over the peer's. A peer that could not be installed or run says why in its row.\n\n")
    return text


def peak_rss_kb(cmd):
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return int(m.group(1)) if m else None


def tile_rows(rows, res):
    """Rows of benchmarks/tiles.py at 20000x20000 (2000 with --quick): windows per second in memory
    against pyvips and mmseg's converter, and `run` (shards written) with its peak RSS."""
    venv = os.path.join(ROOT, "benchmarks/.venv/bin/python")
    size = 2000 if QUICK else 20000
    out = os.path.join(WORK, "tiles.json")
    try:
        sh([venv, os.path.join(ROOT, "benchmarks/tiles.py"), "all", "--size", str(size), "--bin", BIN, "--json", out,
            "--only", "pyvips,mmseg,seg-prep,seg-prep-memory"])
        got = json.load(open(out))
    except Exception as e:
        rows.append(("tiles from huge images (benchmarks/tiles.py)", "not measured", str(e).splitlines()[0][:80], None))
        return
    found = [r for run in got.get("runs", []) for r in run.get("rows", [])]
    res["tiles"] = got
    by = {(r.get("peer"), r.get("format")): r for r in found if isinstance(r, dict)}
    names = {"jpg": "JPEG", "png": "PNG", "tif": "tiled TIFF"}
    for fmt in ("jpg", "png", "tif"):
        mem, run = by.get(("seg-prep-memory", fmt)), by.get(("seg-prep", fmt))
        what = f"512x512 tiles at stride 256 from a {size}x{size} {names[fmt]} with its colour-coded PNG label, one core"
        for peer, title in (("pyvips", "pyvips 3.2 (libvips 8.18) cutting the same windows into memory"),
                            ("mmseg", "mmseg's potsdam.py approach (cv2 full decode + slicing)")):
            other = by.get((peer, fmt))
            if mem and other and mem.get("measured") and other.get("measured"):
                rows.append((f"{what}: seg-prep windows into memory (`bench stages`, labels mapped to classes) vs {title}",
                             f"{mem['windows_per_s']:.0f} windows/s, {mem['peak_rss_mb']:.0f} MB peak",
                             f"{other['windows_per_s']:.0f} windows/s, {other['peak_rss_mb']:.0f} MB peak",
                             mem["windows_per_s"] / other["windows_per_s"]))
        mm = by.get(("mmseg", fmt))
        if run and run.get("measured") and mm and mm.get("measured"):
            rows.append((f"{what}: `run` writing shards (1 MiB a window), peak RSS vs mmseg's converter",
                         f"{run['windows_per_s']:.0f} windows/s, {run['peak_rss_mb']:.0f} MB peak",
                         f"{mm['peak_rss_mb']:.0f} MB peak (in memory)", mm["peak_rss_mb"] / run["peak_rss_mb"], "x less memory"))


def main():
    sh([sys.executable, os.path.join(ROOT, "benchmarks/make-data.py"), os.path.join(ROOT, "fixtures"), DATA])
    rows, res = [], {}
    reps = 1 if QUICK else 3
    load = os.getloadavg()[0]

    # 1. run (1 thread) vs reference __getitem__ on VOC-size and 1080p JPEGs, and the decode floor.
    for name, root, shrink in (("voc", "jpeg-voc", False), ("1080p", "jpeg-1080", True)):
        data = hd_root()[0] if name == "1080p" else os.path.join(DATA, root)
        p = pipeline("run-" + name, data, 512, 21, train_stages(512, shrink), repeats=reps)
        ours, n = run_rate(p, 1, os.path.join(WORK, "out", name + "1"), pin=True)
        ref, _ = best_of(ONE_CORE + REF + ["getitem", data, "--count", str(n), "--size", "512", "--classes", "21"], "samples_per_second")
        dec, _ = best_of(ONE_CORE + [BIN, "bench", "decode", p, "--json", "--repeats", str(reps)], "ms_per_sample", higher=False)
        dec_shrunk = shrunk_floor(p, os.path.join(WORK, "out", name + "1"), reps) if shrink else dec
        pil, _ = best_of(ONE_CORE + REF + ["decode", data, "--count", str(n)], "ms_per_sample", higher=False)
        res[f"run_{name}"] = {"seg_prep_samples_per_second": ours, "reference_samples_per_second": ref,
                              "decode_ms": dec, "decode_shrunk_ms": dec_shrunk, "pil_decode_ms": pil, "samples": n}
        label = "VOC-size JPEG (480x360)" if name == "voc" else hd_root()[1] + " (shrink-on-load)"
        rows.append((f"`run` one core vs `__getitem__` one core, {label} → 512x512", f"{ours:.1f} samples/s", f"{ref:.1f} samples/s", ours / ref))
        floor = dec_shrunk if shrink else dec
        rows.append((f"`run` one core, time per sample vs decode-only floor (target: within 2x), {label}",
                     f"{1000 / ours:.2f} ms", f"{floor:.2f} ms (seg-prep decode of image + label{', at the shrink each sample used' if shrink else ''}; PIL {pil:.2f} ms)", (1000 / ours) / floor, "x of decode"))
        if name == "voc":
            # parity mode check on 1080p is covered by shrink off in the next row
            pass
    p = pipeline("run-1080p-parity", hd_root()[0], 512, 21, train_stages(512, False), repeats=reps)
    ours, n = run_rate(p, 1, os.path.join(WORK, "out", "1080par"), pin=True)
    ref = res["run_1080p"]["reference_samples_per_second"]
    rows.append((f"`run` one core, {hd_root()[1]}, parity mode (full decode) vs `__getitem__`", f"{ours:.1f} samples/s", f"{ref:.1f} samples/s", ours / ref))

    # 1b. peers: albumentations and mmsegmentation, one core, same files.
    peer_rows(rows, res)

    # 2. all cores vs one core.
    p = pipeline("run-voc-cores", os.path.join(DATA, "jpeg-voc"), 512, 21, train_stages(512), repeats=2 if QUICK else 16)
    # One core and all cores alternate, five rounds each, so a noisy spell hits both sides.
    cores = os.cpu_count()
    one = many = 0.0
    for _ in range(1 if QUICK else 5):
        o, cn = run_rate(p, 1, os.path.join(WORK, "out", "c1"), pin=True, rounds=1)
        m, _ = run_rate(p, cores, os.path.join(WORK, "out", "cN"), rounds=1)
        one, many = max(one, o), max(many, m)
    res["run_cores"] = {"one": one, "all": many, "cores": cores}
    rows.append((f"`run` all {cores} cores ({cores} threads) vs one core (1 thread, pinned), VOC-size JPEG, {cn} samples", f"{many:.1f} samples/s", f"{one:.1f} samples/s", many / one))

    # 3 + 4. files -> training-ready batches; loader batch time and consumer wait.
    data = os.path.join(DATA, "jpeg-voc")
    p = pipeline("e2e", data, 512, 21, train_stages(512) + ["one_hot: {}"], repeats=2 if QUICK else 8)
    out = os.path.join(WORK, "out", "e2e")
    shutil.rmtree(out, ignore_errors=True)
    e2e = None
    for _ in range(ROUNDS):
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        r = js([BIN, "run", p, "--output", out, "--json"])
        loader = js([BIN, "bench", "loader", out, "--batch-size", "8", "--epochs", "1", "--one-hot", "--json"])
        took = time.perf_counter() - t
        e2e = took if e2e is None else min(e2e, took)
    n = r["samples"] // 8 * 8
    _, ref = best_of(REF + ["dataloader", data, "--size", "512", "--classes", "21", "--batch-size", "8", "--workers", "0", "--count", str(r["samples"])], "samples_per_second")
    ours_rate = n / e2e
    res["files_to_batches"] = {"seg_prep_seconds": e2e, "samples": n, "reference": ref}
    rows.append((f"files → one-hot batches of 8x3x512x512, {n} samples (`run` + loader vs DataLoader, num_workers=0)",
                 f"{ours_rate:.1f} samples/s", f"{ref['samples_per_second']:.1f} samples/s", ours_rate / ref["samples_per_second"]))
    p2 = pipeline("loader", data, 512, 21, ["decode: {}", "letterbox: {size: [512, 512]}", "remap_labels: {above: 20, to: ignore}"], repeats=2)
    out2 = os.path.join(WORK, "out", "loader")
    sh([BIN, "run", p2, "--output", out2])
    _, lb = best_of([BIN, "bench", "loader", out2, "--batch-size", "8", "--epochs", "3", "--workers", "1", "--json"], "ms_per_batch", higher=False)
    lw = js([BIN, "bench", "loader", out2, "--batch-size", "8", "--epochs", "3", "--workers", "2", "--consumer-ms", "20", "--json"])
    res["loader"] = {"one_worker": lb, "consumer_20ms": lw}
    rows.append(("loader: shuffled batch 8x3x512x512 Float32 + labels, one worker (target < 5 ms)",
                 f"{lb['ms_per_batch']:.2f} ms ({lb['cpu_ms_per_batch']:.2f} ms CPU)", f"{ref['ms_per_batch']:.0f} ms (DataLoader batch)", ref["ms_per_batch"] / lb["ms_per_batch"]))
    rows.append(("loader: consumer wait per batch with a 20 ms step, 2 workers (after each epoch's first batch)",
                 f"{lw['steady_wait_ms_per_batch']:.3f} ms", f"first batch {lw['first_batch_wait_ms']:.1f} ms", None))

    # 5. unet-s training step vs PyTorch, same threads.
    threads = str(os.cpu_count())
    env = dict(os.environ)
    env.setdefault("OPENBLAS_CORETYPE", "Haswell")   # unset, OpenBLAS falls back to Prescott kernels here
    try:
        ours = js([BIN, "bench", "train-step", "--batch-size", "8", "--size", "256", "--classes", "21", "--threads", threads, "--json"], env)
        torch_step = js([sys.executable, os.path.join(ROOT, "benchmarks/train-step.py"), "--threads", threads], env)
        res["train_step"] = {"seg_prep": ours, "pytorch": torch_step}
        rows.append((f"unet-s training step, batch 8x3x256x256, 21 classes, {threads} threads", f"{ours['ms_per_step']:.0f} ms",
                     f"{torch_step['ms_per_step']:.0f} ms (PyTorch)", torch_step["ms_per_step"] / ours["ms_per_step"]))
    except Exception as e:
        rows.append(("unet-s training step", "not measured", str(e).splitlines()[0][:60], None))

    # 6. confusion matrix vs numpy fast_hist.
    ours = js([BIN, "bench", "confusion", "--size", "512", "--classes", "21", "--json"])["ms"]
    ref = js(REF + ["hist", "--size", "512", "--classes", "21"])["ms"]
    res["confusion"] = {"seg_prep_ms": ours, "numpy_ms": ref}
    rows.append(("confusion matrix, 512x512 pair, 21 classes", f"{ours:.3f} ms", f"{ref:.3f} ms (numpy)", ref / ours))

    # 7. peak RSS of run at 40 and 1,000 samples.
    rss = {}
    for count, repeats in ((40, 1), (1000, 25)):
        p = pipeline(f"rss{count}", os.path.join(DATA, "jpeg-voc"), 512, 21, train_stages(512), repeats=repeats)
        out = os.path.join(WORK, "out", f"rss{count}")
        shutil.rmtree(out, ignore_errors=True)
        rss[count] = peak_rss_kb([BIN, "run", p, "--output", out, "--threads", str(os.cpu_count())])
        shutil.rmtree(out, ignore_errors=True)
    res["peak_rss_kb"] = rss
    rows.append(("`run` peak RSS, 40 vs 1,000 samples (512x512, 64 per shard)", f"{rss[1000] / 1024:.0f} MB at 1,000", f"{rss[40] / 1024:.0f} MB at 40", rss[40] / rss[1000]))

    # 8. tiles from huge images (benchmarks/tiles.py): seg-prep against pyvips and mmseg's Potsdam converter.
    tile_rows(rows, res)

    res["machine"] = {"cpu": machine_description(), "cores": os.cpu_count(), "load_at_start": load,
                      "load_at_end": os.getloadavg()[0], "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "") or "Haswell (set by the benchmark for the train-step row)"}
    res["machine"]["simd"] = SIMD or js([BIN, "bench", "stages", p, "--limit", "1", "--repeats", "1", "--json"])["simd"]
    with open(os.path.join(ROOT, f"benchmarks/results-{SIMD}.json" if SIMD else "benchmarks/results.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    table = ["| measurement | seg-prep | reference | ratio |", "|---|---|---|---|"]
    for row in rows:
        what, a, b, ratio = row[:4]
        unit = row[4] if len(row) > 4 else "x"
        table.append(f"| {what} | {a} | {b} | {'' if ratio is None else f'{ratio:.2f}{unit}'} |")
    text = "\n".join(table)
    print(text)
    if SIMD:
        with open(os.path.join(ROOT, f"benchmarks/table-{SIMD}.md"), "w") as f:
            f.write(f"# Benchmarks on the forced {SIMD} SIMD path\n\nProduced by `benchmarks/run --simd {SIMD}` (SEGPREP_SIMD={SIMD}); "
                    f"machine: {machine_description()}, load average {load:.2f} at start. Method as in BENCHMARKS.md.\n\n{text}\n")
        shutil.rmtree(WORK, ignore_errors=True)
        return
    # Every hand-written section after the table ("## Augmentation stages", "## Notes": method
    # details, other benchmarks, ranges over runs, profiles) is kept.
    notes = ""
    bench_md = os.path.join(ROOT, "BENCHMARKS.md")
    if os.path.exists(bench_md):
        old = open(bench_md).read()
        if "\n## " in old:
            notes = old[old.index("\n## "):]
    with open(bench_md, "w") as f:
        f.write("# Benchmarks\n\nProduced by `benchmarks/run` (seg-prep release build vs the reference data path in "
                "`benchmarks/reference.py`: PIL 9.4 + OpenCV 4.6 + torch 1.13 from Debian), same files, same machine. "
                f"The `run`, decode, `__getitem__`, files → batches and loader-batch rows keep the best of {ROUNDS} runs on each side (the all-cores row: of five alternating runs); \"one core\" rows run both sides pinned to CPU 0 "
                "with `taskset` (seg-prep's writer thread shares that core).\n\n")
        f.write(peer_note(res.get("peers", {})))
        f.write(f"Machine: {machine_description()}; SIMD path {res['machine']['simd']}, load average {load:.2f} at start, {res['machine']['load_at_end']:.2f} at end; "
                f"OPENBLAS_CORETYPE={res['machine']['openblas_coretype'] or 'unset'}.\n\n")
        f.write("Ratio = seg-prep's advantage (reference time / seg-prep time, higher is better), except the floor rows "
                "(seg-prep time per sample / decode-only time, lower is better) and the RSS row (RSS at 40 / RSS at 1,000 samples).\n\n")
        f.write(text + "\n")
        f.write(notes)
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
