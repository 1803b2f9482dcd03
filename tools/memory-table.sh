#!/usr/bin/env bash
# memory-table.sh [BUILD_DIR]: per model, the arena lower bound, arena without and with fused
# tiling, weight bytes, and host instructions (callgrind, static -O2, one inference, input 1.0)
# with every optimisation pass off and with the default pipeline. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
gen=${1:-build}/src/onnx2mcu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
opt_passes="--disable-pass fold-batchnorm --disable-pass fold-bias-add --disable-pass cancel-transposes --disable-pass fold-pad --disable-pass fuse-conv-pool --disable-pass fuse-pw-dw --disable-pass order-for-memory"

# host_insns MODEL SHAPE_ARGS... : callgrind total of a static process running one inference.
host_insns() {
  local model=$1; shift
  rm -rf "$work/g"
  "$gen" compile "$model" --name net -o "$work/g" "$@" >/dev/null
  local args="" outs="" decl=""
  local n_in n_out
  n_in=$(grep -c '_INPUT_[0-9]*_ELEMS' "$work/g/net.h")
  n_out=$(grep -c '_OUTPUT_[0-9]*_ELEMS' "$work/g/net.h")
  for ((i = 0; i < n_in; i++)); do decl+="static float in$i[NET_INPUT_${i}_ELEMS];"; args+="${args:+,}in$i"; done
  for ((i = 0; i < n_out; i++)); do decl+="static float out$i[NET_OUTPUT_${i}_ELEMS];"; args+=",out$i"; done
  local fill=""
  for ((i = 0; i < n_in; i++)); do fill+="for (auto& v : in$i) v = 1.0f;"; done
  printf '#include "net.h"\n%s\nint main() { %s return net_run(%s); }\n' "$decl" "$fill" "$args" > "$work/main.cpp"
  g++ -std=c++17 -O2 -static -I"$work/g" "$work/g/net.cpp" "$work/main.cpp" -o "$work/prog"
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$work/prog" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

json_field() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" | head -1; }

echo "| model | lower bound B | arena, no fusion B | arena, fused B | weights B | host insns, passes off | host insns, default |"
echo "|---|---|---|---|---|---|---|"
while read -r dir shape; do
  [ -f "$dir/model.onnx" ] || continue
  extra=()
  [ -z "$shape" ] || extra=(--shape "$shape")
  nofuse=$("$gen" inspect "$dir/model.onnx" "${extra[@]}" --json --no-fuse-tiling 2>/dev/null) || { echo "| $(basename "$dir") | does not compile | | | | | |"; continue; }
  fused=$("$gen" inspect "$dir/model.onnx" "${extra[@]}" --json)
  # shellcheck disable=SC2086
  before=$(host_insns "$dir/model.onnx" "${extra[@]}" $opt_passes)
  after=$(host_insns "$dir/model.onnx" "${extra[@]}")
  echo "| $(basename "$dir") | $(json_field lower_bound_bytes <<<"$nofuse") | $(json_field arena_bytes <<<"$nofuse") | $(json_field arena_bytes <<<"$fused") | $(json_field weight_bytes <<<"$fused") | $before | $after |"
done <<EOF2
models/digits
models/sine
../shared/models/mnist8
../shared/models/mnist_atmega_14x14
../shared/models/mnist_mlp_pytorch
../shared/models/mlperf_tiny_ad_autoencoder_float
../shared/models/mlperf_tiny_kws_dscnn_float
../shared/models/mlperf_tiny_vww_mobilenetv1_float
../shared/models/dory_dscnn_kws_int
../shared/models/mlperf_tiny_ic_resnet8_qdq
../shared/models/mlperf_tiny_vww_mobilenetv1_qdq
../shared/models/zant_beer
../shared/models/st_mobilenet_v2_a050_128 input_1:0=1x3x128x128
../shared/models/tflm_hello_world_sine dense_2_input=1x1
EOF2
