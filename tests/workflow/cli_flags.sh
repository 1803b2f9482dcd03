#!/usr/bin/env bash
# cli_flags.sh ONNX2MCU MODEL.onnx: global --quiet/--verbose, compile --target, documented exit codes.
set -uo pipefail
gen=$1 model=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # check DESCRIPTION BASH-CONDITION
  if bash -c "$2" >/dev/null 2>&1; then passed=$((passed + 1)); echo "ok    $1"; else failed=$((failed + 1)); echo "FAIL  $1"; fi
}
check "--help documents the exit codes" "'$gen' --help | grep -q 'Exit codes: 0 ok; 1 .*; 2 bad command line'"
check "--help shows examples" "'$gen' --help | grep -q 'onnx2mcu compile .* --target cortex-m4'"
check "--help lists the ops subcommand" "'$gen' --help | grep -qE '^ +ops +list the supported operators'"
check "a missing argument exits 2" "'$gen' compile; [ \$? -eq 2 ]"
check "an unknown option exits 2" "'$gen' compile '$model' -o '$work/x' --frobnicate; [ \$? -eq 2 ]"
check "--quiet and --verbose together exit 2" "'$gen' -q -v compile '$model' -o '$work/x'; [ \$? -eq 2 ]"
check "a bad model exits 1" "'$gen' compile '$work/nosuch.onnx' -o '$work/x'; [ \$? -eq 1 ]"
check "--quiet prints nothing on success" "[ -z \"\$('$gen' compile '$model' -o '$work/q' --quiet 2>&1)\" ] && [ -f '$work/q/onnx2mcu.manifest' ]"
check "--quiet works before the subcommand" "[ -z \"\$('$gen' --quiet compile '$model' -o '$work/q' 2>&1)\" ]"
check "--verbose reports time and files on stderr" "'$gen' compile '$model' -o '$work/v' -v 2>&1 >/dev/null | grep -q 'compiled in .* ms' && '$gen' compile '$model' -o '$work/v' -v 2>&1 >/dev/null | grep -q 'wrote .*onnx2mcu.manifest\\|wrote .*\\.cpp'"
check "compile --target accepts a cpu and a board" "'$gen' compile '$model' -o '$work/t' --target cortex-m4 -q && '$gen' compile '$model' -o '$work/t' --target mps2-an505 -q"
check "compile --target changes no byte of the code" "'$gen' compile '$model' -o '$work/t1' -q && '$gen' compile '$model' -o '$work/t2' --target cortex-m7 -q && diff -r -x '*_target.txt' -x onnx2mcu.manifest '$work/t1' '$work/t2'"
check "compile --target writes <name>_target.txt with the board's flags" "grep -q '^cxxflags  -mthumb -mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard ' '$work/t2/'*_target.txt && grep -q '^qemu      qemu-system-arm -M mps2-an500' '$work/t2/'*_target.txt && grep -q '_target.txt' '$work/t2/onnx2mcu.manifest' && ! ls '$work/t1/'*_target.txt"
check "compile --target host writes the host flags" "'$gen' compile '$model' -o '$work/t3' --target host -q && grep -q '^cxxflags  -std=c++17 -O2' '$work/t3/'*_target.txt"
check "an unknown --target exits 1 naming the known ones" "'$gen' compile '$model' -o '$work/u' --target cortex-m99 2>&1 | grep -q 'known: host, mps2-an386 (cortex-m4)'; [ ! -e '$work/u' ]"
check "an unknown --io exits 2" "'$gen' compile '$model' -o '$work/io' --io int8; [ \$? -eq 2 ]"
check "--io float is the default: the same bytes" "'$gen' compile '$model' -o '$work/io1' -q && '$gen' compile '$model' -o '$work/io2' --io float -q && diff -r '$work/io1' '$work/io2'"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
