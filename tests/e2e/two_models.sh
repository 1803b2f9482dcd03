#!/usr/bin/env bash
# two_models.sh ONNX2MCU SOURCE_DIR
# Two generated models with different kernel sets (the digits CNN: fast Conv, pools, Gemm; a
# GRU: rnn.hpp) compiled separately and linked into one program, which runs both and checks
# their outputs (make_two_models.py writes the GRU model, the references and main.cpp).
set -euo pipefail
gen=$(realpath "$1") src=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$0")/make_two_models.py" "$work" "$src/models/digits"
"$gen" compile "$src/models/digits/model.onnx" --name digits -o "$work/digits" --quiet
"$gen" compile "$work/gru/model.onnx" --name gru -o "$work/gen_gru" --quiet
flags=(-std=c++17 -O2 -Wall -Wextra -Werror)
g++ "${flags[@]}" -I"$work/digits" -c "$work/digits/digits.cpp" -o "$work/digits.o"
g++ "${flags[@]}" -I"$work/gen_gru" -c "$work/gen_gru/gru.cpp" -o "$work/gru.o"
g++ "${flags[@]}" -I"$work/digits" -I"$work/gen_gru" -c "$work/main.cpp" -o "$work/main.o"
g++ "$work/main.o" "$work/digits.o" "$work/gru.o" -o "$work/both"
echo "kernels: digits $(grep -c '^kernels/' "$work/digits/onnx2mcu.manifest"), gru $(grep -c '^kernels/' "$work/gen_gru/onnx2mcu.manifest")" \
     "($(grep -h '^kernels/' "$work/digits/onnx2mcu.manifest" "$work/gen_gru/onnx2mcu.manifest" | sort | uniq -u | tr '\n' ' ')only in one)"
"$work/both"
