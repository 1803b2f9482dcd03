#!/usr/bin/python3
"""The QDQ model `onnx2mcu quantize` writes runs in ONNX Runtime, whose outputs agree with
onnx2mcu's integer code to within one quantization step.

Usage: ort_agreement.py ONNX2MCU SRC_DIR WORK_DIR

models/digits is quantized (calibrated on its 20 test data sets); onnxruntime-node (tools/ort,
CPU, optimisations off) runs the QDQ model on 10 of them, and `onnx2mcu verify --target host`
compares its compiled integer code with those outputs. The output `probs` is the float Softmax of
the dequantized int8 `logits`; a one-step difference in each logit moves a probability by at most
step/2 (the Softmax Jacobian's row sums are at most 2 p (1 - p) <= 1/2), so the tolerance is one
step of `logits` (atol = its scale, rtol 0). Exit 77 (skipped) when node or onnxruntime-node is missing.
"""
import os
import shutil
import subprocess
import sys

import onnx
from onnx import numpy_helper


def main():
    tool, src, work = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
    ort_js = os.path.join(src, "tools", "ort", "run_ort.js")
    if not shutil.which("node") or not os.path.isdir(os.path.join(src, "tools", "ort", "node_modules", "onnxruntime-node")):
        print("SKIPPED: node or onnxruntime-node is not installed (run tools/setup-debian.sh)")
        sys.exit(77)
    digits = os.path.join(src, "models", "digits")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    qmodel = os.path.join(work, "digits_int8.onnx")
    subprocess.run([tool, "quantize", os.path.join(digits, "model.onnx"), "--calibration", digits, "-o", qmodel], check=True)
    scale = {t.name: numpy_helper.to_array(t) for t in onnx.load(qmodel).graph.initializer}["logits_scale"]
    step = float(scale)
    data = []
    for k in range(10):
        d = os.path.join(work, "ort", f"digits_{k}")
        os.makedirs(os.path.join(d, "test_data_set_0"))
        shutil.copy(qmodel, os.path.join(d, "model.onnx"))
        shutil.copy(os.path.join(digits, f"test_data_set_{k}", "input_0.pb"), os.path.join(d, "test_data_set_0"))
        data.append(os.path.join(d, "test_data_set_0"))
    subprocess.run(["node", ort_js, os.path.join(work, "ort")], check=True)
    missing = [d for d in data if not os.path.exists(os.path.join(d, "output_0.pb"))]
    if missing:
        sys.exit(f"FAIL: ONNX Runtime refused the quantized model: see {os.path.join(work, 'ort-refused')}")
    r = subprocess.run([tool, "verify", qmodel, "--target", "host", "--rtol", "0", "--atol", repr(step), "--data", *data])
    print(f"ORT vs onnx2mcu on quantized digits, atol one logits step = {step:.6g}: {'ok' if r.returncode == 0 else 'FAIL'}")
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
