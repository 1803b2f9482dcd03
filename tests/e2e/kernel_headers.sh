#!/usr/bin/env bash
# kernel_headers.sh TEMPLATES_DIR host|cortex-m4
# Every header in TEMPLATES_DIR/kernels, found by listing the folder (a new header is covered
# without editing this test), included together in one translation unit, in name order and in
# reverse: a model may need any set of them, so two headers must never define the same name
# (rnn.hpp and activation.hpp once both defined o2m::kActRelu with different values).
set -euo pipefail
templates=$(realpath "$1") target=$2
case "$target" in
  host) cxx=(g++ -std=c++17 -O1 -Wall -Wextra -Werror) ;;
  cortex-m4)
    if ! command -v arm-none-eabi-g++ >/dev/null; then echo "SKIPPED: arm-none-eabi-g++ not found"; exit 77; fi
    cxx=(arm-none-eabi-g++ -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -fno-exceptions -fno-rtti
         -std=c++17 -O1 -Wall -Wextra -Werror) ;;
  *) echo "usage: kernel_headers.sh TEMPLATES_DIR host|cortex-m4"; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t headers < <(cd "$templates" && LC_ALL=C ls kernels/*.hpp)
[ "${#headers[@]}" -gt 0 ] || { echo "FAIL: no headers in $templates/kernels"; exit 1; }
for order in forward reverse; do
  tu="$work/all_$order.cpp"
  if [ "$order" = forward ]; then printf '#include "%s"\n' "${headers[@]}" > "$tu"
  else printf '#include "%s"\n' "${headers[@]}" | tac > "$tu"; fi
  if ! "${cxx[@]}" -I"$templates" -c "$tu" -o "$work/all_$order.o"; then
    echo "FAIL: the ${#headers[@]} kernel headers do not compile together ($order order) with ${cxx[*]}"; exit 1
  fi
done
echo "ok: ${#headers[@]} kernel headers compile together, in both orders, with ${cxx[*]}"
