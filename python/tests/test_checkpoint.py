"""Checks a `seg-prep train` checkpoint against the state_dict of DESIGN.md's unet-s in PyTorch.

Run as a script on a checkpoint (numpy + safetensors only):
    python3 python/tests/test_checkpoint.py runs/em/last.safetensors --classes 2
or under pytest with SEGPREP_CHECKPOINT=path (and SEGPREP_CLASSES=C) set; skipped otherwise.
"""
import argparse
import os
import sys

import numpy as np

BLOCKS = [("enc1", 3, 16), ("enc2", 16, 32), ("mid", 32, 64), ("dec2", 96, 32), ("dec1", 48, 16)]


def expected_state(classes):
    """Name -> shape of `unet-s`'s state_dict, in PyTorch's order (119,253 parameters at 21 classes)."""
    state = {}
    for block, cin, cout in BLOCKS:
        for conv, bn, inputs in (("0", "1", cin), ("3", "4", cout)):
            state[f"{block}.{conv}.weight"] = (cout, inputs, 3, 3)
            state[f"{block}.{conv}.bias"] = (cout,)
            for p in ("weight", "bias", "running_mean", "running_var"):
                state[f"{block}.{bn}.{p}"] = (cout,)
            state[f"{block}.{bn}.num_batches_tracked"] = ()
    state["head.weight"] = (classes, 16, 1, 1)
    state["head.bias"] = (classes,)
    return state


def check(path, classes):
    """Raises AssertionError describing the first difference from the expected state."""
    from safetensors.numpy import load_file

    tensors = load_file(path)
    model = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    expected = expected_state(classes)
    assert set(model) == set(expected), f"names differ: missing {sorted(set(expected) - set(model))}, extra {sorted(set(model) - set(expected))}"
    for name, shape in expected.items():
        assert tuple(model[name].shape) == shape, f"{name}: shape {model[name].shape} != {shape}"
        want = np.int64 if name.endswith("num_batches_tracked") else np.float32
        assert model[name].dtype == want, f"{name}: dtype {model[name].dtype} != {want}"
    params = [k for k in expected if "running" not in k and "num_batches" not in k]
    if classes == 21:
        assert sum(int(np.prod(expected[k])) for k in params) == 119_253
    optimizer = {k: v for k, v in tensors.items() if k.startswith("optimizer.")}
    if optimizer:
        for k, v in optimizer.items():
            base = k[len("optimizer."):].rsplit(".", 1)[0]
            assert base in params, f"optimiser tensor {k} names no parameter"
            assert tuple(v.shape) == expected[base], f"{k}: shape {v.shape} != {expected[base]}"


def test_expected_list_has_reference_parameter_count():
    state = expected_state(21)
    params = [k for k in state if "running" not in k and "num_batches" not in k]
    assert sum(int(np.prod(state[k])) for k in params) == 119_253
    assert len(state) == 5 * 14 + 2


def test_checkpoint_from_environment():
    import pytest

    path = os.environ.get("SEGPREP_CHECKPOINT")
    if not path:
        pytest.skip("set SEGPREP_CHECKPOINT to a checkpoint written by `seg-prep train`")
    check(path, int(os.environ.get("SEGPREP_CLASSES", "21")))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Check a seg-prep checkpoint against unet-s's state_dict.")
    ap.add_argument("checkpoint")
    ap.add_argument("--classes", type=int, required=True)
    a = ap.parse_args()
    try:
        check(a.checkpoint, a.classes)
    except AssertionError as e:
        print(f"{a.checkpoint}: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"{a.checkpoint}: names and shapes match unet-s ({a.classes} classes)")
