"""Writes small multi-node models that once broke the compiler, each in its own folder with
model.onnx and test_data_set_0 (input and the expected output computed here with numpy).

Run with /usr/bin/python3 (Debian's python3-onnx): make_graph_models.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
f32 = TensorProto.FLOAT


def save(name, nodes, x, y, opset=13):
    shape = list(x.shape)
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", f32, shape)],
                              [helper.make_tensor_value_info("y", f32, list(y.shape))])
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
