"""Writes model.onnx and test_data_set_0 beside this file: two QOperator convs, each followed by
DQ -> Clip(0, 6) -> Q as TensorFlow exports Relu6 (zant_beer's form). Conv A's Clip keeps the
conv's own scale and zero point, so lower-qdq folds it into the conv's output clamp; conv B's
Clip also rescales (a second rounding), so it stays a table. Scales of A are powers of two, so
the reference (numpy float32 from the ONNX definitions: QLinearConv rounds acc * sx*sw/sy half to
even; DQ = (q - zp) * s; Q = saturate(round_half_even(x / s) + zp)) has no float error at all.
Run with a Python that has onnx and numpy."""
import os
import numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
OUT = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(OUT, "test_data_set_0"), exist_ok=True)
rng = np.random.default_rng(16)
f32 = np.float32
def c(name, arr): return nh.from_array(np.array(arr), name)
wa = rng.integers(-40, 41, (3, 4, 1, 1)).astype(np.int8)
wb = rng.integers(-40, 41, (3, 4, 1, 1)).astype(np.int8)
inits = [c("sx", f32(0.125)), c("zx", np.int8(3)), c("wa", wa), c("wb", wb), c("sw", f32(0.0625)), c("zw", np.int8(0)),
         c("sy", f32(0.25)), c("zy", np.int8(-20)), c("lo", f32(0)), c("hi", f32(6)),
         c("sr", f32(6 / 255)), c("zr", np.int8(-128))]
nodes = [h.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
         h.make_node("QLinearConv", ["xq", "sx", "zx", "wa", "sw", "zw", "sy", "zy"], ["ya"]),
         h.make_node("DequantizeLinear", ["ya", "sy", "zy"], ["yad"]),
         h.make_node("Clip", ["yad", "lo", "hi"], ["yac"]),
         h.make_node("QuantizeLinear", ["yac", "sy", "zy"], ["yaq"]),
         h.make_node("DequantizeLinear", ["yaq", "sy", "zy"], ["y_folded"]),
         h.make_node("QLinearConv", ["xq", "sx", "zx", "wb", "sw", "zw", "sy", "zy"], ["yb"]),
         h.make_node("DequantizeLinear", ["yb", "sy", "zy"], ["ybd"]),
         h.make_node("Clip", ["ybd", "lo", "hi"], ["ybc"]),
         h.make_node("QuantizeLinear", ["ybc", "sr", "zr"], ["ybq"]),
         h.make_node("DequantizeLinear", ["ybq", "sr", "zr"], ["y_table"])]
g = h.make_graph(nodes, "qop_conv_relu6", [h.make_tensor_value_info("x", T.FLOAT, [1, 4, 5, 5])],
                 [h.make_tensor_value_info("y_folded", T.FLOAT, [1, 3, 5, 5]),
                  h.make_tensor_value_info("y_table", T.FLOAT, [1, 3, 5, 5])], inits)
m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)]); m.ir_version = 7
onnx.checker.check_model(m); onnx.save(m, os.path.join(OUT, "model.onnx"))
def Q(x, s, z): return np.clip(np.rint(x.astype(f32) / f32(s)) + z, -128, 127)
def D(q, s, z): return ((q.astype(np.int32) - z).astype(f32) * f32(s)).astype(f32)
def qconv(xq, w):  # 1x1, per-tensor: accumulate exactly, rescale by sx*sw/sy = 1/32 (exact)
    acc = np.einsum("nchw,oc->nohw", xq.astype(np.int64) - 3, w[:, :, 0, 0].astype(np.int64))
    return Q(acc.astype(np.float64) * (0.125 * 0.0625), 0.25, -20)
def relu6(q, s, z): return D(Q(np.clip(D(q, 0.25, -20), f32(0), f32(6)), s, z), s, z)
x = (rng.standard_normal((1, 4, 5, 5)) * 3).astype(f32)
xq = Q(x, 0.125, 3)
y_folded = relu6(qconv(xq, wa), 0.25, -20)
y_table = relu6(qconv(xq, wb), 6 / 255, -128)
for i, (name, v) in enumerate([("x", x)]):
    open(os.path.join(OUT, "test_data_set_0", f"input_{i}.pb"), "wb").write(nh.from_array(v, name).SerializeToString())
for i, (name, v) in enumerate([("y_folded", y_folded), ("y_table", y_table)]):
    open(os.path.join(OUT, "test_data_set_0", f"output_{i}.pb"), "wb").write(nh.from_array(v.astype(f32), name).SerializeToString())
