#!/usr/bin/env python3
"""footprint_report.py ONNX2MCU MODEL_DIR [--shape ...]: the report of `inspect --target cortex-m4`
(issue 17 item 4) against arm-none-eabi-size of the programs it built and kept, and its JSON's
own sums: flash = code + weights + rodata + data = the program's growth in text + data; static
RAM = the growth in data + bss = arena + I/O buffers (+ alignment); the stack as `inspect
--stack` reports it; per-node MACs adding up to the total; shapes as arrays; inputs/outputs as
the model declares them. The HTML marks the peak step and labels steps.
Exit 77 when arm-none-eabi-g++ or the model is missing."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import onnx


def run(*args, stderr=False):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("FAIL: %s exited %d:\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return (r.stdout, r.stderr) if stderr else r.stdout


def size(elf):  # text, data, bss as arm-none-eabi-size prints them
    return [int(v) for v in run("arm-none-eabi-size", elf).splitlines()[1].split()[:3]]


def check(ok, what):
    if not ok:
        sys.exit("FAIL: " + what)
    print("ok   " + what)


def main():
    gen, model_dir, extra = os.path.realpath(sys.argv[1]), sys.argv[2], sys.argv[3:]
    model = os.path.join(model_dir, "model.onnx")
    if not os.path.isfile(model):
        print("SKIPPED: %s not found" % model)
        return 77
    if not shutil.which("arm-none-eabi-g++"):
        print("SKIPPED: arm-none-eabi-g++ not found")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        keep, html = os.path.join(tmp, "keep"), os.path.join(tmp, "report.html")
        # With --json, --stack's report goes to stderr: the same build's worst case, measured on its own.
        out, stack = run(gen, "inspect", model, "--target", "cortex-m4", "--json", "--stack", "--keep", keep, "--report", html, *extra, stderr=True)
        r = json.loads(out)
        fp = r["footprint"]
        print(json.dumps(fp))
        full, base = size(os.path.join(keep, "model.elf")), size(os.path.join(keep, "baseline.elf"))
        grew = [a - b for a, b in zip(full, base)]
        check(fp["flash_bytes"] == grew[0] + grew[1], "flash %d B = the program's growth in text + data (arm-none-eabi-size)" % fp["flash_bytes"])
        check(fp["flash_bytes"] == fp["code_bytes"] + fp["weight_bytes"] + fp["rodata_bytes"] + fp["data_bytes"], "flash = code + weights + rodata + data")
        check(fp["code_bytes"] > 0 and fp["rodata_bytes"] >= 0, "code %d B, other rodata %d B" % (fp["code_bytes"], fp["rodata_bytes"]))
        check(fp["weight_bytes"] == r["weight_bytes"], "weights as emitted: %d B" % r["weight_bytes"])
        header = open(os.path.join(keep, "gen", r["name"] + ".h")).read()
        m = re.search(r"#define \w+_WEIGHT_BYTES (\d+)u", header)
        check(m and int(m.group(1)) == r["weight_bytes"], "weights = the header's _WEIGHT_BYTES")
        check(sum(n["weight_bytes"] for n in r["nodes"]) == r["weight_bytes"], "the nodes' weight bytes add up to the emitted weights")
        check(fp["static_ram_bytes"] == grew[1] + grew[2], "static RAM %d B = the growth in data + bss" % fp["static_ram_bytes"])
        io = sum(v["bytes"] for v in r["inputs"] + r["outputs"])
        check(fp["io_bytes"] == io and fp["arena_bytes"] == r["arena_bytes"], "I/O %d B and arena %d B as the model declares them" % (io, r["arena_bytes"]))
        other = fp["static_ram_bytes"] - fp["arena_bytes"] - fp["io_bytes"]
        check(0 <= other < 256, "static RAM = arena + I/O + %d B of library data (errno) and alignment" % other)
        worst = int(re.search(r"worst case +(\d+) B", stack).group(1))
        check(fp["stack_bytes"] == worst > 0, "stack %d B = inspect --stack's worst case" % worst)
        check(fp["ram_bytes"] == fp["static_ram_bytes"] + fp["stack_bytes"], "RAM = static + stack")
        check(sum(n["macs"] for n in r["nodes"]) == r["macs"] > 0, "per-node MACs add up to %d" % r["macs"])
        check(all(n["shape"] is None or (isinstance(n["shape"], list) and all(isinstance(d, int) for d in n["shape"])) for n in r["nodes"]), "shapes are arrays")
        g = onnx.load(model).graph
        check([v["name"] for v in r["inputs"]] == [v.name for v in g.input if v.name not in {i.name for i in g.initializer}]
              and [v["name"] for v in r["outputs"]] == [v.name for v in g.output], "inputs and outputs as the model declares them")
        page = open(html).read()
        check("peak: step %d" % r["peak_step"] in page and "On mps2-an386" in page and "overflow-wrap" in page, "HTML: peak step %d, footprint, wrapped names" % r["peak_step"])
        check(re.search(r"<text [^>]*text-anchor=\"middle\">0</text>", page) is not None, "HTML: step ticks")
        text = run(gen, "inspect", model, "--target", "cortex-m4", *extra)
        check("flash          %d B" % fp["flash_bytes"] in text and "RAM            %d B" % fp["ram_bytes"] in text, "the text report gives the same totals")
    return 0


if __name__ == "__main__":
    sys.exit(main())
