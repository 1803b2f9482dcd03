#!/usr/bin/env python3
"""bench.py - flash, RAM and instructions of one inference, for every model on every target.

For each model in models/ and ../shared/models that compiles today (the rest are listed as
skipped, with the reason) and each target (host, cortex-m3/m4/m7/m33/m55, riscv32-imac/imafc):

  Cortex-M  (and RISC-V, on QEMU's virt board with templates/targets/riscv)
            `onnx2mcu compile --target CPU`, then a program built with the compiler and flags of
            the <name>_target.txt it writes (the flags verify uses) around one call of
            <name>_run() on inputs of all 1.0. Flash and RAM come from the linker map, split by
            object file: weights = the model's .rodata, code = the model's .text plus the
            library code it pulls in (libm, libgcc: soft float on the M3), arena = the model's
            .bss; the stack is measured by painting (the rig's "[rig] exit=0 stack_peak=N");
            "other" is the rest (startup, rig, the program's I/O buffers). Instructions are the
            QEMU count of the region around the call (tools/count-insns.sh), capped in time.
  host      the same program linked with `g++ -O2 -static`, under valgrind: callgrind's total for
            the whole process (as Z-Ant's table counts) and <name>_run's inclusive count; the
            peak heap from massif and the number of allocations from memcheck, on a twin linked
            dynamically from the same objects (valgrind cannot replace a static malloc).

It writes a Markdown report (default docs/benchmarks.md) with the command that made it; with
--splice, only the sections of the targets measured are replaced in it (e.g. --targets
riscv32-imac,riscv32-imafc --splice renews the RISC-V section and keeps the rest).
Needs python3, valgrind, gcc-arm-none-eabi and qemu-system-arm (RISC-V: gcc-riscv64-unknown-elf,
picolibc-riscv64-unknown-elf, qemu-system-misc). Runs at most --jobs (default 2) builds at a time.
"""
import argparse
import concurrent.futures as cf
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORTEX_M = ROOT / "templates" / "targets" / "cortex-m"
RISCV = ROOT / "templates" / "targets" / "riscv"  # startup and linker scripts; the rest is CORTEX_M's
TARGETS = ["host", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55", "riscv32-imac", "riscv32-imafc"]

# The reference to beat: TensorFlow Lite Micro + CMSIS-NN on the same QEMU rig, instructions of one Invoke() of
# the MLPerf Tiny reference int8 .tflite files (../shared/reference/peers.md, measured 2026-12-06). Same networks
# and MACs as the shared mlperf_tiny_*_qdq / *_qop models.
TFLM_INSNS = {
    "kws_dscnn": {"cortex-m4": 7699794, "cortex-m55": 1815698},
    "vww_mobilenetv1": {"cortex-m4": 24101874, "cortex-m55": 6558238},
    "ic_resnet8": {"cortex-m4": 29863590, "cortex-m55": 4913170},
    "ad_autoencoder": {"cortex-m4": 582898, "cortex-m55": 149973},
}


def tflm_insns(model, target):
    m = re.match(r"mlperf_tiny_(.+)_(qdq|qop)$", model)
    return TFLM_INSNS.get(m.group(1), {}).get(target) if m else None


def is_riscv(target):
    return target.startswith("riscv")


def run(cmd, timeout=None, env=None, cwd=None):
    """Runs cmd (a list); returns (exit code, stdout, stderr). 124 on timeout."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return 124, out, "timed out after %ss" % timeout


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1][:300] if lines else "(no output)"


# ---------------------------------------------------------------------------------------------
# Models


def find_models(shared, only, extra=()):
    dirs = sorted(p.parent for p in (ROOT / "models").glob("*/model.onnx"))
    for folder in [shared, *extra]:
        if folder and folder.is_dir():
            dirs += sorted(p.parent for p in folder.glob("*/model.onnx"))
    return [d for d in dirs if not only or d.name in only]


def varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v, i


def tensor_name_dims(path):
    """(name, dims) of a serialized onnx.TensorProto: reads fields 1 (dims) and 8 (name) only."""
    buf, i, name, dims = path.read_bytes(), 0, "", []
    while i < len(buf):
        key, i = varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
            if field == 1:
                dims.append(v)
        elif wire == 2:
            n, i = varint(buf, i)
            if field == 1:  # packed dims
                j = i
                while j < i + n:
                    v, j = varint(buf, j)
                    dims.append(v)
            elif field == 8:
                name = buf[i:i + n].decode()
            i += n
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        else:
            break
    return name, dims


def inspect(gen, model_dir):
    """(stats, --shape options, None), or (None, [], why). An input with an unknown dim gets the
    shape of its tensor in test_data_set_0, as the e2e tests give it with --shape."""
    shapes, known = [], {}
    for pb in sorted((model_dir / "test_data_set_0").glob("input_*.pb")):
        name, dims = tensor_name_dims(pb)
        known[name] = dims
    while True:
        rc, out, err = run([gen, "inspect", str(model_dir / "model.onnx"), "--json", *shapes], timeout=300)
        if rc == 0:
            return json.loads(out), shapes, None
        m = re.search(r"input '(.+?)' has unknown dim", err)
        if not m or m.group(1) not in known:
            return None, [], last_line(err or out)
        shapes += ["--shape", "%s=%s" % (m.group(1), "x".join(str(d) for d in known.pop(m.group(1))))]


# ---------------------------------------------------------------------------------------------
# The program around the generated code


def bench_main(name, header):
    """main.cpp: inputs of all 1.0, one <name>_run() between the rig's region markers."""
    m = re.search(r"int\s+%s_run\((.*?)\);" % re.escape(name), header, re.S)
    params = [] if not m or m.group(1).strip() == "void" else [p.strip() for p in m.group(1).split(",")]
    upper = name.upper()
    decls, fills, args = [], [], []
    n_in = n_out = 0
    for p in params:
        is_input = p.startswith("const ")
        ctype = p[len("const "):] if is_input else p
        ctype = ctype[: ctype.index("*")].strip()
        if is_input:
            var, macro = "in%d" % n_in, "%s_INPUT_%d_ELEMS" % (upper, n_in)
            n_in += 1
            fills.append("  for (unsigned i = 0; i < %s; ++i) %s[i] = static_cast<%s>(1);" % (macro, var, ctype))
        else:
            var, macro = "out%d" % n_out, "%s_OUTPUT_%d_ELEMS" % (upper, n_out)
            n_out += 1
        decls.append("%s %s[%s > 0 ? %s : 1];" % (ctype, var, macro, macro))
        args.append(var)
    return (
        "// main.cpp - generated by bench/bench.py: one inference on inputs of all 1.0.\n"
        '#include "%s.h"\n#include "rig.h"\n\nnamespace {\n%s\n}  // namespace\n\n'
        "int main() {\n%s\n  rig_region_begin();\n  const int rc = %s_run(%s);\n  rig_region_end();\n"
        '  rig_puts(rc == 0 ? "bench: ok\\n" : "bench: run failed\\n");\n  return rc;\n}\n'
    ) % (name, "\n".join(decls), "\n".join(fills), name, ", ".join(args))


def read_target_file(path):
    fields = {}
    for line in path.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, _, value = line.partition(" ")
        fields[key] = value.strip()
    return fields


# ---------------------------------------------------------------------------------------------
# Linker map: bytes per (output section, object kind)


def object_kind(path):
    base = os.path.basename(path)
    if base == "model.o":
        return "model"
    if "(" in base or base.endswith(".a"):
        return "lib"
    return "runtime"  # startup.o, syscalls.o, rig.o, main.o, linker stubs


def parse_map(text):
    """{(output section, kind): bytes} from a GNU ld map (input sections after the memory map)."""
    sizes = {}
    start = text.find("Linker script and memory map")
    out_sec, pending = None, None
    for line in text[start:].splitlines():
        m = re.match(r"^(\.[\w.]+|/DISCARD/)(\s|$)", line)
        if m:
            out_sec, pending = m.group(1), None
            continue
        m = re.match(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if not m and pending:
            m2 = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if m2:
                m = (pending, m2.group(1), m2.group(2), m2.group(3))
            pending = None
        elif m:
            m = m.groups()
        else:
            m1 = re.match(r"^ ((?:\.|COMMON)\S*)\s*$", line)
            pending = m1.group(1) if m1 else None
            continue
        if not m or out_sec in (None, "/DISCARD/") or m[0].startswith("*"):
            continue
        size = int(m[2], 16)
        if size:
            key = (out_sec, object_kind(m[3]))
            sizes[key] = sizes.get(key, 0) + size
    return sizes


def split_sizes(sizes):
    get = lambda sec, kind: sizes.get((sec, kind), 0)
    flash_secs = [".vectors", ".text", ".rodata", ".init_array", ".ARM.extab", ".ARM.exidx", ".data"]  # both families
    ram_secs = [".data", ".bss"]
    weights = get(".rodata", "model")
    code = get(".text", "model") + get(".text", "lib") + get(".rodata", "lib")
    flash_total = sum(v for (s, _), v in sizes.items() if s in flash_secs)
    arena = get(".bss", "model")
    ram_other = sum(v for (s, _), v in sizes.items() if s in ram_secs) - arena - get(".data", "model")
    return {"weights": weights, "code": code, "flash_other": flash_total - weights - code,
            "arena": arena + get(".data", "model"), "ram_other": ram_other}


# ---------------------------------------------------------------------------------------------
# One model on one target


class Runtime:
    """The runtime objects (Cortex-M or RISC-V), compiled once per board."""

    def __init__(self, work):
        self.work, self.lock, self.done = work, threading.Lock(), {}

    def objects(self, board, gcc, cflags):
        with self.lock:
            if board in self.done:
                return self.done[board]
            d = self.work / ("runtime-" + board)
            d.mkdir(parents=True, exist_ok=True)
            objs = []
            for f in ("startup", "syscalls", "rig"):
                o = d / (f + ".o")
                src = RISCV / "startup.c" if f == "startup" and gcc.startswith("riscv") else CORTEX_M / (f + ".c")
                rc, out, err = run([gcc, *cflags, "-I" + str(CORTEX_M), "-std=c11", "-O2", "-ffunction-sections", "-fdata-sections",
                                    "-c", str(src), "-o", str(o)])
                if rc:
                    raise RuntimeError("runtime %s.c: %s" % (f, last_line(err)))
                objs.append(str(o))
            self.done[board] = objs
            return objs


def compile_model(args, model_dir, shapes, target, d):
    gen_dir = d / "gen"
    rc, out, err = run([args.onnx2mcu, "compile", str(model_dir / "model.onnx"), "-o", str(gen_dir), "--target", target,
                        "--optimize", args.optimize, "--quiet", *shapes], timeout=300)
    if rc:
        raise RuntimeError("compile: " + last_line(err or out))
    tf = next(gen_dir.glob("*_target.txt"))
    name = tf.name[: -len("_target.txt")]
    (d / "main.cpp").write_text(bench_main(name, (gen_dir / (name + ".h")).read_text()))
    return name, gen_dir, read_target_file(tf)


def bench_cortex_m(args, model_dir, shapes, target, runtime):
    d = args.work / model_dir.name / target
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    name, gen_dir, tf = compile_model(args, model_dir, shapes, target, d)
    board = tf["target"]
    cxx, cxxflags, ldflags = tf["cxx"], shlex.split(tf["cxxflags"]), shlex.split(tf["ldflags"])
    core = [f for f in cxxflags if f.startswith(("-mcpu", "-mfpu", "-mfloat-abi", "-mthumb", "-march", "-mabi", "--specs"))]
    gcc, ld = cxx[: -len("g++")] + "gcc", tf.get("ld", cxx)  # RISC-V links with gcc (picolibc has no libstdc++)
    scripts = RISCV if is_riscv(target) else CORTEX_M
    inc = ["-I" + str(gen_dir), "-I" + str(CORTEX_M)]
    for src, obj in ((gen_dir / (name + ".cpp"), d / "model.o"), (d / "main.cpp", d / "main.o")):
        rc, out, err = run([cxx, *cxxflags, *inc, "-c", str(src), "-o", str(obj)], timeout=900)
        if rc:
            raise RuntimeError("build: " + last_line(err))
    elf = d / "bench.elf"
    rc, out, err = run([ld, *core, str(d / "model.o"), str(d / "main.o"), *runtime.objects(board, gcc, core), "-L" + str(scripts),
                        *ldflags, "-Wl,-Map=" + str(d / "bench.map"), "-o", str(elf)])
    if rc:
        raise RuntimeError("link: " + last_line(err))
    r = split_sizes(parse_map((d / "bench.map").read_text()))
    r["board"] = board
    env = dict(os.environ, QEMU_TIMEOUT=str(args.qemu_timeout))
    t0 = time.time()
    rc, out, err = run([str(ROOT / "tools" / "count-insns.sh"), str(elf), board], env=env, timeout=args.qemu_timeout + 30)
    r["seconds"] = time.time() - t0
    if rc == 124:
        r["note"] = "QEMU capped at %ds" % args.qemu_timeout
        return r
    if rc or "bench: ok" not in out:
        raise RuntimeError("run (exit %d): %s" % (rc, last_line(out + err)))
    m = re.search(r"^region 0 insns=(\d+)", out, re.M)
    r["insns"] = int(m.group(1)) if m else None
    m = re.search(r"stack_peak=(\d+)", out)
    r["stack"] = int(m.group(1)) if m else None
    return r


def bench_host(args, model_dir, shapes, target, _runtime):
    d = args.work / model_dir.name / target
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    name, gen_dir, tf = compile_model(args, model_dir, shapes, target, d)
    cxx = os.environ.get("CXX", "g++")
    cxxflags = shlex.split(tf["cxxflags"])
    inc = ["-I" + str(gen_dir), "-I" + str(CORTEX_M)]
    steps = [
        [cxx, *cxxflags, *inc, "-c", str(gen_dir / (name + ".cpp")), "-o", str(d / "model.o")],
        [cxx, *cxxflags, *inc, "-c", str(d / "main.cpp"), "-o", str(d / "main.o")],
        [os.environ.get("CC", "gcc"), "-std=c11", "-O2", "-I" + str(CORTEX_M), "-c", str(ROOT / "bench" / "rig_host_quiet.c"),
         "-o", str(d / "rig.o")],
        [cxx, "-O2", "-static", str(d / "model.o"), str(d / "main.o"), str(d / "rig.o"), "-o", str(d / "bench_host")],
        # valgrind cannot replace malloc in a static executable: the heap is measured on a twin
        # linked dynamically from the same objects.
        [cxx, "-O2", str(d / "model.o"), str(d / "main.o"), str(d / "rig.o"), "-o", str(d / "bench_host_dynamic")],
    ]
    for cmd in steps:
        rc, out, err = run(cmd, timeout=900)
        if rc:
            raise RuntimeError("build: " + last_line(err))
    exe = str(d / "bench_host")
    rc, out, err = run([exe], timeout=60)
    if rc or "bench: ok" not in out:
        raise RuntimeError("run (exit %d): %s" % (rc, last_line(out + err)))
    r = {"board": "host"}
    cg = str(d / "callgrind.out")
    rc, out, err = run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg, exe], timeout=args.valgrind_timeout)
    m = re.search(r"Collected : (\d+)", err)
    if rc or not m:
        raise RuntimeError("callgrind (exit %d): %s" % (rc, last_line(err)))
    r["process_insns"] = int(m.group(1))
    rc, out, err = run(["callgrind_annotate", "--inclusive=yes", cg])
    m = re.search(r"^\s*([\d,]+) \([^)]*\)\s+\S*:%s_run\b" % re.escape(name), out, re.M) or \
        re.search(r"^\s*([\d,]+)\s+\S*:%s_run\b" % re.escape(name), out, re.M)
    r["insns"] = int(m.group(1).replace(",", "")) if m else None
    ms, exe = str(d / "massif.out"), str(d / "bench_host_dynamic")
    rc, out, err = run(["valgrind", "--tool=massif", "--massif-out-file=" + ms, exe],
                       timeout=args.valgrind_timeout)
    if rc:
        raise RuntimeError("massif (exit %d): %s" % (rc, last_line(err)))
    r["heap_peak"] = max([int(v) for v in re.findall(r"^mem_heap_B=(\d+)", Path(ms).read_text(), re.M)] or [0])
    rc, out, err = run(["valgrind", "--tool=memcheck", exe], timeout=args.valgrind_timeout)
    m = re.search(r"total heap usage: ([\d,]+) allocs", err)
    if rc or not m:
        raise RuntimeError("memcheck (exit %d): %s" % (rc, last_line(err)))
    r["allocs"] = int(m.group(1).replace(",", ""))
    return r


# ---------------------------------------------------------------------------------------------
# Report


def fmt_int(v):
    return "—" if v is None else "{:,}".format(v)


def per_mac(insns, macs):
    return "—" if not insns or not macs else "%.2f" % (insns / macs)


def qemu_section(args, models, results, title, notes, wanted):
    """One table of QEMU rows: the targets for which wanted(t) holds; nothing when none was run."""
    targets = [t for t in args.targets if wanted(t)]
    if not targets:
        return []
    L = ["", title, ""] + [n + "\n" for n in notes] + [
        "| model | target (board) | flash weights B | flash code B | flash other B | RAM arena B | stack B | RAM other B | insns | insns/MAC | TFLM insns | x TFLM |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for m in models:
        for t in targets:
            r = results.get((m, t))
            if r is None:
                continue
            insns = fmt_int(r.get("insns")) if "note" not in r else r["note"]
            tflm = tflm_insns(m, t)
            ratio = "%.2f" % (r["insns"] / tflm) if tflm and r.get("insns") else ""
            L.append("| %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                m, t, r["board"], fmt_int(r["weights"]), fmt_int(r["code"]), fmt_int(r["flash_other"]), fmt_int(r["arena"]),
                fmt_int(r.get("stack")), fmt_int(r["ram_other"]), insns, per_mac(r.get("insns"), args.stats[m]["macs"]),
                fmt_int(tflm) if tflm else "", ratio))
    return L


def sections(text):
    """{"## title": its lines up to the next "## "} of a Markdown report, and the titles in order."""
    out, order, cur = {}, [], None
    for line in text.splitlines():
        if line.startswith("## "):
            cur = line.split(" (")[0]
            order.append(cur)
            out[cur] = []
        if cur:
            out[cur].append(line)
    return out, order


def splice(old, new, targets, command):
    """old with the QEMU sections of new put in (replacing theirs, or appended before "Not measured"),
    and the failures of the measured targets in "Not measured" replaced by new's."""
    new_secs, new_order = sections(new)
    old_secs, old_order = sections(old)
    head = old[: old.index("\n## ") + 1] if "\n## " in old else old
    measured = [t for t in new_order if t not in ("## Host", "## Not measured")]
    for t in measured:
        new_secs[t][1:1] = ["", "Made with `%s`." % command]
    ours = lambda line: any(" on %s:" % t in line for t in targets)
    missing = [l for l in old_secs.get("## Not measured", []) if l.startswith("- ") and not ours(l)]
    missing += [l for l in new_secs.get("## Not measured", []) if l.startswith("- ") and ours(l)]
    body = []
    for t in [t for t in old_order if t != "## Not measured"] + [t for t in measured if t not in old_order]:
        body += (new_secs if t in measured else old_secs)[t]
    if missing:
        body += ["## Not measured", ""] + missing
    return head + "\n".join(body).rstrip("\n") + "\n"


def report(args, models, results, skipped, failures, elapsed, command):
    L = ["# Benchmarks", "",
         "<!-- Generated by bench/bench.py; do not edit. -->", "",
         "Made with (%.0f s on this machine, 2 cores shared; `cmake --build build --target bench` runs the same):" % elapsed,
         "", "```sh", command, "```", "",
         "Per node on a Cortex-M board: `python3 bench/profile_nodes.py --onnx2mcu build/src/onnx2mcu MODEL.onnx --target cortex-m4`.", "",
         "One inference with every input element 1.0 (as Z-Ant's table). MACs from `onnx2mcu inspect --json`. "
         "Cortex-M: `-O2`, flags from `onnx2mcu compile --target` (`<name>_target.txt`), instructions counted by "
         "QEMU between the rig's region markers (instructions, not cycles). Flash is split from the linker map: "
         "*weights* = the model's `.rodata`; *code* = the model's `.text` plus the library code it calls "
         "(libm, libgcc; on the M3 the soft-float routines); *other* = startup, rig, the program. RAM: *arena* = "
         "the model's `.bss`; *stack* = peak of the whole program by stack painting; *other* = the program's input/output "
         "buffers and the runtime's variables. *TFLM insns*: TensorFlow Lite Micro + CMSIS-NN on the same rig "
         "(`../shared/reference/peers.md`); *x TFLM* = ours / theirs (issue 16's goal: at most 0.8).", "",
         "Kernels: `--optimize %s`%s." % (args.optimize, " (the default)" if args.optimize == "speed" else
                                         ": compact generic kernels; the default speed mode is in docs/benchmarks.md"), ""]
    L += ["## Host (x86-64, `g++ -O2 -static`, valgrind)", "",
          "Instructions: callgrind on the static executable (whole process, and `<name>_run()` inclusive). "
          "Heap: massif (peak) and memcheck (allocation count) on the same objects linked dynamically, because "
          "valgrind cannot intercept `malloc` in a static executable. The program prints with `write(2)`, not stdio, "
          "so the count is the model's own.", "",
          "| model | MACs | process insns | `run()` insns | insns/MAC | peak heap B | allocations |",
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for m in models:
        r = results.get((m, "host"))
        if r is None:
            continue
        L.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            m, fmt_int(args.stats[m]["macs"]), fmt_int(r["process_insns"]), fmt_int(r["insns"]),
            per_mac(r["insns"], args.stats[m]["macs"]), fmt_int(r["heap_peak"]), fmt_int(r["allocs"])))
    L += qemu_section(args, models, results, "## Cortex-M (QEMU)", [], lambda t: t != "host" and not is_riscv(t))
    L += qemu_section(args, models, results, "## RISC-V (QEMU virt board, `-bios none`)", [
        "RV32 with the portable kernels (no vendor extensions), `riscv64-unknown-elf-gcc` and picolibc, the runtime of "
        "`templates/targets/riscv`. **riscv32-imac has no FPU: its float models run in soft float** (libgcc's "
        "`__addsf3`/`__mulsf3`..., counted in *code*); riscv32-imafc runs them on its single-precision FPU."], is_riscv)
    if skipped or failures:
        L += ["", "## Not measured", ""]
        for m, why in skipped:
            L.append("- %s: does not compile today: %s" % (m, why.replace("|", "/")))
        for (m, t), why in sorted(failures.items()):
            L.append("- %s on %s: %s" % (m, t, why.replace("|", "/")))
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--onnx2mcu", required=True, help="the generator executable")
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "models"), help="folder of the shared models")
    ap.add_argument("--targets", default=",".join(TARGETS), help="comma-separated (default: %(default)s)")
    ap.add_argument("--models", default="", help="comma-separated model folder names (default: all)")
    ap.add_argument("--extra-models", action="append", default=[],
                    help="another folder of model folders, e.g. the tool-quantized ones tests/quantize/shared_models.py "
                         "writes to WORK/bench (repeatable)")
    ap.add_argument("--work", default=str(ROOT / "build" / "bench"), help="build folder (kept)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"), help="Markdown report to write")
    ap.add_argument("--jobs", type=int, default=2, help="builds at a time (default 2; this machine is shared)")
    ap.add_argument("--qemu-timeout", type=int, default=60, help="seconds one QEMU run may take (default 60)")
    ap.add_argument("--valgrind-timeout", type=int, default=300, help="seconds one valgrind run may take")
    ap.add_argument("--optimize", choices=["speed", "size"], default="speed", help="onnx2mcu compile --optimize (default: speed)")
    ap.add_argument("--splice", action="store_true", help="replace only the measured targets' sections of --out")
    args = ap.parse_args()
    args.work = Path(args.work).resolve()
    args.targets = [t for t in args.targets.split(",") if t]
    # Paths inside the checkout are shown relative to it: the command works from its root.
    rel = lambda a: a[len(str(ROOT)) + 1:] if a.startswith(str(ROOT) + "/") else a
    command = "python3 bench/bench.py " + " ".join(shlex.quote(rel(a)) for a in sys.argv[1:])
    start = time.time()

    args.stats, skipped, models, shapes = {}, [], [], {}
    for d in find_models(Path(args.shared), set(filter(None, args.models.split(","))), [Path(e) for e in args.extra_models]):
        stats, shapes[d.name], why = inspect(args.onnx2mcu, d)
        if stats is None:
            skipped.append((d.name, why))
            print("skip %-36s %s" % (d.name, why), flush=True)
            continue
        args.stats[d.name] = stats
        models.append(d)

    runtime = Runtime(args.work)
    results, failures = {}, {}
    jobs = [(d, t) for d in models for t in args.targets]
    # Big models first, so the two workers finish together.
    jobs.sort(key=lambda j: -args.stats[j[0].name]["weight_bytes"] - 10 * args.stats[j[0].name]["macs"])
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(bench_host if t == "host" else bench_cortex_m, args, d, shapes[d.name], t, runtime): (d.name, t)
                   for d, t in jobs}
        for f in cf.as_completed(futures):
            key = futures[f]
            try:
                results[key] = f.result()
                r = results[key]
                print("done %-36s %-10s insns %s" % (key[0], key[1], r.get("insns", r.get("note"))), flush=True)
            except Exception as e:  # noqa: BLE001 - every failure is reported in the table
                failures[key] = str(e)
                print("FAIL %-36s %-10s %s" % (key[0], key[1], e), flush=True)
    names = [d.name for d in models]
    text = report(args, names, results, skipped, failures, time.time() - start, command)
    if args.splice and Path(args.out).exists():
        text = splice(Path(args.out).read_text(), text, [t for t in args.targets if t != "host"], command)
    Path(args.out).write_text(text)
    print("wrote %s (%.0f s)" % (args.out, time.time() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
