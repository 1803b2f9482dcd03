#!/usr/bin/env python3
"""recurrent_macs.py ONNX2MCU: `inspect --json` on a small bidirectional LSTM and a GRU made here:
each recurrent node's MACs are non-zero and equal dirs x seq x batch x gates x (input + hidden)
x hidden, and the per-node MACs add up to the model's total (issue 17 item 4)."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def make(op, gates, dirs, seq, batch, inp, hidden, path):
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((dirs, gates * hidden, inp)).astype(np.float32), "W")
    r = numpy_helper.from_array(rng.standard_normal((dirs, gates * hidden, hidden)).astype(np.float32), "R")
    direction = "bidirectional" if dirs == 2 else "forward"
    cell = helper.make_node(op, ["X", "W", "R"], ["Y"], name="cell", hidden_size=hidden, direction=direction)
    # A MatMul after the cell: a second node with MACs, so the sum is over more than one.
    proj = numpy_helper.from_array(rng.standard_normal((hidden, 2)).astype(np.float32), "P")
    mm = helper.make_node("MatMul", ["Y", "P"], ["Z"], name="proj")
    g = helper.make_graph([cell, mm], op.lower(), [helper.make_tensor_value_info("X", TensorProto.FLOAT, [seq, batch, inp])],
                          [helper.make_tensor_value_info("Z", TensorProto.FLOAT, None)], [w, r, proj])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)]), path)
    return dirs * seq * batch * gates * (inp + hidden) * hidden


def main():
    gen = os.path.realpath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        for op, gates, dirs in (("LSTM", 4, 2), ("GRU", 3, 1)):
            path = os.path.join(tmp, op.lower() + ".onnx")
            want = make(op, gates, dirs, seq=5, batch=2, inp=3, hidden=4, path=path)
            r = json.loads(subprocess.run([gen, "inspect", path, "--json"], capture_output=True, text=True, check=True).stdout)
            cell = [n for n in r["nodes"] if n["op"] == op]
            if len(cell) != 1 or cell[0]["macs"] != want or want == 0:
                sys.exit("FAIL: %s MACs %s, expected %d" % (op, [n["macs"] for n in cell], want))
            total = sum(n["macs"] for n in r["nodes"])
            if total != r["macs"] or total <= want:
                sys.exit("FAIL: %s: per-node MACs add up to %d, the total is %d" % (op, total, r["macs"]))
            print("ok   %s: %d MACs (the formula), nodes add up to the total %d" % (op, want, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
