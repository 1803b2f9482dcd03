"""--io native test models from the KWS QDQ model (io_native.sh).

make OUT KWS_DIR writes
  OUT/probe/model.onnx  the model with three more outputs, the float API's internal tensors:
                        the int8 input its first QuantizeLinear makes, and the int8 tensor its last
                        DequantizeLinear reads with that DequantizeLinear's float output;
  OUT/cut/model.onnx    the model without its final Softmax: it ends with that DequantizeLinear;
  OUT/input.h           test_data_set_0's input as a C array (kInput), every float exact;
  OUT/params.txt        the scale and zero point of that QuantizeLinear and that DequantizeLinear.
check OUT HEADER MACRO_PREFIX KIND: the header's MACRO_PREFIX_SCALE and _ZERO_POINT equal the
model's (KIND input: the QuantizeLinear's; output: the DequantizeLinear's), exactly.

Run with /usr/bin/python3 (Debian's python3-onnx).
"""
import os
import re
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def make(out, kws):
    model = onnx.shape_inference.infer_shapes(onnx.load(os.path.join(kws, "model.onnx")))
    g = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    # The input's QuantizeLinear: after the ops that only move elements.
    movers = {"Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze"}
    v = g.input[0].name
    while True:
        (c,) = [n for n in g.node if v in n.input]
        if c.op_type == "QuantizeLinear":
            q_in = c
            break
        assert c.op_type in movers, c.op_type
        v = c.output[0]
    softmax = g.node[-1]
    assert softmax.op_type == "Softmax" and softmax.output[0] == g.output[0].name
    dq_out = producer[softmax.input[0]]
    assert dq_out.op_type == "DequantizeLinear"
    types = {vi.name: vi for vi in list(g.value_info) + list(g.output)}
    def info(name):
        return types[name] if name in types else onnx.ValueInfoProto(name=name)

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.extend([info(q_in.output[0]), info(dq_out.input[0]), info(dq_out.output[0])])
    os.makedirs(os.path.join(out, "probe"), exist_ok=True)
    onnx.save(probe, os.path.join(out, "probe", "model.onnx"))

    cut = onnx.ModelProto()
    cut.CopyFrom(model)
    del cut.graph.node[-1]
    del cut.graph.output[:]
    cut.graph.output.extend([info(dq_out.output[0])])
    os.makedirs(os.path.join(out, "cut"), exist_ok=True)
    onnx.save(cut, os.path.join(out, "cut", "model.onnx"))

    x = numpy_helper.to_array(onnx.load_tensor(os.path.join(kws, "test_data_set_0", "input_0.pb"))).astype(np.float32).ravel()
    with open(os.path.join(out, "input.h"), "w") as f:
        f.write("static const float kInput[%d] = {\n" % x.size)
        f.write(",\n".join("  %.9ef" % float(v) for v in x))  # 9 digits: every float exactly
        f.write("\n};\n")
    with open(os.path.join(out, "params.txt"), "w") as f:
        for kind, node in (("input", q_in), ("output", dq_out)):
            scale = float(inits[node.input[1]].ravel()[0])
            zp = int(inits[node.input[2]].ravel()[0]) if len(node.input) > 2 and node.input[2] else 0
            f.write("%s %r %d %s\n" % (kind, scale, zp, (inits[node.input[2]].dtype if len(node.input) > 2 else "uint8")))


def check(out, header, prefix, kind):
    params = {line.split()[0]: line.split()[1:] for line in open(os.path.join(out, "params.txt"))}
    scale, zp = np.float32(float(params[kind][0])), int(params[kind][1])
    text = open(header).read()
    got_scale = re.search(r"^#define %s_SCALE (\S+)f$" % prefix, text, re.M)
    got_zp = re.search(r"^#define %s_ZERO_POINT \(?(-?\d+)\)?$" % prefix, text, re.M)
    if not got_scale or not got_zp:
        sys.exit("FAIL: %s has no %s_SCALE / %s_ZERO_POINT" % (header, prefix, prefix))
    if np.float32(float(got_scale.group(1))) != scale or int(got_zp.group(1)) != zp:
        sys.exit("FAIL: %s: %s_SCALE %s, _ZERO_POINT %s; the model's %s is %r, %d" %
                 (header, prefix, got_scale.group(1), got_zp.group(1), kind, float(scale), zp))
    print("ok: %s_SCALE %s and _ZERO_POINT %d are the model's %s parameters" % (prefix, got_scale.group(1), zp, kind))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    else:
        check(*sys.argv[2:6])
