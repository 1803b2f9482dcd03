#!/usr/bin/python3
"""Float models of ../shared/models quantized by `onnx2mcu quantize`: SQNR of the int8 outputs
against float on held-out inputs, and ONNX Runtime agreement on the quantized files.

Usage: shared_models.py ONNX2MCU SHARED_MODELS SRC_DIR WORK_DIR [MODEL...]

Calibration data (honest about what it is): these models ship one to three test inputs each and
no training data, so every input set here is *derived from those test inputs*: input k is test
input k mod n, times a gain drawn from U(0.8, 1.2), shifted circularly along its longest axis
(rank >= 3 inputs: time for KWS, width for VWW and mnist8) by up to 10% of it, plus Gaussian
noise of 0.1 x the input's standard deviation, clipped to the test input's range. Calibration
uses seeds 1..32 and held-out sets seeds 1001..1008 plus the unmodified test inputs: held-out
inputs are never calibrated on, but they come from the same narrow neighbourhood of the shipped
inputs, so the SQNR says how well the tool quantizes near those inputs, not on the models' real
data distributions. Everything is written under WORK_DIR (nothing is copied into the repo); each
quantized model also as WORK_DIR/bench/NAME_tool_int8/model.onnx, for bench.py --extra-models.

Checks: SQNR of every model output >= MIN_SQNR_DB over the held-out sets (measured by
`quantize --report-data`, which runs the device's integer kernels on the host); ORT's outputs of
the QDQ model on held-out set 0 within one quantization step of onnx2mcu's compiled code
(`verify --rtol 0 --atol STEP`, STEP the scale of the int8 tensor the output is dequantized
from, or that feeds the final float Softmax, which moves by at most half a step per step).
Exit 77 when the shared models are missing.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

MODELS = ["mnist8", "mlperf_tiny_kws_dscnn_float", "mlperf_tiny_vww_mobilenetv1_float", "mlperf_tiny_ad_autoencoder_float"]
MIN_SQNR_DB = 25.0
CALIB_SEEDS = range(1, 33)
HELD_OUT_SEEDS = range(1001, 1009)


def augment(x, seed):
    rng = np.random.default_rng(seed)
    y = x * rng.uniform(0.8, 1.2)
    if x.ndim >= 3:
        axis = int(np.argmax(x.shape[1:])) + 1
        y = np.roll(y, int(rng.integers(-x.shape[axis] // 10, x.shape[axis] // 10 + 1)), axis=axis)
    y = y + rng.normal(0.0, 0.1 * float(x.std()), x.shape)
    return np.clip(y, x.min(), x.max()).astype(x.dtype)


def write_set(folder, tensors):
    os.makedirs(folder, exist_ok=True)
    for i, (name, arr) in enumerate(tensors):
        with open(os.path.join(folder, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(arr, name).SerializeToString())
    return folder


def make_data(model_dir, work):
    model = onnx.load(os.path.join(model_dir, "model.onnx"))
    inits = {t.name for t in model.graph.initializer}
    input_name = [i.name for i in model.graph.input if i.name not in inits][0]
    tests = []
    for d in sorted(glob.glob(os.path.join(model_dir, "test_data_set_*"))):
        t = onnx.TensorProto()
        with open(os.path.join(d, "input_0.pb"), "rb") as f:
            t.ParseFromString(f.read())
        tests.append((input_name, numpy_helper.to_array(t)))  # the model's name: some files name it otherwise
    calib = os.path.join(work, "calibration")
    held = os.path.join(work, "held_out")
    for k, seed in enumerate(CALIB_SEEDS):
        name, x = tests[k % len(tests)]
        write_set(os.path.join(calib, f"test_data_set_{k}"), [(name, augment(x, seed))])
    sets = []
    for k, seed in enumerate(HELD_OUT_SEEDS):
        name, x = tests[k % len(tests)]
        sets.append(write_set(os.path.join(held, f"test_data_set_{k}"), [(name, augment(x, seed))]))
    for k, (name, x) in enumerate(tests):
        sets.append(write_set(os.path.join(held, f"test_data_set_{len(HELD_OUT_SEEDS) + k}"), [(name, x)]))
    return calib, held, sets


def output_step(qmodel):
    """Scale of the int8 tensor the first output is dequantized from (through a final Softmax)."""
    m = onnx.load(qmodel)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    producer = {o: n for n in m.graph.node for o in n.output}
    n = producer.get(m.graph.output[0].name)
    if n is not None and n.op_type == "Softmax":
        n = producer.get(n.input[0])
    if n is None or n.op_type != "DequantizeLinear":
        return None
    return float(inits[n.input[1]])


def main():
    tool, shared, src, work = sys.argv[1], sys.argv[2], sys.argv[3], os.path.abspath(sys.argv[4])
    models = sys.argv[5:] or MODELS
    if not all(os.path.exists(os.path.join(shared, m, "model.onnx")) for m in models):
        print(f"SKIPPED: {shared} does not hold {', '.join(models)}")
        sys.exit(77)
    have_ort = shutil.which("node") and os.path.isdir(os.path.join(src, "tools", "ort", "node_modules", "onnxruntime-node"))
    shutil.rmtree(work, ignore_errors=True)
    ok = True
    for m in models:
        mwork = os.path.join(work, m)
        calib, held, sets = make_data(os.path.join(shared, m), mwork)
        qmodel = os.path.join(mwork, "model_int8.onnx")
        r = subprocess.run([tool, "quantize", os.path.join(shared, m, "model.onnx"), "--calibration", calib, "-o", qmodel,
                            "--report-data", held, "--json"], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{m}: FAIL: quantize: {r.stderr.strip()}")
            ok = False
            continue
        # The same file as a model folder bench/bench.py --extra-models WORK_DIR/bench can measure.
        bench_dir = os.path.join(work, "bench", m + "_tool_int8")
        os.makedirs(bench_dir, exist_ok=True)
        shutil.copy(qmodel, os.path.join(bench_dir, "model.onnx"))
        rep = json.loads(r.stdout)
        for o in rep["outputs"]:
            db = float("inf") if o["sqnr_db"] is None else o["sqnr_db"]
            verdict = "ok" if db >= MIN_SQNR_DB else "FAIL"
            ok = ok and verdict == "ok"
            print(f"{m}: output {o['tensor']} SQNR {db:.1f} dB on {rep['sets']} held-out sets (min {MIN_SQNR_DB})  {verdict}")
        print(f"{m}: ranges {rep['range_method']}, weights {rep['weight_bytes']['float']} -> {rep['weight_bytes']['int8']} B, arena "
              f"{rep['arena_bytes']['float']} -> {rep['arena_bytes']['int8']} B, float nodes: {', '.join(rep['float_nodes']) or 'none'}")
        step = output_step(qmodel)
        if not have_ort or step is None:
            print(f"{m}: ORT agreement not checked ({'no onnxruntime-node' if not have_ort else 'output not dequantized int8'})")
            continue
        d = os.path.join(mwork, "ort", m)
        os.makedirs(os.path.join(d, "test_data_set_0"))
        shutil.copy(qmodel, os.path.join(d, "model.onnx"))
        shutil.copy(os.path.join(sets[0], "input_0.pb"), os.path.join(d, "test_data_set_0"))
        subprocess.run(["node", os.path.join(src, "tools", "ort", "run_ort.js"), os.path.join(mwork, "ort")],
                       check=True, capture_output=True)
        if not os.path.exists(os.path.join(d, "test_data_set_0", "output_0.pb")):
            print(f"{m}: FAIL: ONNX Runtime refused the quantized model (see {mwork}/ort-refused)")
            ok = False
            continue
        v = subprocess.run([tool, "verify", qmodel, "--target", "host", "--rtol", "0", "--atol", repr(step),
                            "--data", os.path.join(d, "test_data_set_0")], capture_output=True, text=True)
        line = [l for l in v.stdout.splitlines() if " output 0 " in l]
        print(f"{m}: ORT vs onnx2mcu within one step ({step:.4g}): {'ok' if v.returncode == 0 else 'FAIL'}  {line[0] if line else v.stderr}")
        ok = ok and v.returncode == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
