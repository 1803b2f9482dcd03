#!/usr/bin/env bash
# profile_hook.sh ONNX2MCU MODEL.onnx: the opt-in per-node profiling hook (issue 17). Built with
# -DNET_PROFILE, the run calls o2m_profile_begin/end once per node that has code, in step order,
# with the node's ONNX name, begin and end paired; built without, the generated object references
# no hook at all (compiled out).
set -euo pipefail
gen=$(realpath "$1") model=$(realpath -m "$2")
if [ ! -f "$model" ]; then echo "SKIPPED: $model not found"; exit 77; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$gen" compile "$model" --name net -o "$work/gen" >/dev/null
cat > "$work/main.cpp" <<'CPP'
#include <stdio.h>
#include <string.h>
#include "net.h"
static int open_step = -1;
extern "C" void o2m_profile_begin(int step, const char* node) {
  if (open_step != -1) { printf("FAIL: begin %d inside %d\n", step, open_step); }
  open_step = step;
  printf("%d %s\n", step, node);
}
extern "C" void o2m_profile_end(int step, const char* node) {
  if (step != open_step) printf("FAIL: end %d after begin %d (%s)\n", step, open_step, node);
  open_step = -1;
}
static float in[NET_INPUT_0_ELEMS], out[NET_OUTPUT_0_ELEMS];
int main() { return net_run(in, out); }
CPP
g++ -std=c++17 -O2 -Wall -Wextra -Werror -DNET_PROFILE -I"$work/gen" "$work/gen/net.cpp" "$work/main.cpp" -o "$work/prof"
"$work/prof" > "$work/calls.txt"
if grep -q FAIL "$work/calls.txt"; then cat "$work/calls.txt"; exit 1; fi
# The expected calls: every step comment of the run function that is not a view, in order.
sed -nE 's|^  // ([0-9]+) (.*): [A-Za-z0-9_.]+ -> .*|\1 \2|p' "$work/gen/net.cpp" > "$work/expected.txt"
if ! diff "$work/expected.txt" "$work/calls.txt"; then echo "FAIL: the hooks were not called once per node in step order"; exit 1; fi
echo "ok: $(wc -l < "$work/calls.txt") nodes called o2m_profile_begin/end in step order, with their names"
g++ -std=c++17 -O2 -Wall -Wextra -Werror -I"$work/gen" -c "$work/gen/net.cpp" -o "$work/plain.o"
if nm -u "$work/plain.o" | grep -q o2m_profile; then echo "FAIL: without NET_PROFILE the object still calls the hooks"; exit 1; fi
echo "ok: without NET_PROFILE the hooks are compiled out"
