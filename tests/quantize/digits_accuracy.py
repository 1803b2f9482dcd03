#!/usr/bin/python3
"""Held-out accuracy of models/digits, float vs quantized by `onnx2mcu quantize`.

Usage: digits_accuracy.py ONNX2MCU WORK_DIR [TARGET...]   (targets: host, cortex-m4, ...; default host)

Calibration: CALIB_COUNT digits of the model's training split; evaluation: every held-out digit
(359), the split make_model.py trained with (same seed, same function). Each held-out digit is a
test data set whose reference output is its one-hot label, so `onnx2mcu verify` prints the
predicted class (argmax) of each on the target; accuracy = argmax == label. Fails (exit 1) when
the quantized model's accuracy is more than MAX_DROP points below the float model's on a target.
"""
import importlib.util
import os
import re
import subprocess
import sys

import numpy as np
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "..", "..", "models", "digits")
CALIB_COUNT = 200
MAX_DROP = 1.0  # percentage points


def digits_module():
    spec = importlib.util.spec_from_file_location("make_model", os.path.join(MODEL_DIR, "make_model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_sets(folder, images, outputs):
    os.makedirs(folder, exist_ok=True)
    for k, (x, y) in enumerate(zip(images, outputs)):
        d = os.path.join(folder, f"test_data_set_{k}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x[None].astype(np.float32), "image").SerializeToString())
        if y is not None:
            with open(os.path.join(d, "output_0.pb"), "wb") as f:
                f.write(numpy_helper.from_array(y[None].astype(np.float32), "probs").SerializeToString())
    return sorted(os.path.join(folder, d) for d in os.listdir(folder))


def accuracy(tool, model, data_dirs, labels, target, work):
    # verify exits 1 (outputs differ from one-hot labels): only the printed argmax counts here.
    r = subprocess.run([tool, "verify", model, "--target", target, "--keep", work, "--data", *data_dirs],
                       capture_output=True, text=True)
    pred = {}
    for line in r.stdout.splitlines():
        m = re.match(r"(\S+) output 0 .* argmax (\d+) \(reference (\d+)\)", line)
        if m:
            pred[m.group(1)] = int(m.group(2))
    if len(pred) != len(data_dirs):
        sys.exit(f"verify of {model} on {target} printed {len(pred)} results for {len(data_dirs)} digits:\n{r.stdout}\n{r.stderr}")
    correct = sum(pred[d] == c for d, c in zip(data_dirs, labels))
    return 100.0 * correct / len(labels), correct


def main():
    tool, work = sys.argv[1], os.path.abspath(sys.argv[2])
    targets = sys.argv[3:] or ["host"]
    mm = digits_module()
    x, y = mm.load_digits()
    train, test = mm.split(y, np.random.default_rng(mm.SEED))
    os.makedirs(work, exist_ok=True)
    calib = os.path.join(work, "calibration")
    write_sets(calib, x[train[:CALIB_COUNT]].reshape(-1, 1, 8, 8), [None] * CALIB_COUNT)
    held = write_sets(os.path.join(work, "held_out"), x[test].reshape(-1, 1, 8, 8), np.eye(10)[y[test]])
    held.sort(key=lambda d: int(d.rsplit("_", 1)[1]))
    labels = list(y[test])
    float_model = os.path.join(MODEL_DIR, "model.onnx")
    int8_model = os.path.join(work, "digits_int8.onnx")
    subprocess.run([tool, "quantize", float_model, "--calibration", calib, "-o", int8_model], check=True)
    ok = True
    for target in targets:
        fa, fc = accuracy(tool, float_model, held, labels, target, os.path.join(work, "float_" + target))
        qa, qc = accuracy(tool, int8_model, held, labels, target, os.path.join(work, "int8_" + target))
        verdict = "ok" if qa >= fa - MAX_DROP else "FAIL"
        print(f"digits on {target}: float {fa:.2f}% ({fc}/{len(labels)}), int8 {qa:.2f}% ({qc}/{len(labels)}), "
              f"drop {fa - qa:.2f} points (limit {MAX_DROP})  {verdict}")
        ok = ok and verdict == "ok"
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
