#!/usr/bin/env bash
# io_native.sh ONNX2MCU KWS_QDQ_DIR DIGITS_MODEL TARGET (host or cortex-m4)
# --io native (issue 17, docs/api.md) on the KWS int8 model (make_io_native_models.py):
# - kwsn: the model with native I/O: its input is int8 (the QuantizeLinear after its Reshape is
#   dropped), its output stays float (a Softmax follows the last DequantizeLinear);
# - cutn: the model without that Softmax, native I/O: int8 in, int8 out;
# - probe: the float API, with the internal tensors as extra outputs.
# The header: the right element types and sizes, SCALE/ZERO_POINT equal to the model's, valid
# C89/C99/C++. One program (host, or a Cortex-M4 firmware in QEMU) checks, on test_data_set_0,
# bit for bit: the header's quantize helper against the model's QuantizeLinear, the native runs
# against the float API's internals (int8 output before the last DequantizeLinear, and the
# probabilities), the dequantize helper against that DequantizeLinear. On the host also: both
# helpers against the kernels over a sweep of values, `verify --io native` (KWS, and the int8-out
# autoencoder when present), and the error for a model with nothing to drop. Exit 77 (skipped) without the model, or the toolchain for cortex-m4.
set -euo pipefail
gen=$(realpath "$1") kws=$(realpath -m "$2") digits=$(realpath "$3") target=$4
here=$(cd "$(dirname "$0")" && pwd)
tpl="$here/../../templates/targets/cortex-m"
if [ ! -f "$kws/model.onnx" ]; then echo "SKIPPED: $kws not found"; exit 77; fi
if [ "$target" != host ] && ! { command -v arm-none-eabi-g++ && command -v qemu-system-arm; } >/dev/null; then
  echo "SKIPPED: arm-none-eabi-g++ or qemu-system-arm is not installed"; exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

/usr/bin/python3 "$here/make_io_native_models.py" make "$work" "$kws"
"$gen" compile "$work/probe/model.onnx" --name probe -o "$work/probe_gen" --quiet
"$gen" compile "$kws/model.onnx" --name kwsn --io native -o "$work/kwsn_gen" --quiet
"$gen" compile "$work/cut/model.onnx" --name cutn --io native -o "$work/cutn_gen" --quiet

# The header: types and sizes, and which tensors stayed float.
h() { grep -E "^#define $1 " "$work"/*_gen/*.h; }
h KWSN_INPUT_0_ELEMS | grep -q '490u /\* int8 \[[0-9,]*\] "input_1", quantized \*/' || fail "kwsn input 0: $(h KWSN_INPUT_0_ELEMS)"
h KWSN_OUTPUT_0_ELEMS | grep -q 'float32 \[1,12\] "dense", float: not dequantized at the end' || fail "kwsn output 0: $(h KWSN_OUTPUT_0_ELEMS)"
h CUTN_OUTPUT_0_ELEMS | grep -q '12u /\* int8 \[1,12\] ".*", quantized \*/' || fail "cutn output 0: $(h CUTN_OUTPUT_0_ELEMS)"
grep -q 'KWSN_OUTPUT_0_SCALE\|kwsn_dequantize_output_0' "$work/kwsn_gen/kwsn.h" && fail "kwsn.h has output parameters for a float output"
echo "ok: kwsn.h: int8 input (490 B, float 1960 B), float output (Softmax after the DequantizeLinear); cutn.h: int8 output"
/usr/bin/python3 "$here/make_io_native_models.py" check "$work" "$work/kwsn_gen/kwsn.h" KWSN_INPUT_0 input
/usr/bin/python3 "$here/make_io_native_models.py" check "$work" "$work/cutn_gen/cutn.h" CUTN_OUTPUT_0 output
# The header is C89, C99 and C++ with its helpers in use.
cat > "$work/caller.c" <<'C'
#include "cutn.h"
#include "kwsn.h"
int main(void) {
  int8_t q = cutn_quantize_input_0(1.5f);
  return (int)cutn_dequantize_output_0(q) + kwsn_quantize_input_0(2.0f);
}
C
for std in c89 c99; do gcc -std=$std -pedantic -Wall -Wextra -Werror -I"$work/kwsn_gen" -I"$work/cutn_gen" -c "$work/caller.c" -o "$work/caller.o"; done
g++ -x c++ -std=c++17 -Wall -Wextra -Werror -I"$work/kwsn_gen" -I"$work/cutn_gen" -c "$work/caller.c" -o "$work/caller.o"
echo "ok: the native headers and their helpers compile with gcc -std=c89/-std=c99 -pedantic -Werror and g++"

cat > "$work/main.c" <<'C'
#include <string.h>
#include "cutn.h"
#include "input.h"
#include "kwsn.h"
#include "probe.h"
#include "rig.h"
static float probs_f[PROBE_OUTPUT_0_ELEMS], logits_f[PROBE_OUTPUT_3_ELEMS], probs_n[KWSN_OUTPUT_0_ELEMS], deq[CUTN_OUTPUT_0_ELEMS];
static int8_t input_q_f[PROBE_OUTPUT_1_ELEMS], logits_q_f[PROBE_OUTPUT_2_ELEMS], input_q[KWSN_INPUT_0_ELEMS], logits_q_n[CUTN_OUTPUT_0_ELEMS];
static int check(int ok, const char* what) {
  rig_puts(ok ? "ok: " : "FAIL: ");
  rig_puts(what);
  rig_puts("\n");
  return !ok;
}
int main(void) {
  unsigned i;
  int fails = 0;
  if (probe_run(kInput, probs_f, input_q_f, logits_q_f, logits_f) != 0) return 1;
  for (i = 0; i < KWSN_INPUT_0_ELEMS; ++i) input_q[i] = kwsn_quantize_input_0(kInput[i]);
  fails += check(memcmp(input_q, input_q_f, sizeof input_q) == 0, "kwsn_quantize_input_0 gives the model's QuantizeLinear output, bit for bit");
  if (kwsn_run(input_q, probs_n) != 0 || cutn_run(input_q, logits_q_n) != 0) return 1;
  fails += check(memcmp(probs_n, probs_f, sizeof probs_n) == 0, "native-input KWS: probabilities bit-exact with the float API's");
  fails += check(memcmp(logits_q_n, logits_q_f, sizeof logits_q_n) == 0,
                 "native-output KWS: int8 output bit-exact with the float API's int8 tensor before its last DequantizeLinear");
  for (i = 0; i < CUTN_OUTPUT_0_ELEMS; ++i) deq[i] = cutn_dequantize_output_0(logits_q_n[i]);
  fails += check(memcmp(deq, logits_f, sizeof deq) == 0, "cutn_dequantize_output_0 gives the model's DequantizeLinear output, bit for bit");
  return fails;
}
C
if [ "$target" = host ]; then
  cc=(gcc -std=c99 -O2 -Wall -Wextra -Werror) cxx=(g++ -std=c++17 -O2 -Wall -Wextra -Werror) ext=""
else
  board=mps2-an386
  read -r -a mflags <<<"$(awk -v b="$board" '$1 == b { for (i = 4; i <= NF; ++i) printf "%s ", $i }' "$tpl/boards.txt")"
  cc=(arm-none-eabi-gcc -mthumb "${mflags[@]}" -std=c99 -O2 -ffunction-sections -fdata-sections -Wall -Wextra -Werror)
  cxx=(arm-none-eabi-g++ -mthumb "${mflags[@]}" -std=c++17 -O2 -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-unwind-tables
       -ffunction-sections -fdata-sections -Wall -Wextra -Werror)
  ext=.elf
fi
inc=(-I"$work" -I"$tpl" -I"$work/probe_gen" -I"$work/kwsn_gen" -I"$work/cutn_gen")
objs=()
for m in probe kwsn cutn; do "${cxx[@]}" -I"$work/${m}_gen" -c "$work/${m}_gen/$m.cpp" -o "$work/$m.o"; objs+=("$work/$m.o"); done
"${cc[@]}" "${inc[@]}" -c "$work/main.c" -o "$work/main.o"
if [ "$target" = host ]; then
  gcc -std=c11 -O2 -I"$tpl" -c "$tpl/rig_host.c" -o "$work/rig.o"
  g++ "$work/main.o" "${objs[@]}" "$work/rig.o" -o "$work/native"
  "$work/native" | tee "$work/out"
else
  for f in startup syscalls rig; do arm-none-eabi-gcc -mthumb "${mflags[@]}" -std=c11 -O2 -DRIG_QUIET -c "$tpl/$f.c" -o "$work/$f.o"; done
  arm-none-eabi-g++ -mthumb "${mflags[@]}" -nostartfiles --specs=nano.specs -Wl,--gc-sections -L"$tpl" -T "link-$board.ld" \
    "$work/main.o" "${objs[@]}" "$work/startup.o" "$work/syscalls.o" "$work/rig.o" -lm -o "$work/native.elf"
  QEMU_TIMEOUT=${QEMU_TIMEOUT:-120} "$here/../../tools/run-qemu.sh" "$work/native.elf" "$board" | tee "$work/out"
fi
[ "$(grep -c '^ok: ' "$work/out")" = 4 ] && ! grep -q FAIL "$work/out" || fail "the native-I/O program on $target"
[ "$target" = host ] || exit 0

# The helpers against the kernels over a sweep: every zero-point offset and rounding tie of the
# range, beyond it both ways, infinities, NaN, and random bit patterns; every int8 value back.
cat > "$work/sweep.cpp" <<'CPP'
#include <stdio.h>
#include <string.h>
#include <math.h>
#include "kernels/quant.hpp"
#include "kwsn.h"
#include "cutn.h"
int main() {
  long n = 0, bad = 0;
  auto one = [&](float x) {
    const int8_t want = o2m::quantize_value<int8_t>(x, KWSN_INPUT_0_SCALE, KWSN_INPUT_0_ZERO_POINT);
    ++n;
    if (kwsn_quantize_input_0(x) != want && bad++ < 5) printf("FAIL: quantize %a: %d, the kernel %d\n", x, kwsn_quantize_input_0(x), want);
  };
  for (int k = -1200; k <= 1200; ++k) {
    const float v = static_cast<float>(k) * 0.25f;
    one(v * KWSN_INPUT_0_SCALE);
    one(nextafterf(v * KWSN_INPUT_0_SCALE, 1e30f));
    one(nextafterf(v * KWSN_INPUT_0_SCALE, -1e30f));
  }
  one(INFINITY), one(-INFINITY), one(NAN), one(0.0f), one(-0.0f);
  unsigned s = 12345;
  for (int i = 0; i < 200000; ++i) {
    s = s * 1103515245u + 12345u;
    unsigned bits = s ^ (s >> 7) << 16;
    float x;
    memcpy(&x, &bits, sizeof x);
    one(x);
  }
  for (int q = -128; q <= 127; ++q) {
    const int8_t qq = static_cast<int8_t>(q), zp = CUTN_OUTPUT_0_ZERO_POINT;
    const float s_out = CUTN_OUTPUT_0_SCALE;
    float want;
    o2m::dequantize_linear<int8_t>({1, 1, 1}, &qq, &s_out, &zp, &want);
    ++n;
    const float got = cutn_dequantize_output_0(qq);
    if (memcmp(&want, &got, sizeof got) != 0 && bad++ < 5) printf("FAIL: dequantize %d: %a, the kernel %a\n", q, got, want);
  }
  printf("%s: %ld values through the helpers, %ld differ from the kernels\n", bad ? "FAIL" : "ok", n, bad);
  return bad != 0;
}
CPP
g++ -std=c++17 -O2 -Wall -Wextra -Werror -I"$work/probe_gen" -I"$work/kwsn_gen" -I"$work/cutn_gen" "$work/sweep.cpp" -o "$work/sweep"
"$work/sweep"

# verify feeds quantized data and compares dequantized outputs: as exact as the float API.
"$gen" verify "$kws/model.onnx" --io native --rtol 0 --atol 1e-6 -q
ad="$(dirname "$kws")/mlperf_tiny_ad_autoencoder_qdq"  # int8 in and out
[ ! -f "$ad/model.onnx" ] || "$gen" verify "$ad/model.onnx" --io native --rtol 0 --atol 1e-6 -q
# Nothing to drop: an error naming the option, exit 1.
set +e
msg=$("$gen" compile "$digits" --io native -o "$work/digits" 2>&1)
rc=$?
set -e
[ $rc = 1 ] && grep -q "model.onnx: --io native: no input is quantized" <<<"$msg" || fail "--io native on a float model: exit $rc, '$msg'"
echo "ok: --io native on a float model: $msg"
