"""doc_samples.py ONNX2MCU SOURCE_DIR: every transcript quoted in the docs is what the tool prints now.

A transcript is a fenced block whose first line is `$ onnx2mcu ARGS`: ARGS are run (from the
source folder, with the onnx2mcu under test) and their output must equal the rest of the block.
Exit 1 naming each stale block and showing the difference.
"""
import difflib
import glob
import os
import shlex
import subprocess
import sys

gen, src = sys.argv[1], sys.argv[2]
failed = checked = 0
for doc in sorted(glob.glob(os.path.join(src, "docs", "*.md")) + [os.path.join(src, "README.md")]):
    lines = open(doc, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("```") and i + 1 < len(lines) and lines[i + 1].startswith("$ onnx2mcu "):
            end = next(j for j in range(i + 2, len(lines)) if lines[j].startswith("```"))
            args = shlex.split(lines[i + 1][len("$ onnx2mcu "):])
            quoted = lines[i + 2:end]
            run = subprocess.run([gen, *args], cwd=src, capture_output=True, text=True)
            printed = (run.stdout + run.stderr).rstrip("\n").split("\n")
            where = "%s:%d" % (os.path.relpath(doc, src), i + 2)
            checked += 1
            if printed == quoted:
                print("ok    %s: onnx2mcu %s" % (where, " ".join(args)))
            else:
                failed += 1
                print("FAIL  %s: onnx2mcu %s prints something else now; paste its output into the doc:" % (where, " ".join(args)))
                sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(quoted, printed, "quoted", "printed", lineterm=""))
            i = end
        i += 1
if checked == 0:
    print("FAIL  no transcripts found in docs/*.md (blocks starting with '$ onnx2mcu ')")
    sys.exit(1)
sys.exit(1 if failed else 0)
