#!/usr/bin/python3
"""onnx2mcu sine model: a 1-16-16-1 ReLU MLP that approximates sin(x) on [0, 2*pi].

Run: /usr/bin/python3 models/sine/make_model.py   (python3-numpy, python3-onnx)
Writes model.onnx and test_data_set_K/{input_0,output_0}.pb (K = 0..9). Seeded and
single-threaded, so reruns are byte-identical on the same machine and library versions.
"""
import os

# Multi-threaded BLAS may change summation order between runs; pin it before numpy loads.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import glob
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20240602
HIDDEN, STEPS, BATCH, LR = 16, 6000, 64, 1e-2
N_TEST_SETS = 10


def train(rng):
    def he(shape, fan_in):
        return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    # Weights are stored [out, in], as Gemm with transB=1 reads them.
    p = {"fc1.weight": he((HIDDEN, 1), 1), "fc1.bias": np.zeros(HIDDEN),
         "fc2.weight": he((HIDDEN, HIDDEN), HIDDEN), "fc2.bias": np.zeros(HIDDEN),
         "fc3.weight": he((1, HIDDEN), HIDDEN), "fc3.bias": np.zeros(1)}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, STEPS + 1):
        x = rng.uniform(0, 2 * np.pi, (BATCH, 1))
        h1 = x @ p["fc1.weight"].T + p["fc1.bias"]
        r1 = np.maximum(h1, 0)
        h2 = r1 @ p["fc2.weight"].T + p["fc2.bias"]
        r2 = np.maximum(h2, 0)
        y = r2 @ p["fc3.weight"].T + p["fc3.bias"]
        dy = 2 * (y - np.sin(x)) / BATCH  # d(mean squared error)/dy
        dr2 = (dy @ p["fc3.weight"]) * (h2 > 0)
        dr1 = (dr2 @ p["fc2.weight"]) * (h1 > 0)
        g = {"fc3.weight": dy.T @ r2, "fc3.bias": dy.sum(0),
             "fc2.weight": dr2.T @ r1, "fc2.bias": dr2.sum(0),
             "fc1.weight": dr1.T @ x, "fc1.bias": dr1.sum(0)}
        lr = LR * 0.5 * (1 + np.cos(np.pi * t / STEPS))  # cosine decay
        for k in p:  # Adam
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
            p[k] -= lr * (m[k] / (1 - b1 ** t)) / (np.sqrt(v[k] / (1 - b2 ** t)) + eps)
    return p


def export(p, path):
    inits = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in p.items()]
    nodes = [
        helper.make_node("Gemm", ["x", "fc1.weight", "fc1.bias"], ["fc1_out"], "fc1", transB=1),
        helper.make_node("Relu", ["fc1_out"], ["relu1_out"], "relu1"),
        helper.make_node("Gemm", ["relu1_out", "fc2.weight", "fc2.bias"], ["fc2_out"], "fc2", transB=1),
        helper.make_node("Relu", ["fc2_out"], ["relu2_out"], "relu2"),
        helper.make_node("Gemm", ["relu2_out", "fc3.weight", "fc3.bias"], ["y"], "fc3", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "sine_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])],
        initializer=inits)
    model = helper.make_model(graph, producer_name="onnx2mcu make_model.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    model.doc_string = "sin(x) for x in [0, 2*pi], 1-16-16-1 ReLU MLP"
    onnx.checker.check_model(model)
    onnx.save(model, path)


def reference_run(model, x):
    """Runs the *saved* file in float32, so the references check the file, not the trainer."""
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env[model.graph.input[0].name] = x.astype(np.float32)
    for node in model.graph.node:
        ins = [env[n] for n in node.input]
        if node.op_type == "Gemm":
            a, w, b = ins
            y = np.array([[np.sum(row * wr, dtype=np.float32) + bc for wr, bc in zip(w, b)] for row in a], np.float32)
        elif node.op_type == "Relu":
            y = np.maximum(ins[0], np.float32(0))
        else:
            raise NotImplementedError(node.op_type)
        env[node.output[0]] = y
    return env[model.graph.output[0].name]


def main():
    rng = np.random.default_rng(SEED)
    params = train(rng)
    path = os.path.join(HERE, "model.onnx")
    export(params, path)
    model = onnx.load(path)

    grid = np.linspace(0, 2 * np.pi, 1001)
    err = max(abs(reference_run(model, np.array([[g]]))[0, 0] - np.sin(g)) for g in grid)
    print(f"max |model(x) - sin(x)| on [0, 2pi]: {err:.4f}")
    assert err < 0.1, "the MLP does not fit sin(x) well enough"

    for d in glob.glob(os.path.join(HERE, "test_data_set_*")):
        shutil.rmtree(d)
    for k in range(N_TEST_SETS):
        x = np.array([[(k + 0.5) * 2 * np.pi / N_TEST_SETS]], np.float32)  # mid-points of 10 equal steps
        d = os.path.join(HERE, f"test_data_set_{k}")
        os.makedirs(d)
        for name, arr, fn in (("x", x, "input_0.pb"), ("y", reference_run(model, x), "output_0.pb")):
            with open(os.path.join(d, fn), "wb") as f:
                f.write(numpy_helper.from_array(arr, name).SerializeToString())
    print(f"wrote {path} and {N_TEST_SETS} test data sets")


if __name__ == "__main__":
    main()
