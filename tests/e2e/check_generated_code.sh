#!/usr/bin/env bash
# check_generated_code.sh ONNX2MCU MODEL.onnx
# Checks what users ship: the generated sources build for Cortex-M4 with -Werror, and the
# object has no heap, exception or static-constructor machinery; generating twice, from
# another working folder and a copy of the model elsewhere, gives identical bytes.
set -euo pipefail
gen=$(realpath "$1") model=$(realpath -m "$2")
if [ ! -f "$model" ]; then echo "SKIPPED: $model not found"; exit 77; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$gen" compile "$model" --name net -o "$work/a" >/dev/null
mkdir -p "$work/elsewhere/x/y" && cp "$model" "$work/elsewhere/x/y/model.onnx"
(cd "$work/elsewhere" && "$gen" compile x/y/model.onnx --name net -o "$work/b" >/dev/null)
if ! diff -r "$work/a" "$work/b"; then echo "FAIL: generating twice gave different bytes"; exit 1; fi
echo "ok: generation is deterministic and independent of paths"

flags="-mthumb -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard -std=c++17 -O2 -fno-exceptions -fno-rtti -Wall -Wextra -Werror"
arm-none-eabi-g++ $flags -I"$work/a" -c "$work/a/net.cpp" -o "$work/net.o"
echo "ok: builds with arm-none-eabi-g++ $flags"
g++ -std=c++17 -O2 -Wall -Wextra -Werror -I"$work/a" -c "$work/a/net.cpp" -o "$work/net_host.o"
echo "ok: builds with host g++ -Wall -Wextra -Werror"
# The header is plain C for C callers: C99 (and C89, unless an int64 or bool input needs C99 types).
printf '#include "net.h"\nint main(void) { return 0; }\n' > "$work/caller.c"
gcc -std=c99 -pedantic -Wall -Wextra -Werror -I"$work/a" -c "$work/caller.c" -o "$work/caller.o"
echo "ok: the header compiles with gcc -std=c99 -pedantic -Werror"
if ! grep -qE '\b(bool|int64_t|uint64_t)\b' "$work/a/net.h"; then
  gcc -std=c89 -pedantic -Wall -Wextra -Werror -I"$work/a" -c "$work/caller.c" -o "$work/caller.o"
  echo "ok: the header compiles with gcc -std=c89 -pedantic -Werror"
fi
if grep -rhE '^#include <(type_traits|cmath|cstring|cstdint|cstddef|algorithm|utility|limits|array)>' "$work/a"; then
  echo "FAIL: generated code includes C++ library headers a freestanding toolchain may lack"; exit 1
fi
echo "ok: no C++ library headers"

bad=$(arm-none-eabi-nm -u "$work/net.o" | grep -E 'malloc|calloc|realloc|free|_Znw|_Zna|_Zdl|_Zda|__cxa_throw|__cxa_allocate_exception|__cxa_guard' || true)
if [ -n "$bad" ]; then echo "FAIL: generated code references heap/exception symbols:"; echo "$bad"; exit 1; fi
echo "ok: no malloc, operator new or __cxa_throw"
if arm-none-eabi-objdump -h "$work/net.o" | grep -qE '\.init_array|\.ctors'; then
  echo "FAIL: generated code has static constructors"; exit 1
fi
echo "ok: no static constructors"
if [ -z "$(arm-none-eabi-size -A "$work/net.o" | awk '$1 ~ /^\.data/ && $2 > 0')" ]; then
  echo "ok: no initialised RAM (.data): weights are const"
else
  echo "FAIL: generated code has initialised RAM (.data): weights must be const"; exit 1
fi
