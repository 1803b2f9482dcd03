"""Writes small multi-node models that once broke the compiler, each in its own folder with
model.onnx and test_data_set_0 (input and the expected output computed here with numpy).

Run with /usr/bin/python3 (Debian's python3-onnx): make_graph_models.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.backend.test.case.node.gru import GRU_Helper  # ONNX's own GRU reference

out = sys.argv[1]
f32 = TensorProto.FLOAT


def save(name, nodes, x, y, inits=None, opset=13):
    shape = list(x.shape)
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", f32, shape)],
                              [helper.make_tensor_value_info("y", f32, list(y.shape))],
                              [numpy_helper.from_array(v, k) for k, v in (inits or {}).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    folder = os.path.join(out, name)
    os.makedirs(os.path.join(folder, "test_data_set_0"), exist_ok=True)
    onnx.save(model, os.path.join(folder, "model.onnx"))
    for kind, name_, value in (("input", "x", x), ("output", "y", y)):
        with open(os.path.join(folder, "test_data_set_0", f"{kind}_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(value, name_).SerializeToString())


x = np.array([[-2.0, 0.0, 6.0, -0.5, 3.25]], np.float32)
relu = np.maximum(x, 0)

# x -> Relu -> Identity -> Relu -> y: remove-identities crashed (SIGSEGV) on a kept node before the Identity.
save("relu_identity_relu", [helper.make_node("Relu", ["x"], ["a"], name="relu1"),
                            helper.make_node("Identity", ["a"], ["b"], name="identity"),
                            helper.make_node("Relu", ["b"], ["y"], name="relu2")], x, relu)

# Identity and Dropout chains around kept nodes, one value read twice.
save("identity_dropout_chains", [helper.make_node("Relu", ["x"], ["a"], name="relu"),
                                 helper.make_node("Identity", ["a"], ["b"], name="id1"),
                                 helper.make_node("Dropout", ["b"], ["c"], name="drop"),
                                 helper.make_node("Identity", ["c"], ["d"], name="id2"),
                                 helper.make_node("Neg", ["d"], ["e"], name="neg"),
                                 helper.make_node("Identity", ["e"], ["f"], name="id3"),
                                 helper.make_node("Mul", ["f", "d"], ["g"], name="mul"),
                                 helper.make_node("Identity", ["g"], ["y"], name="id_out")],
     x, -relu * relu)


def conv2d(x, w, b, pad):
    """NCHW convolution, stride 1, symmetric zero padding."""
    n, _, h, wd = x.shape
    oc, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    y = np.zeros((n, oc, h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1), np.float64)
    for i in range(y.shape[2]):
        for j in range(y.shape[3]):
            y[:, :, i, j] = np.tensordot(xp[:, :, i:i + kh, j:j + kw], w, axes=([1, 2, 3], [1, 2, 3]))
    return y + b.reshape(1, -1, 1, 1)


# A fast Conv with a fused Relu (activation.hpp) and a GRU (rnn.hpp) in one model: both headers
# once defined kActRelu etc. with different values, so its generated code did not compile.
rng = np.random.default_rng(13)
xc = rng.uniform(-1, 1, (1, 1, 4, 5)).astype(np.float32)
inits = {"cw": rng.uniform(-1, 1, (2, 1, 3, 3)).astype(np.float32), "cb": rng.uniform(-0.5, 0.5, 2).astype(np.float32),
         "shape": np.array([4, 1, 10], np.int64), "W": rng.uniform(-0.5, 0.5, (1, 9, 10)).astype(np.float32),
         "R": rng.uniform(-0.5, 0.5, (1, 9, 3)).astype(np.float32), "B": rng.uniform(-0.5, 0.5, (1, 18)).astype(np.float32)}
seq = np.maximum(conv2d(xc, inits["cw"], inits["cb"], 1), 0).transpose(2, 0, 1, 3).reshape(4, 1, 10)
_, y_h = GRU_Helper(X=seq, W=inits["W"], R=inits["R"], B=inits["B"]).step()
save("conv_relu_gru", [helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv", pads=[1, 1, 1, 1]),
                       helper.make_node("Relu", ["c"], ["r"], name="relu"),
                       helper.make_node("Transpose", ["r"], ["t"], name="rows_first", perm=[2, 0, 1, 3]),
                       helper.make_node("Reshape", ["t", "shape"], ["s"], name="steps"),
                       helper.make_node("GRU", ["s", "W", "R", "B"], ["", "y"], name="gru", hidden_size=3)],
     xc, y_h.astype(np.float32), inits)
