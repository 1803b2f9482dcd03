"""Writes models whose control flow is decided at run time (If conditions computed from the input,
a Loop whose trip count is an input and that may exit early, one growing a sequence), a Scan
recurrent cell, sequence positions and split sizes given as inputs: each in
its own folder with model.onnx, several test_data_set_N whose expected outputs numpy computes
here (chosen so that every path runs in some set), paths.txt, and optionally flags.txt (extra
compile flags) and marker.txt (text the generated .cpp must contain: the run-time construct).

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


def save_io(name, nodes, inputs, outputs, cases, opset=13, inits=(), flags="", marker="} else {"):
    """inputs, outputs: value infos; cases: (input arrays, output arrays, path); every path must
    come up in some case."""
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    onnx.save(model, os.path.join(folder, "model.onnx"))
    for i, (xs, ys, _) in enumerate(cases):
        d = os.path.join(folder, f"test_data_set_{i}")
        os.makedirs(d, exist_ok=True)
        for kind, values in (("input", xs), ("output", ys)):
            for j, value in enumerate(values):  # a list: a sequence
                if isinstance(value, onnx.OptionalProto):
                    proto = value
                else:
                    proto = numpy_helper.from_list(value) if isinstance(value, list) else numpy_helper.from_array(value)
                with open(os.path.join(d, f"{kind}_{j}.pb"), "wb") as f:
                    f.write(proto.SerializeToString())
    with open(os.path.join(folder, "paths.txt"), "w") as f:
        f.write("\n".join(sorted({p for _, _, p in cases})) + "\n")
    for file, text in (("flags.txt", flags), ("marker.txt", marker)):
        if text:
            with open(os.path.join(folder, file), "w") as f:
                f.write(text + "\n")


def save(name, nodes, x_shape, cases, opset=13, inits=()):
    """One float input x, one float output y; cases: (x, y, path) triples."""
    save_io(name, nodes, [helper.make_tensor_value_info("x", f32, list(x_shape))],
            [helper.make_tensor_value_info("y", f32, list(x_shape[:1]) + [None])],
            [([x.astype(np.float32)], [y.astype(np.float32)], p) for x, y, p in cases], opset, inits)


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


# A Loop whose trip count n is an input and that stops early: each iteration adds relu(x @ w) to
# the running total h and records it; the loop ends after n iterations or once sum(h) > 6. Run
# with --max-loop-iterations 8: the scan output holds 8 rows, the run says how many it wrote.
w = np.abs(rng.standard_normal((4, 4))).astype(np.float32) * 0.5
body = helper.make_graph([
    helper.make_node("MatMul", ["x", "w"], ["xw"], name="dense"),
    helper.make_node("Relu", ["xw"], ["step"], name="relu"),
    helper.make_node("Add", ["h_in", "step"], ["h_out"], name="accumulate"),
    helper.make_node("ReduceSum", ["h_out"], ["total"], name="total", keepdims=0),
    const("limit", np.float32(6)),
    helper.make_node("Less", ["total", "limit"], ["cond_out"], name="go_on"),
    helper.make_node("Identity", ["h_out"], ["row"], name="record")], "accumulate",
    [helper.make_tensor_value_info("i", TensorProto.INT64, []), helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
     helper.make_tensor_value_info("h_in", f32, [1, 4])],
    [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), helper.make_tensor_value_info("h_out", f32, [1, 4]),
     helper.make_tensor_value_info("row", f32, [1, 4])])
nodes = [const("h0", np.zeros((1, 4), np.float32)), const("start", np.array(True)),
         helper.make_node("Loop", ["n", "start", "h0"], ["h", "rows"], name="refine", body=body)]


def accumulate(x, n):
    h, rows = np.zeros((1, 4), np.float32), []
    for _ in range(n):
        h = h + np.maximum(x @ w, 0)
        rows.append(h)
        if not h.sum() < 6:
            return h, np.stack(rows), "early_exit"
    return h, (np.stack(rows) if rows else np.zeros((0, 1, 4), np.float32)), "trip_count"


cases = []
for x, n in ((np.full((1, 4), 0.25), 3), (np.full((1, 4), 1.5), 7), (np.full((1, 4), 0.1), 8)):
    x = x.astype(np.float32)
    h, rows, path = accumulate(x, n)
    cases.append(([x, np.array(n, np.int64)], [h.astype(np.float32), rows.astype(np.float32)], path))
save_io("loop_runtime_trips_early_exit", nodes,
        [helper.make_tensor_value_info("x", f32, [1, 4]), helper.make_tensor_value_info("n", TensorProto.INT64, [])],
        [helper.make_tensor_value_info("h", f32, [1, 4]), helper.make_tensor_value_info("rows", f32, [None, 1, 4])],
        cases, inits=[numpy_helper.from_array(w, "w")], flags="--max-loop-iterations 8", marker="for (; ")


# A recurrent cell as a Scan over 5 frames, with its state passed in and out (streaming: each call
# continues from the last): h' = tanh(x_t @ wx + h @ wh); outputs the last state and every state.
# Its frames are an input, so the generated code loops over them rather than unrolling 5 bodies.
wx = (rng.standard_normal((3, 4)) * 0.5).astype(np.float32)
wh = (rng.standard_normal((4, 4)) * 0.5).astype(np.float32)
cell = helper.make_graph([
    helper.make_node("MatMul", ["x_t", "wx"], ["a"], name="input_proj"),
    helper.make_node("MatMul", ["h_in", "wh"], ["b"], name="state_proj"),
    helper.make_node("Add", ["a", "b"], ["ab"], name="sum"),
    helper.make_node("Tanh", ["ab"], ["h_out"], name="tanh"),
    helper.make_node("Identity", ["h_out"], ["h_seq"], name="record")], "cell",
    [helper.make_tensor_value_info("h_in", f32, [1, 4]), helper.make_tensor_value_info("x_t", f32, [1, 3])],
    [helper.make_tensor_value_info("h_out", f32, [1, 4]), helper.make_tensor_value_info("h_seq", f32, [1, 4])])
nodes = [helper.make_node("Scan", ["h0", "frames"], ["h", "states"], name="rnn", body=cell, num_scan_inputs=1)]


def rnn(frames, h):
    states = []
    for t in range(frames.shape[0]):
        h = np.tanh(frames[t] @ wx + h @ wh)
        states.append(h)
    return h, np.stack(states)


cases = []
for k, h0 in enumerate((np.zeros((1, 4)), rng.standard_normal((1, 4)))):
    frames = rng.standard_normal((5, 1, 3)).astype(np.float32)
    h0 = h0.astype(np.float32)
    h, states = rnn(frames, h0)
    cases.append(([h0, frames], [h.astype(np.float32), states.astype(np.float32)], "zero_state" if k == 0 else "carried_state"))
save_io("scan_rnn_cell", nodes,
        [helper.make_tensor_value_info("h0", f32, [1, 4]), helper.make_tensor_value_info("frames", f32, [5, 1, 3])],
        [helper.make_tensor_value_info("h", f32, [1, 4]), helper.make_tensor_value_info("states", f32, [5, 1, 4])],
        cases, inits=[numpy_helper.from_array(wx, "wx"), numpy_helper.from_array(wh, "wh")], opset=16, marker="for (; ")


# Sequence positions given at run time (issue 15): [x, y] gets z inserted at pi, loses the element
# at pe, and out = element pa of what is left (negative positions count from the end, as Python's
# list methods do); all = the elements left, concatenated. The generated code gathers from the
# stacked elements with indices computed at run time.
i64 = TensorProto.INT64
nodes = [helper.make_node("SequenceConstruct", ["x", "y"], ["s"], name="construct"),
         helper.make_node("SequenceInsert", ["s", "z", "pi"], ["s2"], name="insert"),
         helper.make_node("SequenceErase", ["s2", "pe"], ["s3"], name="erase"),
         helper.make_node("SequenceAt", ["s3", "pa"], ["out"], name="at"),
         helper.make_node("ConcatFromSequence", ["s3"], ["all"], name="concat", axis=0)]
cases = []
for pi, pe, pa in ((0, 0, 0), (2, -1, 1), (-1, 1, -2), (1, -3, -1)):
    x, y, z = (rng.standard_normal((2, 3)).astype(np.float32) for _ in range(3))
    seq = [x, y]
    seq.insert(pi, z)
    del seq[pe]
    scalars = [np.array(v, dtype=np.int64) for v in (pi, pe, pa)]
    cases.append(([x, y, z] + scalars, [seq[pa], np.concatenate(seq)], f"insert@{pi},erase@{pe},at@{pa}"))
save_io("sequence_runtime_positions", nodes,
        [helper.make_tensor_value_info(n, f32, [2, 3]) for n in "xyz"] +
        [helper.make_tensor_value_info(n, i64, []) for n in ("pi", "pe", "pa")],
        [helper.make_tensor_value_info("out", f32, [2, 3]), helper.make_tensor_value_info("all", f32, [4, 3])],
        cases, marker="o2m::gather<")

# Split sizes given at run time (issue 15): each element of the sequence output holds at most the
# 4 rows of x and reports how many it got (RuntimeRows; docs/api.md "Outputs of a run-time length").
nodes = [helper.make_node("SplitToSequence", ["x", "sizes"], ["parts"], name="split", axis=0)]
cases = []
for sizes in ((1, 3), (4, 0), (2, 2)):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    cases.append(([x, np.array(sizes, dtype=np.int64)], [np.split(x, [sizes[0]])], f"{sizes[0]}+{sizes[1]} rows"))
save_io("sequence_runtime_split", nodes,
        [helper.make_tensor_value_info("x", f32, [4, 3]), helper.make_tensor_value_info("sizes", i64, [2])],
        [helper.make_tensor_sequence_value_info("parts", f32, None)], cases, marker="return 2;")

# One split size given at run time, along axis 1 (issue 15): how many elements it makes is decided
# by the run too. The output holds 5 elements (its capacity), element k at most 5 // (k + 1)
# columns, written packed, and parts_count says how many the run filled.
nodes = [helper.make_node("SplitToSequence", ["x", "size"], ["parts"], name="split", axis=1)]
cases = []
for size in (1, 2, 3, 5, 7):
    x = rng.standard_normal((2, 5)).astype(np.float32)
    cases.append(([x, np.array(size, dtype=np.int64)], [np.split(x, range(size, 5, size), axis=1)],
                  f"{-(-5 // size)} elements"))
save_io("sequence_runtime_count", nodes,
        [helper.make_tensor_value_info("x", f32, [2, 5]), helper.make_tensor_value_info("size", i64, [])],
        [helper.make_tensor_sequence_value_info("parts", f32, None)], cases, marker="memcpy(")

# An optional present or not at run time (issue 15): an If returns an empty optional from one
# branch and a sequence from the other; the output's element (zeros when absent) is followed by
# the flag opt_present, which OptionalHasElement reads too (docs/api.md "Sequences and optionals").
seq_type = helper.make_sequence_type_proto(helper.make_tensor_type_proto(f32, [3]))
opt_type = helper.make_optional_type_proto(seq_type)
empty = helper.make_graph([helper.make_node("Optional", [], ["none"], name="none", type=seq_type)], "empty", [],
                          [helper.make_value_info("none", opt_type)])
full = helper.make_graph([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                          helper.make_node("SequenceConstruct", ["r"], ["s"], name="construct"),
                          helper.make_node("Optional", ["s"], ["some"], name="some")], "full", [],
                         [helper.make_value_info("some", opt_type)])
nodes = [helper.make_node("If", ["c"], ["opt"], name="choose", then_branch=empty, else_branch=full),
         helper.make_node("OptionalHasElement", ["opt"], ["has"], name="has")]
cases = []
for c in (True, False):
    x = rng.standard_normal(3).astype(np.float32)
    opt = numpy_helper.from_optional(None if c else [np.maximum(x, 0)], "opt", onnx.OptionalProto.SEQUENCE)
    cases.append(([np.array(c), x], [opt, np.array(not c)], "absent" if c else "present"))
save_io("optional_runtime_presence", nodes,
        [helper.make_tensor_value_info("c", TensorProto.BOOL, []), helper.make_tensor_value_info("x", f32, [3])],
        [helper.make_value_info("opt", opt_type), helper.make_tensor_value_info("has", TensorProto.BOOL, [])], cases, opset=16)

# A Loop growing a sequence (issue 15): starting from [x], each iteration appends x[:i+1], for n
# iterations (an input) or until x[i] reaches 1. Run with --max-loop-iterations 4: the output holds
# x and 4 more elements of at most 6 values each, grown_count says how many the run filled, and each
# element's length how many values it holds.
grow_body = helper.make_graph([
    const("one", np.int64(1)), const("axes", np.array([0], np.int64)), const("starts", np.array([0], np.int64)),
    helper.make_node("Add", ["i", "one"], ["end"], name="end"),
    helper.make_node("Unsqueeze", ["end", "axes"], ["ends"], name="ends"),
    helper.make_node("Slice", ["x", "starts", "ends"], ["prefix"], name="prefix"),
    helper.make_node("SequenceInsert", ["seq_in", "prefix"], ["seq_out"], name="append"),
    helper.make_node("Gather", ["x", "i"], ["last"], name="last", axis=0),
    const("limit", np.float32(1)),
    helper.make_node("Less", ["last", "limit"], ["cond_out"], name="go_on")], "grow",
    [helper.make_tensor_value_info("i", i64, []), helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
     helper.make_tensor_sequence_value_info("seq_in", f32, None)],
    [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), helper.make_tensor_sequence_value_info("seq_out", f32, None)])
nodes = [helper.make_node("SequenceConstruct", ["x"], ["initial"], name="initial"),
         helper.make_node("Loop", ["n", "", "initial"], ["grown"], name="grow", body=grow_body)]


def grow(x, n):
    seq = [x]
    for i in range(n):
        seq.append(x[:i + 1])
        if not x[i] < 1:
            return seq, "early_exit"
    return seq, "trip_count" if n < 4 else "bound"


cases = []
for x, n in (((0.1, 0.2, 0.3, 0.4, 0.5, 0.6), 2), ((0.5, 2.0, 0.1, 0.1, 0.1, 0.1), 4),
             ((0.1, 0.2, 0.3, 0.4, 0.5, 0.6), 4), ((0.9, 0.9, 0.9, 0.9, 0.9, 0.9), 0)):
    x = np.array(x, np.float32)
    seq, path = grow(x, n)
    cases.append(([x, np.array(n, np.int64)], [seq], path if n else "no_iteration"))
save_io("loop_grows_sequence", nodes,
        [helper.make_tensor_value_info("x", f32, [6]), helper.make_tensor_value_info("n", i64, [])],
        [helper.make_tensor_sequence_value_info("grown", f32, None)], cases, flags="--max-loop-iterations 4",
        marker="for (; ")
