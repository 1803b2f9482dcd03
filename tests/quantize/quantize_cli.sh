#!/bin/sh
# onnx2mcu quantize on models/digits: byte-identical output for the same input, --keep-float,
# compile --quantize int8 giving the code of the written QDQ model, and one-line errors.
# Usage: quantize_cli.sh ONNX2MCU SRC_DIR WORK_DIR
set -u
gen=$1; src=$2; work=$3
model=$src/models/digits/model.onnx
calib=$src/models/digits
rm -rf "$work"; mkdir -p "$work/q"
fail() { echo "FAIL: $*"; exit 1; }

"$gen" quantize "$model" --calibration "$calib" -o "$work/a.onnx" -q || fail "quantize"
"$gen" quantize "$model" --calibration "$calib" -o "$work/b.onnx" -q || fail "quantize again"
cmp -s "$work/a.onnx" "$work/b.onnx" || fail "two runs wrote different files"

# The same 20 inputs as one .npy array [20,1,1,8,8] and as raw float32: the same model (ranges
# and histograms do not depend on the order of the sets).
/usr/bin/python3 -c '
import glob, sys, numpy as np, onnx
from onnx import numpy_helper
xs = []
for d in sorted(glob.glob(sys.argv[1] + "/test_data_set_*")):
    t = onnx.TensorProto()
    t.ParseFromString(open(d + "/input_0.pb", "rb").read())
    xs.append(numpy_helper.to_array(t))
np.save(sys.argv[2] + "/calib.npy", np.stack(xs))
np.stack(xs).tofile(sys.argv[2] + "/calib.raw")
' "$calib" "$work" || fail "writing calib.npy"
"$gen" quantize "$model" --calibration "$work/calib.npy" -o "$work/npy.onnx" -q || fail "quantize with .npy"
cmp -s "$work/a.onnx" "$work/npy.onnx" || fail "calibrating on the .npy of the same inputs wrote a different model"
"$gen" quantize "$model" --calibration "$work/calib.raw" -o "$work/raw.onnx" -q || fail "quantize with raw float32"
cmp -s "$work/a.onnx" "$work/raw.onnx" || fail "calibrating on raw float32 of the same inputs wrote a different model"

# compile --quantize int8 is the same quantizer in memory: the same generated code (the file is
# named model.onnx in both, as the generated comments name it).
cp "$work/a.onnx" "$work/q/model.onnx"
"$gen" compile "$work/q/model.onnx" --name digits -o "$work/from_file" -q || fail "compile the QDQ model"
"$gen" compile "$model" --name digits --quantize int8 --calibration "$calib" -o "$work/direct" -q || fail "compile --quantize int8"
diff -r "$work/from_file" "$work/direct" >/dev/null || fail "compile --quantize int8 differs from compiling the written model"
grep -q "o2m::qconv" "$work/direct/digits.cpp" || fail "no integer convolution in the generated code"

# --keep-float conv2: conv2 stays a float Conv, conv1 is integer.
out=$("$gen" quantize "$model" --calibration "$calib" --keep-float conv2 -o "$work/k.onnx") || fail "--keep-float"
echo "$out" | grep -q "conv2 (Conv)" || fail "--keep-float conv2 not reported in float: $out"
ops=$("$gen" inspect "$work/k.onnx") || fail "inspect --keep-float model"
echo "$ops" | grep -Eq "conv2 +Conv " || fail "conv2 is not a float Conv: $ops"
echo "$ops" | grep -Eq "conv1 +QConv " || fail "conv1 is not a QConv: $ops"

# The report: SQNR of the output and every quantized tensor, as text and JSON; int8 weights are
# at most a third of float (digits: 2282 of 7592 bytes).
rep=$("$gen" quantize "$model" --calibration "$calib" -o "$work/r.onnx" --report) || fail "--report"
echo "$rep" | grep -Eq "^  output probs +[0-9.]+$" || fail "no SQNR of probs in: $rep"
echo "$rep" | grep -Eq "^  tensor relu1_out +[0-9.]+$" || fail "no SQNR of relu1_out in: $rep"
"$gen" quantize "$model" --calibration "$calib" -o "$work/r.onnx" --json | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["sets"] == 20 and r["outputs"][0]["tensor"] == "probs", r
assert r["outputs"][0]["sqnr_db"] > 30, r
assert 3 * r["weight_bytes"]["int8"] < r["weight_bytes"]["float"], r
assert r["float_nodes"] == ["softmax (Softmax)"], r
' || fail "--json"

# Pad -> Conv -> BatchNormalization -> Relu: the Pad folds into the Conv's pads and the
# BatchNormalization into its weights before quantizing: one integer Conv, close to float.
/usr/bin/python3 -c '
import os, sys, numpy as np
from onnx import TensorProto, helper, numpy_helper
rng = np.random.default_rng(7)
c = 6
init = [numpy_helper.from_array(a.astype(np.float32), n) for n, a in [
    ("w", rng.normal(0, 0.5, (c, 3, 3, 3))), ("g", rng.uniform(0.5, 2, c)), ("b", rng.normal(0, 1, c)),
    ("m", rng.normal(0, 1, c)), ("v", rng.uniform(0.5, 2, c))]]
init.append(numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads"))
nodes = [helper.make_node("Pad", ["x", "pads"], ["xp"], "pad"),
         helper.make_node("Conv", ["xp", "w"], ["y"], "conv"),
         helper.make_node("BatchNormalization", ["y", "g", "b", "m", "v"], ["z"], "bn"),
         helper.make_node("Relu", ["z"], ["r"], "relu")]
g = helper.make_graph(nodes, "convbn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                      [helper.make_tensor_value_info("r", TensorProto.FLOAT, [1, c, 8, 8])], init)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 7
open(sys.argv[1] + "/convbn.onnx", "wb").write(m.SerializeToString())
for k in range(8):
    d = sys.argv[1] + "/convbn_calib/test_data_set_%d" % k
    os.makedirs(d)
    x = rng.normal(0, 1, (1, 3, 8, 8)).astype(np.float32)
    open(d + "/input_0.pb", "wb").write(numpy_helper.from_array(x, "x").SerializeToString())
' "$work" || fail "writing the Conv+BatchNormalization model"
"$gen" quantize "$work/convbn.onnx" --calibration "$work/convbn_calib" -o "$work/convbn_int8.onnx" --json | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["float_nodes"] == [], r
assert r["outputs"][0]["sqnr_db"] is None or r["outputs"][0]["sqnr_db"] > 30, r
' || fail "Conv+BatchNormalization quantized"
ops=$("$gen" inspect "$work/convbn_int8.onnx") || fail "inspect the Conv+BatchNormalization model"
echo "$ops" | grep -Eq "conv +QConv " || fail "conv is not a QConv: $ops"
echo "$ops" | grep -Eq "BatchNormalization|Pad" && fail "a BatchNormalization or Pad is left: $ops"

# Bad input: one error line naming what is wrong, exit 1.
check_error() {  # expected-text command...
  want=$1; shift
  err=$("$@" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 1 ] || fail "exit $rc (want 1) for: $*"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "more than one error line: $err"
  printf '%s' "$err" | grep -q -- "$want" || fail "error does not say '$want': $err"
}
check_error "$work/nowhere" "$gen" quantize "$model" --calibration "$work/nowhere" -o "$work/x.onnx"
/usr/bin/python3 -c 'import numpy as np, sys; np.save(sys.argv[1], np.zeros((3, 7), np.float32))' "$work/bad.npy"
check_error "not a whole number of inputs of shape \[1,1,8,8\]" "$gen" quantize "$model" --calibration "$work/bad.npy" -o "$work/x.onnx"
check_error "already quantized" "$gen" quantize "$work/a.onnx" --calibration "$calib" -o "$work/x.onnx"
check_error "no node has this name" "$gen" quantize "$model" --calibration "$calib" --keep-float nosuch -o "$work/x.onnx"
check_error "go with --quantize" "$gen" compile "$model" --calibration "$calib" -o "$work/x"
echo "ok"
