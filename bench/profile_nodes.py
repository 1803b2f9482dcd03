#!/usr/bin/env python3
"""profile_nodes.py - instructions per node of one inference on a Cortex-M board.

    python3 bench/profile_nodes.py --onnx2mcu build/src/onnx2mcu MODEL.onnx --target cortex-m4 [--shape ...]

Compiles the model with `--target`, puts a rig region around every node's kernel call in a copy
of the generated .cpp, builds it with the flags of <name>_target.txt and the bench program
(inputs of all 1.0), and prints one row per node: op, MACs (from `onnx2mcu inspect`), QEMU
instructions and instructions per MAC. On the host, callgrind_annotate on the callgrind.out that
bench.py keeps gives the same per kernel. For finding where time goes; bench.py gives totals.
"""
import argparse
import os
import re
import shlex
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402


def node_macs(gen, model, shapes):
    rc, out, err = bench.run([gen, "inspect", model, *shapes])
    if rc:
        sys.exit(err)
    macs = {}
    for line in out.splitlines():
        m = re.match(r"^\s*(\d+)\s+\S.*\s(\d+)\s*$", line)
        if m:
            macs[int(m.group(1))] = int(m.group(2))
    return macs


def instrument(cpp):
    """Wraps each node's block `  {\\n ... \\n  }` in rig_region_begin/end; returns (text, steps)."""
    out, steps, step = [], [], None
    lines = cpp.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^  // (\d+) (.*)$", line)
        if m:
            step = (int(m.group(1)), m.group(2))
        if line == "  {" and step is not None:
            out.append("  rig_region_begin();")
            steps.append(step)
        out.append(line)
        if line == "  }" and step is not None:
            out.append("  rig_region_end();")
    text = "\n".join(out) + "\n"
    return text.replace('#include "', '#include "rig.h"\n#include "', 1), steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--onnx2mcu", required=True)
    ap.add_argument("model")
    ap.add_argument("--target", default="cortex-m4")
    ap.add_argument("--shape", action="append", default=[])
    ap.add_argument("--disable-pass", action="append", default=[], help="passed on to onnx2mcu (repeatable)")
    ap.add_argument("--opt", default="-O2", help="replaces -O2 in the target's flags")
    args = ap.parse_args()
    shapes = [a for s in args.shape for a in ("--shape", s)]
    shapes += [a for p in args.disable_pass for a in ("--disable-pass", p)]
    work = Path(tempfile.mkdtemp(prefix="o2m-prof-"))
    gen_dir = work / "gen"
    rc, out, err = bench.run([args.onnx2mcu, "compile", args.model, "-o", str(gen_dir), "--target", args.target, "-q", *shapes])
    if rc:
        sys.exit(err)
    tf_path = next(gen_dir.glob("*_target.txt"))
    name = tf_path.name[: -len("_target.txt")]
    tf = bench.read_target_file(tf_path)
    cpp = gen_dir / (name + ".cpp")
    text, steps = instrument(cpp.read_text())
    cpp.write_text(text)
    main_cpp = bench.bench_main(name, (gen_dir / (name + ".h")).read_text())
    main_cpp = main_cpp.replace("  rig_region_begin();\n", "").replace("  rig_region_end();\n", "")
    (work / "main.cpp").write_text(main_cpp)
    flags = [args.opt if f == "-O2" else f for f in shlex.split(tf["cxxflags"])]
    inc = ["-I" + str(gen_dir), "-I" + str(bench.CORTEX_M)]
    if tf["target"] == "host":
        sys.exit("profile_nodes.py: Cortex-M targets only; on the host, run callgrind_annotate on bench.py's callgrind.out")
    rt = bench.Runtime(work).objects(tf["target"], [f for f in flags if f.startswith("-m")])
    elf = work / "prog.elf"
    rc, out, err = bench.run([tf["cxx"], *flags, *inc, str(cpp), str(work / "main.cpp"), *rt, "-L" + str(bench.CORTEX_M),
                              *shlex.split(tf["ldflags"]), "-o", str(elf)])
    if rc:
        sys.exit(err)
    env = dict(os.environ, QEMU_TIMEOUT="600")
    rc, out, err = bench.run([str(bench.ROOT / "tools" / "count-insns.sh"), str(elf), tf["target"]], env=env)
    if rc:
        sys.exit("run failed (exit %d): %s" % (rc, bench.last_line(out + err)))
    counts = [int(v) for v in re.findall(r"^region \d+ insns=(\d+)", out, re.M)]
    macs = node_macs(args.onnx2mcu, args.model, shapes)
    total = sum(counts)
    total_macs = sum(macs.get(s, 0) for s, _ in steps)
    print("%s on %s (%s): %s instructions in node kernels, %s MACs, %.2f per MAC" % (
        name, args.target, tf["target"], "{:,}".format(total), "{:,}".format(total_macs), total / max(1, total_macs)))
    print("%5s  %-60s %12s %12s %7s %6s" % ("step", "node", "MACs", "insns", "/MAC", "share"))
    for (step, what), n in zip(steps, counts):
        mac = macs.get(step, 0)
        print("%5d  %-60s %12s %12s %7s %5.1f%%" % (step, what[:60], "{:,}".format(mac), "{:,}".format(n),
                                                   "%.2f" % (n / mac) if mac else "-", 100.0 * n / max(1, total)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
