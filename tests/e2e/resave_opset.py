#!/usr/bin/python3
"""resave_opset.py IN.onnx OUT.onnx [--opset 21] [--ir 10]

Re-saves a model at a newer default-domain opset and IR version, rewriting every node whose
signature changed on the way (attributes that became inputs, changed defaults), as an exporter
writing that opset would. The ONNX here (Debian's 1.12) has no converter to opsets after 17, so
this does by hand the part of one that onnx2mcu's models need; an op whose change it does not
know fails with a message naming node and op rather than writing a wrong model.
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

REDUCE = {"ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd", "ReduceL1", "ReduceL2",
          "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}
# Ops whose signature is the same at every opset a shared model uses and at the new one.
UNCHANGED = {"Abs", "Add", "And", "ArgMax", "ArgMin", "AveragePool", "BatchNormalization", "Cast", "Concat",
             "Constant", "Conv", "ConvInteger", "ConvTranspose", "DequantizeLinear", "Div", "Elu",
             "Equal", "Exp", "Flatten", "Floor", "Gather", "Gemm", "GlobalAveragePool",
             "GlobalMaxPool", "Greater", "HardSigmoid", "Identity", "LeakyRelu", "Less", "Log",
             "LSTM", "GRU", "RNN", "MatMul", "MatMulInteger", "Max", "MaxPool", "Min", "Mul", "Neg",
             "Not", "Or", "Pow", "PRelu", "QuantizeLinear", "QLinearConv", "QLinearMatMul",
             "Reciprocal", "Relu", "Reshape", "Shape", "Sigmoid", "Sqrt", "Sub", "Sum", "Tanh",
             "Transpose", "Where"}


class Resaver:
    def __init__(self, model, opset):
        self.model = model
        self.opset = opset
        self.old = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
        inferred = shape_inference.infer_shapes(model)
        self.rank = {}
        for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
            if vi.type.tensor_type.HasField("shape"):
                self.rank[vi.name] = len(vi.type.tensor_type.shape.dim)
        for t in model.graph.initializer:
            self.rank[t.name] = len(t.dims)
        self.names = {t.name for t in model.graph.initializer} | {v for n in model.graph.node for v in list(n.input) + list(n.output)}

    def fail(self, node, why):
        sys.exit(f"resave_opset.py: node '{node.name}' ({node.op_type}): {why}")

    def fresh(self, hint):
        name, k = hint, 2
        while name in self.names:
            name, k = f"{hint}_{k}", k + 1
        self.names.add(name)
        return name

    def constant(self, graph, hint, array):
        name = self.fresh(hint)
        graph.initializer.append(numpy_helper.from_array(array, name))
        return name

    def take_attr(self, node, key):
        for i, a in enumerate(node.attribute):
            if a.name == key:
                del node.attribute[i]
                return helper.get_attribute_value(a)
        return None

    def attr_to_input(self, graph, node, key, index, dtype):
        value = self.take_attr(node, key)
        if value is None:
            return
        while len(node.input) < index:
            node.input.append("")
        if len(node.input) > index:
            self.fail(node, f"has both the attribute '{key}' and input {index}")
        node.input.append(self.constant(graph, f"{node.name or node.output[0]}_{key}", np.array(value, dtype=dtype)))

    def rewrite(self, graph, node):
        op, v = node.op_type, self.old
        if node.domain not in ("", "ai.onnx"):
            return [node]
        node.domain = ""
        if op in REDUCE and v < 18 or op == "ReduceSum" and v < 13:
            self.attr_to_input(graph, node, "axes", 1, np.int64)
        elif op in ("Squeeze", "Unsqueeze") and v < 13:
            self.attr_to_input(graph, node, "axes", 1, np.int64)
        elif op == "Split":
            if v < 13:
                self.attr_to_input(graph, node, "split", 1, np.int64)
            if len(node.input) < 2 or not node.input[1]:  # equal parts: named explicitly from 18
                node.attribute.append(helper.make_attribute("num_outputs", len(node.output)))
        elif op == "Slice" and v < 10:
            for i, key in enumerate(("starts", "ends", "axes"), 1):
                self.attr_to_input(graph, node, key, i, np.int64)
        elif op == "Pad" and v < 11:
            paddings = self.take_attr(node, "paddings")
            if paddings is not None:
                node.attribute.append(helper.make_attribute("pads", paddings))
            self.attr_to_input(graph, node, "pads", 1, np.int64)
            self.attr_to_input(graph, node, "value", 2, np.float32)
        elif op == "Clip" and v < 11:
            self.attr_to_input(graph, node, "min", 1, np.float32)
            self.attr_to_input(graph, node, "max", 2, np.float32)
        elif op == "Reshape" and v < 5:
            self.attr_to_input(graph, node, "shape", 1, np.int64)
        elif op == "TopK" and v < 10:
            value = self.take_attr(node, "k")
            node.input.append(self.constant(graph, f"{node.name or node.output[0]}_k", np.array([value], np.int64)))
        elif op in ("Softmax", "LogSoftmax", "Hardmax") and v < 13:
            return self.softmax(graph, node)
        elif op == "Dropout" and v < 12:
            if v < 7 and self.take_attr(node, "is_test") != 1:
                self.fail(node, "training-mode Dropout (is_test=0) has no inference meaning")
            self.attr_to_input(graph, node, "ratio", 1, np.float32)
        elif op == "BatchNormalization" and (v < 9 or v < 14 and len([o for o in node.output if o]) > 1):
            self.fail(node, "spatial/is_test or training outputs of an old BatchNormalization are not converted")
        elif op in ("Add", "Sub", "Mul", "Div", "PRelu", "Cast", "Upsample", "Resize") and v < 11 and \
                (op in ("Upsample", "Resize") or v < 7):
            self.fail(node, f"converting opset {v}'s form is not implemented")
        elif op not in UNCHANGED and op not in REDUCE | {"ReduceSum", "Squeeze", "Unsqueeze", "Slice", "Pad",
                                                         "Clip", "TopK", "Softmax", "LogSoftmax", "Hardmax",
                                                         "Dropout"}:
            self.fail(node, f"not known to keep its signature from opset {v} to {self.opset}")
        return [node]

    def softmax(self, graph, node):
        # Before 13 the op saw its input as 2-D [prod(dims < axis), prod(dims >= axis)]; from 13
        # it works along one axis. Rank 2 on the last axis is the same either way.
        axis = self.take_attr(node, "axis")
        axis = 1 if axis is None else axis
        rank = self.rank.get(node.input[0])
        if rank is None:
            self.fail(node, "the rank of its input is unknown")
        if axis < 0:
            axis += rank
        if axis == rank - 1:
            node.attribute.append(helper.make_attribute("axis", -1))
            return [node]
        x, y = node.input[0], node.output[0]
        flat, soft, shape = self.fresh(x + "_flat"), self.fresh(y + "_2d"), self.fresh(x + "_shape")
        node.input[0], node.output[0] = flat, soft
        node.attribute.append(helper.make_attribute("axis", 1))
        return [helper.make_node("Flatten", [x], [flat], axis=axis, name=self.fresh(node.name + "_flatten")),
                node,
                helper.make_node("Shape", [x], [shape], name=self.fresh(node.name + "_shape")),
                helper.make_node("Reshape", [soft, shape], [y], name=self.fresh(node.name + "_unflatten"))]

    def graph(self, graph):
        nodes = []
        for node in graph.node:
            for a in node.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    self.graph(a.g)
                elif a.type == onnx.AttributeProto.GRAPHS:
                    for g in a.graphs:
                        self.graph(g)
            nodes.extend(self.rewrite(graph, node))
        del graph.node[:]
        graph.node.extend(nodes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--opset", type=int, default=21)
    ap.add_argument("--ir", type=int, default=10)
    args = ap.parse_args()
    model = onnx.load(args.src)
    resaver = Resaver(model, args.opset)
    if resaver.old > args.opset:
        sys.exit(f"resave_opset.py: {args.src} is at opset {resaver.old}, newer than {args.opset}")
    resaver.graph(model.graph)
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.domain, o.version = "", args.opset
    model.ir_version = args.ir
    onnx.save(model, args.dst)


if __name__ == "__main__":
    main()
