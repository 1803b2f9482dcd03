#!/usr/bin/env bash
# selftest.sh RUNNER DATA
# Checks how conformance_runner copes with failures, injected into copies of ten simple node
# tests: a TU that does not build, a harness that crashes, one that hangs, a wrong reference,
# an object that breaks its batch's link, an xfail that passes, an exclusion, a tolerance line,
# and the --update-manifest round trip. Exit 77 (skipped) without the test data.
set -euo pipefail
runner=$1 data=$2
tests="abs add ceil exp floor neg relu sign sqrt sub"
for t in $tests; do
  if [ ! -f "$data/node/test_$t/model.onnx" ]; then
    echo "SKIPPED: $data/node/test_$t not found (apt-get install libonnx-testdata)"
    exit 77
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data/node"
for t in $tests; do cp -r "$data/node/test_$t" "$tmp/data/node/"; done
chmod -R u+w "$tmp/data"

# test_exp: a wrong reference. Its last float gets the high byte 0x7f: huge, or NaN.
ref=$tmp/data/node/test_exp/test_data_set_0/output_0.pb
printf '\177' | dd of="$ref" bs=1 seek=$(($(stat -c %s "$ref") - 1)) conv=notrunc status=none

# A compiler that breaks chosen tests and otherwise is c++.
cat >"$tmp/cxx" <<'EOF'
#!/bin/sh
out= prev=
for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done
case "$*" in
  *node/test_abs/test_abs.cpp*)
    echo "node/test_abs/test_abs.cpp:1:1: error: injected build failure" >&2
    exit 1 ;;
  *node/test_add/harness.cpp*)
    printf '#include <stdlib.h>\nint test_add_harness() { abort(); }\n' | c++ -x c++ -c - -o "$out"
    exit $? ;;
  *node/test_sub/harness.cpp*)
    printf 'int test_sub_harness() { volatile int x = 0; while (x == 0) {} return 0; }\n' | c++ -x c++ -c - -o "$out"
    exit $? ;;
esac
case " $* " in
  *" -c "*) ;;
  *node/test_sign/*)
    if [ -n "${INJECT_LINK_FAILURE:-}" ]; then
      echo "error: injected link failure" >&2
      exit 1
    fi ;;
esac
exec c++ "$@"
EOF
chmod +x "$tmp/cxx"

cat >"$tmp/manifest.txt" <<'EOF'
exclude   node/test_floor   selftest: an excluded test is not run
xfail     node/test_neg     selftest: passes, so the runner must report XPASS
tolerance node/test_sqrt    rtol=1e-2 atol=0 selftest: a tolerance line
EOF

failures=0
run() {  # run NAME EXPECTED_EXIT [runner options...]
  local name=$1 want=$2
  shift 2
  local rc=0
  CXX=$tmp/cxx "$runner" --data "$tmp/data" --folder node --work "$tmp/work" --timeout 3 --batch-size 20 "$@" >"$tmp/$name.log" 2>&1 || rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAILED: $name exited $rc, expected $want"
    failures=$((failures + 1))
  fi
}
expect() {  # expect NAME TEXT: the run's output holds TEXT
  if ! grep -qF -- "$2" "$tmp/$1.log"; then
    echo "FAILED: $1: no line with: $2"
    failures=$((failures + 1))
  fi
}

run failures 1 --manifest "$tmp/manifest.txt"
expect failures "FAIL    node/test_abs: build: test_abs.cpp: injected build failure"
expect failures "FAIL    node/test_add: the model crashed (signal 6"
expect failures "FAIL    node/test_sub: the model did not finish within 3 s"
expect failures "FAIL    node/test_exp: wrong output 0: 1 of"
expect failures "XPASS   node/test_neg"
expect failures "1 excluded, 0 xfail, 1 xpass"
expect failures "5 passed, 4 failed"

# The same work folder again (the objects are up to date; the programs are removed so they are
# linked again), now with test_sign's object breaking its batch's link: only test_sign fails,
# the others are linked one by one.
rm -rf "$tmp/work/batches"
INJECT_LINK_FAILURE=1 run link 1 --manifest "$tmp/manifest.txt"
expect link "FAIL    node/test_sign: link: injected link failure"
expect link "4 passed, 5 failed"

# --update-manifest turns the failures into xfails with their reasons; the next run passes.
grep -v test_neg "$tmp/manifest.txt" >"$tmp/updated.txt"
run update 0 --manifest "$tmp/updated.txt" --update-manifest
run updated 0 --manifest "$tmp/updated.txt"
expect updated "1 excluded, 4 xfail, 0 xpass"
expect updated "5 passed, 0 failed"
if ! grep -qE '^xfail +node/test_add +the model crashed' "$tmp/updated.txt"; then
  echo "FAILED: the updated manifest lacks an xfail line for node/test_add:"
  cat "$tmp/updated.txt"
  failures=$((failures + 1))
fi

if [ "$failures" != 0 ]; then
  for f in "$tmp"/*.log; do
    echo "=== $f"
    cat "$f"
  done
  exit 1
fi
echo "selftest: ok"
