#!/usr/bin/env bash
# atomic_output.sh ONNX2MCU MAKE_CORPUS DIGITS.onnx SINE.onnx
# The output folder changes all at once or not at all, even when the generator is killed:
#  1. killed (SIGKILL, via ONNX2MCU_TEST_KILL_BEFORE_RENAME) after writing everything but
#     before the rename: the old output is intact; the temp folder it leaves is removed by
#     the next run;
#  2. killed by SIGKILL at 12 moments while it generates and writes a large model (4 MiB of
#     weights): the folder always holds either the old output or the complete new one;
#  3. a ".old" sibling left by a run killed between its two renames (systems without
#     RENAME_EXCHANGE) is restored or removed; a sibling of a live process is left alone.
set -uo pipefail
gen=$(realpath "$1") make_corpus=$(realpath "$2") digits=$(realpath "$3") sine=$(realpath "$4")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/out
failed=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; failed=1; fi; }
sums() { (cd "$1" 2>/dev/null && find . -type f -exec sha256sum {} + | sort); }
complete() {  # the manifest lists exactly the files present
  [ -f "$1/onnx2mcu.manifest" ] &&
    [ "$( (cat "$1/onnx2mcu.manifest"; echo onnx2mcu.manifest) | sort)" = "$(cd "$1" && find . -type f | sed 's|^\./||' | sort)" ]
}
siblings() { ls -d "$out".o2m-* 2>/dev/null | wc -l; }

"$gen" compile "$digits" --name net -o "$out" >/dev/null || { echo "FAIL: digits does not compile"; exit 1; }
old=$(sums "$out")

# 1. Killed just before the rename.
ONNX2MCU_TEST_KILL_BEFORE_RENAME=1 "$gen" compile "$sine" --name net -o "$out" >/dev/null 2>&1
rc=$?
check "killed before the rename (exit $rc = SIGKILL)" "[ $rc -eq 137 ]"
check "the old output is intact" "[ \"\$old\" = \"\$(sums \"\$out\")\" ]"
check "the killed run left its temp folder (nothing could remove it)" "[ $(siblings) -eq 1 ]"
"$gen" compile "$sine" --name net -o "$out" >/dev/null
check "the next run succeeds and replaces the output" "complete '$out' && [ \"\$old\" != \"\$(sums \"\$out\")\" ]"
check "the next run removed the stale temp folder" "[ $(siblings) -eq 0 ]"

# 2. SIGKILL at random moments while a large model is generated and written.
"$make_corpus" --large "$work/large/model.onnx" >/dev/null || { echo "FAIL: make_corpus --large"; exit 1; }
"$gen" compile "$digits" --name net -o "$out" >/dev/null
old=$(sums "$out")
start=$(date +%s%N)
"$gen" compile "$work/large/model.onnx" --name net -o "$work/timing" >/dev/null || { echo "FAIL: the large model does not compile"; exit 1; }
full_ms=$((($(date +%s%N) - start) / 1000000))
echo "      the large model takes $full_ms ms to compile and write"
new=$(sums "$work/timing")
bad=0 olds=0 news=0
for i in $(seq 1 12); do
  delay_ms=$((full_ms * i / 12 + (RANDOM % 20)))
  "$gen" compile "$work/large/model.onnx" --name net -o "$out" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '0.%03d' $((delay_ms % 1000)))" && sleep $((delay_ms / 1000))
  kill -KILL $pid 2>/dev/null
  wait $pid 2>/dev/null
  now=$(sums "$out")
  if [ "$now" = "$old" ]; then olds=$((olds + 1));
  elif [ "$now" = "$new" ]; then news=$((news + 1)); old=$new;
  else bad=$((bad + 1)); echo "      after a kill at $delay_ms ms the folder is neither the old nor the new output"; fi
done
echo "      12 kills: $olds left the old output, $news the new one"
check "every kill left either the old or the complete new output" "[ $bad -eq 0 ]"
"$gen" compile "$sine" --name net -o "$out" >/dev/null
check "after the kills, a run leaves no temp folder" "[ $(siblings) -eq 0 ] && complete '$out'"

# 3. Leftovers of the two-step rename, and siblings that are not stale.
"$gen" compile "$digits" --name net -o "$out" >/dev/null
old=$(sums "$out")
sh -c 'exit 0' & dead=$!
wait $dead
mv "$out" "$out.o2m-$dead.old"
"$gen" compile "$work/bad.onnx" --name net -o "$out" >/dev/null 2>&1  # fails: no such model
check "a failed run does not touch the stale .old folder" "[ -d '$out.o2m-$dead.old' ]"
"$gen" compile "$sine" --name net -o "$out" >/dev/null
check "a stale .old folder is restored, then replaced by the new output" "complete '$out' && [ $(siblings) -eq 0 ]"
mkdir "$out.o2m-$$.new" "$out.o2m-notapid.new"
"$gen" compile "$digits" --name net -o "$out" >/dev/null
check "a live process's temp folder and foreign names are left alone" "[ -d '$out.o2m-$$.new' ] && [ -d '$out.o2m-notapid.new' ]"
exit $failed
