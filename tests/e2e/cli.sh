#!/usr/bin/env bash
# cli.sh ONNX2MCU MODEL.onnx: --help, --version, inspect, command-line errors that say what was
# wrong, a folder that is not ours, and files an unchanged model leaves untouched.
set -uo pipefail
gen=$1 model=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...: the command must succeed
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); echo "ok    $what"; else failed=$((failed + 1)); echo "FAIL  $what"; fi
}
# check_error DESCRIPTION RC "TEXT" COMMAND...: the command must exit RC with TEXT on stderr
check_error() {
  local what=$1 want_rc=$2 want=$3; shift 3
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -eq "$want_rc" ] && [[ "$err" == *"$want"* ]]; then passed=$((passed + 1)); echo "ok    $what"
  else failed=$((failed + 1)); echo "FAIL  $what: exit $rc (want $want_rc), stderr: $err"; fi
}
check "--help lists the subcommands" bash -c "'$gen' --help | grep -q compile && '$gen' --help | grep -q verify"
check_error "an unknown option is named" 2 "onnx2mcu: error: unknown option '--bogus'" "$gen" --bogus "$model"
check_error "a misspelled subcommand is named" 2 "onnx2mcu: error: unknown subcommand 'compil'; it is one of compile, quantize, inspect, verify, profile or ops" \
  "$gen" compil "$model" -o "$work/x"
check_error "--report with an unknown extension lists the supported ones" 2 "'$work/r.pdf' has an unknown extension; the report is FILE.html or FILE.svg" \
  "$gen" inspect "$model" --report "$work/r.pdf"
check "--report x.pdf writes nothing" test ! -e "$work/r.pdf"
check "--report x.svg writes SVG" bash -c "'$gen' inspect '$model' --report '$work/r.svg' && grep -q '<svg' '$work/r.svg'"
check "--version prints the version" bash -c "'$gen' --version | grep -qE '^onnx2mcu [0-9]+\.[0-9]+'"
check "no subcommand is an error" bash -c "! '$gen'"
check "inspect shows arena and lower bound" bash -c "'$gen' inspect '$model' | grep -qE 'arena bytes +[0-9]+ .*lower bound [0-9]+'"
check "inspect lists every node with its offset" bash -c "'$gen' inspect '$model' | grep -qE 'conv1[+a-z0-9]* +Conv(Pool)? .*arena\+'"
mkdir -p "$work/mine" && echo keep > "$work/mine/notes.txt"
check "compile refuses a folder of someone else's files" bash -c "! '$gen' compile '$model' -o '$work/mine' 2>/dev/null && [ -f '$work/mine/notes.txt' ]"
check "compile writes into a new folder" bash -c "'$gen' compile '$model' -o '$work/new' && [ -f '$work/new/digits.h' ]"
check "compile replaces its own earlier output" bash -c "'$gen' compile '$model' -o '$work/new' --name other && [ -f '$work/new/other.h' ] && [ ! -f '$work/new/digits.h' ]"
# Unchanged output keeps its mtime (no rebuild); a changed file is written again.
touch -d '2001-01-01 00:00:00' "$work/new"/*
echo "// edited" >> "$work/new/other.cpp"
check "compile again succeeds" "$gen" compile "$model" -o "$work/new" --name other
check "an unchanged file keeps its mtime" bash -c "[ \"\$(stat -c %Y '$work/new/other.h')\" = \"\$(date -d '2001-01-01 00:00:00' +%s)\" ]"
check "a changed file is written again" bash -c "[ \"\$(stat -c %Y '$work/new/other.cpp')\" != \"\$(date -d '2001-01-01 00:00:00' +%s)\" ] && ! grep -q '// edited' '$work/new/other.cpp'"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
