"""Writes model.onnx and test_data_set_0 beside this file: a small QDQ graph that exercises the
lower-qdq patterns the MLPerf models do not (MaxPool with equal and with new parameters,
Sigmoid, LeakyRelu, Mul, Concat of inputs with different parameters followed by a Relu,
Transpose on int8 data, Relu into uint8). The reference is numpy float32 arithmetic written from the ONNX definitions
(DQ = (q - zp) * s; Q = saturate(round_half_even(x / s) + zp)), which is what ONNX Runtime
computes with graph optimisations off. Run with a Python that has onnx and numpy."""
import os
import numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
OUT = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(OUT, "test_data_set_0"), exist_ok=True)
rng = np.random.default_rng(1)
def c(name, arr): return nh.from_array(np.array(arr), name)
inits = [c("s_in", np.float32(0.05)), c("z_in", np.int8(3)),
         c("s_mp", np.float32(0.05)), c("z_mp", np.int8(3)),        # MaxPool same params
         c("s_mp2", np.float32(0.07)), c("z_mp2", np.int8(-10)),     # MaxPool requant
         c("s_sig", np.float32(1/256)), c("z_sig", np.int8(-128)),
         c("s_lr", np.float32(0.03)), c("z_lr", np.int8(20)),
         c("s_mul", np.float32(0.1)), c("z_mul", np.int8(0)),
         c("s_cat", np.float32(0.06)), c("z_cat", np.int8(5)),
         c("s_u", np.float32(0.04)), c("z_u", np.uint8(128))]
nodes = [h.make_node("QuantizeLinear", ["x", "s_in", "z_in"], ["xq"]),
         h.make_node("DequantizeLinear", ["xq", "s_in", "z_in"], ["xd"]),
         h.make_node("MaxPool", ["xd"], ["mp"], kernel_shape=[2, 2], strides=[2, 2]),
         h.make_node("QuantizeLinear", ["mp", "s_mp", "z_mp"], ["mpq"]),
         h.make_node("DequantizeLinear", ["mpq", "s_mp", "z_mp"], ["mpd"]),
         h.make_node("MaxPool", ["xd"], ["mp2"], kernel_shape=[2, 2], strides=[2, 2]),
         h.make_node("QuantizeLinear", ["mp2", "s_mp2", "z_mp2"], ["mp2q"]),
         h.make_node("DequantizeLinear", ["mp2q", "s_mp2", "z_mp2"], ["mp2d"]),
         h.make_node("Sigmoid", ["mpd"], ["sig"]),
         h.make_node("QuantizeLinear", ["sig", "s_sig", "z_sig"], ["sigq"]),
         h.make_node("DequantizeLinear", ["sigq", "s_sig", "z_sig"], ["sigd"]),
         h.make_node("LeakyRelu", ["mp2d"], ["lr"], alpha=0.2),
         h.make_node("QuantizeLinear", ["lr", "s_lr", "z_lr"], ["lrq"]),
         h.make_node("DequantizeLinear", ["lrq", "s_lr", "z_lr"], ["lrd"]),
         h.make_node("Mul", ["sigd", "lrd"], ["mul"]),
         h.make_node("QuantizeLinear", ["mul", "s_mul", "z_mul"], ["mulq"]),
         h.make_node("DequantizeLinear", ["mulq", "s_mul", "z_mul"], ["muld"]),
         h.make_node("Concat", ["muld", "mpd", "lrd"], ["cat"], axis=1),
         h.make_node("Relu", ["cat"], ["catr"]),
         h.make_node("QuantizeLinear", ["catr", "s_cat", "z_cat"], ["catq"]),
         h.make_node("DequantizeLinear", ["catq", "s_cat", "z_cat"], ["catd"]),
         h.make_node("Transpose", ["catd"], ["tr"], perm=[0, 2, 3, 1]),
         h.make_node("Relu", ["tr"], ["re"]),
         h.make_node("QuantizeLinear", ["re", "s_u", "z_u"], ["uq"]),
         h.make_node("DequantizeLinear", ["uq", "s_u", "z_u"], ["y"])]
g = h.make_graph(nodes, "qdq_synth", [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 8, 6])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 4, 3, 9]),
                  h.make_tensor_value_info("catd", T.FLOAT, [1, 9, 4, 3])], inits)
m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)]); m.ir_version = 7
onnx.checker.check_model(m); onnx.save(m, os.path.join(OUT, "model.onnx"))
f32 = np.float32
def Q(x, s, z, lo=-128, hi=127): return np.clip(np.rint(x.astype(f32) / f32(s)) + z, lo, hi)
def D(q, s, z): return ((q.astype(np.int32) - z).astype(f32) * f32(s)).astype(f32)
def mp(x): return x.reshape(1, 3, 4, 2, 3, 2).max(axis=(3, 5))
x = (rng.standard_normal((1, 3, 8, 6)) * 3).astype(f32)
xd = D(Q(x, 0.05, 3), 0.05, 3)
mpd = D(Q(mp(xd), 0.05, 3), 0.05, 3)
mp2d = D(Q(mp(xd), 0.07, -10), 0.07, -10)
sigd = D(Q((f32(1) / (f32(1) + np.exp(-mpd))).astype(f32), 1/256, -128), 1/256, -128)
lr = np.where(mp2d >= 0, mp2d, mp2d * f32(0.2)).astype(f32)
lrd = D(Q(lr, 0.03, 20), 0.03, 20)
muld = D(Q((sigd * lrd).astype(f32), 0.1, 0), 0.1, 0)
cat = np.concatenate([muld, mpd, lrd], axis=1)
catd = D(Q(np.maximum(cat, f32(0)), 0.06, 5), 0.06, 5)
re = np.maximum(catd.transpose(0, 2, 3, 1), f32(0))
y = D(Q(re, 0.04, 128, 0, 255), 0.04, 128)
open(os.path.join(OUT, "test_data_set_0", "input_0.pb"), "wb").write(nh.from_array(x, "x").SerializeToString())
open(os.path.join(OUT, "test_data_set_0", "output_0.pb"), "wb").write(nh.from_array(y.astype(f32), "y").SerializeToString())
open(os.path.join(OUT, "test_data_set_0", "output_1.pb"), "wb").write(nh.from_array(catd.astype(f32), "catd").SerializeToString())
