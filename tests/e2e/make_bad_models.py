"""Writes small malformed or unsupported ONNX models into a folder, one per case.

Run with /usr/bin/python3 (Debian's python3-onnx). Each file name says what is wrong with it.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]


def save(name, nodes, inputs, outputs, inits=(), opset=13, check=True):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, f"{out}/{name}.onnx")


f32 = TensorProto.FLOAT
x = helper.make_tensor_value_info("x", f32, [1, 4])
y = helper.make_tensor_value_info("y", f32, [1, 4])

# An op of a custom domain nobody implements.
graph = helper.make_graph([helper.make_node("FooBar", ["x"], ["y"], name="mystery", domain="com.example")], "g", [x], [y])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)])
model.ir_version = 7
onnx.save(model, f"{out}/unsupported_op.onnx")

# A valid ONNX op onnx2mcu does not implement yet.
save("unimplemented_op", [helper.make_node("Unique", ["x"], ["y"], name="uniq")],
     [helper.make_tensor_value_info("x", f32, [4])], [helper.make_tensor_value_info("y", f32, ["M"])])

# A symbolic batch dim nobody fixed.
save("unknown_dim", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [helper.make_tensor_value_info("x", f32, ["N", 4])], [helper.make_tensor_value_info("y", f32, ["N", 4])])

# float + int32: the checker lets type errors through; our shape rules must not.
save("dtype_mismatch", [helper.make_node("Add", ["x", "k"], ["y"], name="add_mixed")], [x], [y],
     [numpy_helper.from_array(np.ones((1, 4), np.int32), "k")], check=False)

# Shapes that do not broadcast.
save("bad_broadcast", [helper.make_node("Add", ["x", "k"], ["y"], name="add_bad")], [x], [y],
     [numpy_helper.from_array(np.ones((3,), np.float32), "k")])

# Two inputs whose C names collide.
save("name_clash", [helper.make_node("Add", ["a.b", "a_b"], ["y"], name="add")],
     [helper.make_tensor_value_info("a.b", f32, [1, 4]), helper.make_tensor_value_info("a_b", f32, [1, 4])], [y])

# Dropout whose training_mode is a graph input: it may ask for a random mask at run time.
save("dropout_runtime_training", [helper.make_node("Relu", ["x"], ["r"], name="relu"),
                                  helper.make_node("Dropout", ["r", "", "t"], ["y"], name="drop")],
     [x, helper.make_tensor_value_info("t", TensorProto.BOOL, [])], [y])

# A dim so large no microcontroller (or this machine) could hold the tensor.
save("absurd_dims", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
     [helper.make_tensor_value_info("x", f32, [1 << 20, 1 << 20, 1 << 20])],
     [helper.make_tensor_value_info("y", f32, [1 << 20, 1 << 20, 1 << 20])])
