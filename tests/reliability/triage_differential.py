#!/usr/bin/python3
"""Sorts the disagreements of a differential campaign (differential_campaign.sh) into the
documented classes of docs/reliability.md ("Where ONNX leaves the result open"), and lists the
rest, which need a root cause. Usage: triage_differential.py WORK_DIR (needs python3-onnx).

A disagreement is read from WORK_DIR/SEED.log (the runner's FAIL lines); its graph from
WORK_DIR/SEED/data/simple/graph_N/model.onnx. The class comes from the ops on the path to the
output that differs and from the values: a documented class only explains a disagreement
whose values fit it (a NaN on one side, or an integer from a float Cast)."""
import glob, os, re, sys
import onnx

# Ops that make NaN (or inf, which later ops turn into NaN) from finite inputs in [-2, 2].
NAN_SOURCES = {"Atanh", "Acosh", "Acos", "Asin", "Log", "Sqrt", "Pow", "Div", "Mod", "Reciprocal", "Exp",
               "LogSoftmax", "ReduceLogSum", "ReduceLogSumExp", "Tan", "Det", "Softplus"}
# Ops whose result ONNX leaves open when an input is NaN: ORT's max/min/arg loops compare
# without ordering NaN (so its answer depends on where the NaN is), and it quantizes or casts
# NaN to an integer as x86 does (the lowest value); onnx2mcu follows ONNX's reference (numpy)
# where it says something, and maps NaN to 0 where it does not (as Arm's conversions do).
NAN_OPEN = {"ReduceMin", "ReduceMax", "ArgMin", "ArgMax", "Hardmax", "MaxPool", "GlobalMaxPool", "TopK",
            "DynamicQuantizeLinear", "QuantizeLinear", "MaxRoiPool", "Max", "Min", "Clip", "Cast", "Softmax", "LogSoftmax"}
INT_TYPES = {2, 3, 4, 5, 6, 7, 12, 13}
FAIL = re.compile(r"^FAIL +simple/(graph_\d+): wrong output (\d+): .*got ([^,]+), expected ([^;\[ ]+)")


def path_ops(model, k):
    prod = {o: n for n in model.graph.node for o in n.output}
    seen, todo, ops = set(), [model.graph.output[k].name], []
    while todo:
        v = todo.pop()
        n = prod.get(v)
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        ops.append(n)
        todo += [i for i in n.input if i]
        for a in n.attribute:  # a subgraph reads outer values by name
            if a.type == onnx.AttributeProto.GRAPH:
                todo += [i for bn in a.g.node for i in bn.input if i]
                ops += list(a.g.node)
    return ops


def value_types(model):
    """name -> (elem_type, dims or None) after ONNX's shape inference (generator opsets 13..17).
    The output shapes are dropped first: generators before 93e53d1 wrote some wrong."""
    bare = onnx.ModelProto()
    bare.CopyFrom(model)
    for o in bare.graph.output:
        o.type.tensor_type.ClearField("shape")
    inferred = onnx.shape_inference.infer_shapes(bare)
    types = {}
    for v in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
        t = v.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim] if t.HasField("shape") else None
        types[v.name] = (t.elem_type, dims)
    for i in model.graph.initializer:
        types[i.name] = (i.data_type, list(i.dims))
    return types


def negative_transpose_padding(node, types):
    """True when a ConvTranspose's output_shape is larger than its full output (negative total padding)."""
    attrs = {a.name: a for a in node.attribute}
    if "output_shape" not in attrs:
        return False
    x, w = types.get(node.input[0], (0, None))[1], types.get(node.input[1], (0, None))[1]
    if not x or not w or None in x or None in w:
        return False
    sp = len(x) - 2
    get = lambda name, default: list(attrs[name].ints) if name in attrs else [default] * sp
    strides, dil, adj = get("strides", 1), get("dilations", 1), get("output_padding", 0)
    out = list(attrs["output_shape"].ints)[-sp:]
    return any(strides[i] * (x[2 + i] - 1) + adj[i] + (w[2 + i] - 1) * dil[i] + 1 - out[i] < 0 for i in range(sp))


def constants(model):
    return {i.name for i in model.graph.initializer} | {o for n in model.graph.node if n.op_type == "Constant" for o in n.output}


def is_int(text):
    return re.fullmatch(r"-?\d+(\.0+)?", text) is not None


def classify(model, k, got, expected):
    ops = path_ops(model, k)
    names = {n.op_type for n in ops}
    nan_seen = "nan" in got.lower() or "nan" in expected.lower()
    types = value_types(model)
    if any(n.op_type in ("ReduceLogSum", "ReduceLogSumExp", "ReduceL2") and types.get(n.input[0], (0,))[0] in INT_TYPES
           for n in ops):
        return "integer ReduceLogSum/L2 of a non-positive sum (the NaN or -inf of log/sqrt converted to an integer: the Cast class)"
    if any(n.op_type == "ConvTranspose" and negative_transpose_padding(n, types) for n in ops):
        return "ConvTranspose output_shape beyond the full output (ONNX's formula: negative pads on both sides; ORT: total padding clamped to 0)"
    casts_to_int = any(n.op_type == "Cast" and any(a.name == "to" and a.i in INT_TYPES for a in n.attribute) for n in ops)
    if casts_to_int and not nan_seen:
        return "float-to-integer Cast out of range (ONNX: undefined; ORT wraps as x86, onnx2mcu saturates as Arm)"
    # QuantizeLinear's x / scale is 0 / 0 = NaN where a run-time scale holds 0 for an x of 0.
    runtime_scale = any(n.op_type == "QuantizeLinear" and len(n.input) > 1 and n.input[1] not in constants(model)
                        for n in ops)
    if (names & NAN_SOURCES or runtime_scale) and names & NAN_OPEN:
        return "NaN into " + "/".join(sorted(names & NAN_OPEN)) + " (ONNX leaves the result open)"
    if "DynamicQuantizeLinear" in names and not nan_seen:
        return "DynamicQuantizeLinear of all-zero data (scale 0: ONNX's formula divides 0 by 0)"
    if "Pow" in names and not nan_seen and re.fullmatch(r"-?\d+", got) and re.fullmatch(r"-?\d+", expected):
        return "integer Pow overflowing (ONNX: undefined; ORT goes through double, onnx2mcu wraps)"
    if any(n.op_type == "TopK" and any(a.name == "sorted" and a.i == 0 for a in n.attribute) for n in ops):
        return "TopK with sorted = 0 (ONNX leaves the order of the K results open)"
    big = names & (NAN_SOURCES | {"Sinh", "Cosh"})  # ops that can make NaN or a huge value
    if "LRN" in names and (big or "nan" in expected.lower() or "inf" in expected.lower()):
        return "NaN or a huge value into LRN: ORT's running window sum keeps it (or its cancellation) after it leaves the window (ONNX: the window only)"
    if names & {"Sin", "Cos", "Tan"} and names & {"Exp", "Pow", "Sinh", "Cosh", "ReduceProd", "ReduceSumSquare"} and not nan_seen:
        return "Sin/Cos/Tan of a huge argument (beyond 2^24 one ulp of the argument spans radians: an ulp earlier decides)"
    if "MeanVarianceNormalization" in names:
        return "MeanVarianceNormalization of a constant group (ONNX's body: 0; ORT: 0/0 = NaN)"
    if names & {"DFT", "STFT"} and names & {"ArgMax", "ArgMin", "Floor", "Ceil", "Round", "Sign"} and not nan_seen:
        return ("a real signal's DFT where exact arithmetic gives 0 (imaginary parts at 0 and N/2): ORT's float twiddles "
                "leave +-1e-7 and an ArgMax/ArgMin/Ceil/... turns it into another answer (numpy's FFT, onnx2mcu: exact 0)")
    # Last: a NaN or a class above explains an off-by-one too.
    if names & {"Floor", "Ceil", "Round"} and is_int(got) and is_int(expected) and abs(float(got) - float(expected)) == 1:
        return "Floor/Ceil/Round of a value that is an integer in exact arithmetic (one ulp of earlier rounding decides)"
    return None


# Disagreements that were onnx2mcu's bugs, fixed since (docs/reliability.md, Findings): runs made
# with a binary from before the fix still list them.
FIXED = {
    "graph_8020103": "ReduceLogSumExp of an infinite max gave NaN (fixed in 93e53d1)",
    "graph_8030883": "integer Shrink saturated instead of wrapping (fixed in 300868e)",
}


def main(work):
    counts, open_cases = {}, []
    for log in sorted(glob.glob(os.path.join(work, "[0-9]*.log"))):
        seed_dir = log[:-4]
        for line in open(log):
            m = FAIL.match(line)
            if not m:
                continue
            graph, k, got, expected = m.group(1), int(m.group(2)), m.group(3), m.group(4)
            model = onnx.load(os.path.join(seed_dir, "data", "simple", graph, "model.onnx"))
            why = FIXED.get(graph) or classify(model, k, got, expected)
            if why:
                counts[why] = counts.get(why, 0) + 1
            else:
                open_cases.append(line.strip())
    for why, c in sorted(counts.items(), key=lambda x: -x[1]):
        print(f"{c:5d}  {why}")
    for line in open_cases:
        print("OPEN  " + line)
    return 1 if open_cases else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
