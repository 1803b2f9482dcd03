#!/usr/bin/env bash
# run_corpus.sh ONNX2MCU MAKE_CORPUS DIGITS.onnx SINE.onnx [CASE_REGEX]
# Writes the malformed-model corpus (make_corpus) and compiles every case into a folder that
# already holds an earlier good output. Each case must, within a few seconds:
#   error: exit 1, print exactly one line "onnx2mcu: error: FILE: ..." that names the file and
#          holds the case's expected text (node and op where the manifest names them), and leave
#          the output folder byte for byte as it was;
#   ok:    exit 0 and leave a complete output (every file in the manifest, nothing else) that
#          compiles (g++ -fsyntax-only);
#   any:   either of the two (bit flips may leave a valid model).
# Never: a crash, a sanitizer report, a hang, an "internal error", a temp folder left behind.
# Env: RELIABILITY_SLOW_SECONDS (default 5) a case may take; RELIABILITY_KEEP=1 keeps the work folder.
set -uo pipefail
gen=$(realpath "$1") make_corpus=$(realpath "$2") digits=$(realpath "$3") sine=$(realpath "$4") only=${5:-}
slow=${RELIABILITY_SLOW_SECONDS:-5}
work=$(mktemp -d)
[ "${RELIABILITY_KEEP:-0}" = 1 ] && echo "work folder: $work" || trap 'rm -rf "$work"' EXIT
corpus=$work/corpus out=$work/out baseline=$work/baseline

"$make_corpus" "$corpus" "$digits" "$sine" || { echo "FAIL: make_corpus"; exit 1; }
# Inputs the fuzzer once crashed on: whatever they are now, never a crash again.
for f in "$(dirname "$0")"/regressions/fuzz_compile/*.onnx; do
  [ -f "$f" ] || continue
  cp "$f" "$corpus/cases/regression_$(basename "$f")"
  echo "any|cases/regression_$(basename "$f")||" >>"$corpus/cases.txt"
done
"$gen" compile "$digits" --name net -o "$baseline" >/dev/null || { echo "FAIL: the good model does not compile"; exit 1; }
cp -a "$baseline" "$out"
sums() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }
before=$(sums "$out")

# complete_output DIR: the manifest lists exactly the files there, and the sources compile.
complete_output() {
  local dir=$1 listed present
  [ -f "$dir/onnx2mcu.manifest" ] || { echo "no manifest"; return; }
  listed=$( (cat "$dir/onnx2mcu.manifest"; echo onnx2mcu.manifest) | sort)
  present=$(cd "$dir" && find . -type f | sed 's|^\./||' | sort)
  [ "$listed" = "$present" ] || { echo "files differ from the manifest"; return; }
  local cpp key
  cpp=$(grep -E '^[^/]+\.cpp$' "$dir/onnx2mcu.manifest")
  [ -n "$cpp" ] || { echo "no .cpp written"; return; }
  # Bit flips mostly change weight values only. The code around the weights is compiled once
  # per distinct text (weights masked); the weight arrays are compiled every time, on their own.
  awk 'skip { if ($0 ~ /^};$/) skip = 0; next }
       /^alignas\(16\) ([A-Z0-9_]+_WEIGHTS_ATTR )?const .*\] = \{/ { print "WEIGHTS"; skip = ($0 !~ /\};$/); next } { print }' "$dir/$cpp" >"$work/masked"
  key=$(cat "$work/masked" "$dir"/*.h | sha256sum | cut -c1-16)
  if [ ! -e "$work/checked/$key" ]; then
    g++ -std=c++17 -fsyntax-only -I"$dir" "$dir/$cpp" 2>&1 | head -5 | sed 's/^/g++: /'
    mkdir -p "$work/checked" && touch "$work/checked/$key"
  fi
  { echo '#include <stdint.h>'; echo 'namespace {'
    awk '/^alignas\(16\) ([A-Z0-9_]+_WEIGHTS_ATTR )?const .*\] = \{/ { on = 1; sub(/[A-Z0-9_]+_WEIGHTS_ATTR /, "") }
         on { print } on && /\};$/ { on = 0 }' "$dir/$cpp"; echo '}'; } >"$work/weights.cpp"
  g++ -std=c++17 -fsyntax-only -Wno-unused-variable "$work/weights.cpp" 2>&1 | head -5 | sed 's/^/g++ (weights): /'
}

passed=0 failed=0 succeeded=0
while IFS='|' read -r expect path want args; do
  [ -n "$only" ] && [[ ! "$path" =~ $only ]] && continue
  model=$corpus/$path
  start=$(date +%s%N)
  # shellcheck disable=SC2086  # ARGS are whitespace-separated on purpose
  timeout -k 2 20 "$gen" compile "$model" -o "$out" $args >"$work/stdout" 2>"$work/stderr"
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  err=$(cat "$work/stderr")
  why=""
  case $rc in
    0 | 1) ;;
    124 | 137) why="hung (killed after 20 s)" ;;
    *) why="exit code $rc (crash?)" ;;
  esac
  [ "$ms" -le $((slow * 1000)) ] || why="$why; took $ms ms (limit ${slow} s)"
  [[ "$err" != *"internal error"* && "$err" != *"Sanitizer"* && "$err" != *"runtime error"* ]] || why="$why; internal error or sanitizer report"
  ls -d "$out".o2m-* >/dev/null 2>&1 && why="$why; a temp folder was left beside the output" && rm -rf "$out".o2m-*
  outcome=error
  [ "$rc" -eq 0 ] && outcome=ok
  if [ "$expect" != any ] && [ "$expect" != "$outcome" ] && [ "$rc" -le 1 ]; then why="$why; expected $expect, got $outcome"; fi
  if [ "$rc" -eq 1 ]; then
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || why="$why; expected one error line"
    [[ "$err" == "onnx2mcu: error: "* ]] || why="$why; the line does not start with 'onnx2mcu: error: '"
    [[ "$err" == *"$model"* || "$path" == */missing_file.onnx ]] || why="$why; the error does not name the file"
    [ -z "$want" ] || [[ "$err" == *"$want"* ]] || why="$why; the error lacks '$want'"
    [ "$before" = "$(sums "$out")" ] || why="$why; the output folder changed"
  elif [ "$rc" -eq 0 ]; then
    succeeded=$((succeeded + 1))
    bad=$(complete_output "$out")
    [ -z "$bad" ] || why="$why; incomplete or broken output: $bad"
    rm -rf "$out" && cp -a "$baseline" "$out"
  fi
  [ -d "$out" ] || { why="$why; the output folder is gone"; cp -a "$baseline" "$out"; }
  if [ -z "$why" ]; then
    passed=$((passed + 1))
    printf 'ok    %-48s %5d ms  %s\n' "$path" "$ms" "$([ "$rc" -eq 0 ] && echo "compiled" || echo "${err#onnx2mcu: error: $model: }" | cut -c1-150)"
  else
    failed=$((failed + 1))
    printf 'FAIL  %-48s %5d ms %s\n      stderr: %s\n' "$path" "$ms" "$why" "$(printf '%s' "$err" | head -c 600)"
  fi
done <"$corpus/cases.txt"

echo "$succeeded of the cases compiled (valid models, or bit flips that left one)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
