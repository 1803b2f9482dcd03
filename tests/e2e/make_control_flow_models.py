"""Writes models whose If conditions are computed from the input, so the generated code decides
at run time: each in its own folder with model.onnx and several test_data_set_N, whose expected
outputs numpy computes here, chosen so that every branch runs in some set.

Run with /usr/bin/python3 (Debian's python3-onnx): make_control_flow_models.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
f32 = TensorProto.FLOAT
rng = np.random.default_rng(7)


def const(name, value):
    return helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(np.asarray(value), name))


def branch(name, nodes, outputs, shape):
    return helper.make_graph(nodes, name, [], [helper.make_tensor_value_info(o, f32, shape) for o in outputs])


def save(name, nodes, x_shape, cases, opset=13, inits=()):
    """cases: (x, y, path) triples; every path must come up in some case."""
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", f32, list(x_shape))],
                              [helper.make_tensor_value_info("y", f32, list(x_shape[:1]) + [None])], list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    onnx.save(model, os.path.join(folder, "model.onnx"))
    for i, (x, y, _) in enumerate(cases):
        d = os.path.join(folder, f"test_data_set_{i}")
        os.makedirs(d, exist_ok=True)
        for kind, value in (("input", x), ("output", y)):
            with open(os.path.join(d, f"{kind}_0.pb"), "wb") as f:
                f.write(numpy_helper.from_array(value.astype(np.float32)).SerializeToString())
    with open(os.path.join(folder, "paths.txt"), "w") as f:
        f.write("\n".join(sorted({p for _, _, p in cases})) + "\n")


# A two-stage wake-word head: stage 1 scores the frame (a dot product through a sigmoid); only a
# score above 0.5 runs stage 2 (a dense layer with ReLU and a softmax); otherwise zeros.
w1 = rng.standard_normal((16, 1)).astype(np.float32)
w2 = rng.standard_normal((16, 4)).astype(np.float32)
b2 = rng.standard_normal(4).astype(np.float32)
stage2 = branch("stage2", [
    helper.make_node("MatMul", ["x", "w2"], ["h"], name="dense"),
    helper.make_node("Add", ["h", "b2"], ["hb"], name="bias"),
    helper.make_node("Relu", ["hb"], ["r"], name="relu"),
    helper.make_node("Softmax", ["r"], ["probs"], name="softmax", axis=-1)], ["probs"], [1, 4])
idle = branch("idle", [const("zeros", np.zeros((1, 4), np.float32))], ["zeros"], [1, 4])
nodes = [helper.make_node("MatMul", ["x", "w1"], ["s"], name="stage1"),
         helper.make_node("Sigmoid", ["s"], ["score"], name="score"),
         const("threshold", np.float32(0.5)),
         helper.make_node("Greater", ["score", "threshold"], ["hit2"], name="gate"),
         const("scalar", np.array([], np.int64)),
         helper.make_node("Reshape", ["hit2", "scalar"], ["hit"], name="to_scalar"),
         helper.make_node("If", ["hit"], ["y"], name="second_stage", then_branch=stage2, else_branch=idle)]


def two_stage(x):
    if 1 / (1 + np.exp(-(x @ w1)[0, 0])) > 0.5:
        r = np.maximum(x @ w2 + b2, 0)
        e = np.exp(r - r.max())
        return e / e.sum(), "stage2"
    return np.zeros((1, 4), np.float32), "idle"


cases = []
for k in range(4):
    x = rng.standard_normal((1, 16)).astype(np.float32)
    x *= np.sign((x @ w1)[0, 0]) * (1 if k % 2 else -1)  # alternate the sign of the score
    y, path = two_stage(x)
    cases.append((x, y, path))
save("gated_two_stage", nodes, (1, 16), cases,
     inits=[numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")])


# Three Ifs nested: level 1 on mean(x) > 0, level 2 on max(x) > 1, level 3 on min(x) < -1. The
# innermost branches read x from the model graph (three levels up) and t from level 1's branch.
def cond(name, reduce, op, bound):
    return [helper.make_node(reduce, ["x"], [name + "_r"], name=name + "_reduce", keepdims=0),
            const(name + "_bound", np.float32(bound)),
            helper.make_node(op, [name + "_r", name + "_bound"], [name], name=name + "_cmp")]


level3 = helper.make_node("If", ["c3"], ["l3"], name="level3",
                          then_branch=branch("l3_then", [helper.make_node("Mul", ["x", "t"], ["a"], name="mul_t")], ["a"], [1, 4]),
                          else_branch=branch("l3_else", [helper.make_node("Add", ["x", "t"], ["b"], name="add_t")], ["b"], [1, 4]))
level2 = helper.make_node("If", ["c2"], ["l2"], name="level2",
                          then_branch=branch("l2_then", cond("c3", "ReduceMin", "Less", -1.0) + [level3], ["l3"], [1, 4]),
                          else_branch=branch("l2_else", [helper.make_node("Sub", ["x", "t"], ["d"], name="sub_t")], ["d"], [1, 4]))
level1 = helper.make_node("If", ["c1"], ["y"], name="level1",
                          then_branch=branch("l1_then", [const("three", np.float32(3)),
                                                         helper.make_node("Mul", ["x", "three"], ["t"], name="t")] +
                                             cond("c2", "ReduceMax", "Greater", 1.0) + [level2], ["l2"], [1, 4]),
                          else_branch=branch("l1_else", [helper.make_node("Neg", ["x"], ["n"], name="neg")], ["n"], [1, 4]))


def nested(x):
    t = 3 * x
    if x.mean() > 0:
        if x.max() > 1:
            return (x * t, "mul") if x.min() < -1 else (x + t, "add")
        return x - t, "sub"
    return -x, "neg"


cases = []
for x in ([3.0, -2.0, 1.0, 0.5], [2.0, 0.5, 0.25, -0.5], [0.5, 0.25, 0.75, 0.1], [-1.0, -2.0, 0.5, 0.25]):
    x = np.array([x], np.float32)
    y, path = nested(x)
    cases.append((x, y.astype(np.float32), path))
save("nested_if_3_deep", cond("c1", "ReduceMean", "Greater", 0.0) + [level1], (1, 4), cases)
