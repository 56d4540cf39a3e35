#!/usr/bin/env python3
"""Fails when a file in lib/ includes a header from a layer above its own.

Each folder of lib/ has a README.md whose line "May include: a, b" names the
folders its files may include besides their own; "May include: nothing"
means only the folder itself. The check reads those lines, so the READMEs
document the rule that this enforces. Prints one line per violation,
"FILE:LINE: folder/header.h is not below FOLDER", and exits 1 if any.

  check_layers.py [ROOT]       check ROOT/lib (default: this repository)
  check_layers.py --self-test  check that an upward include in a made-up tree is caught
"""
import os
import re
import subprocess
import sys
import tempfile

include = re.compile(r'^\s*#\s*include\s+"([a-z]+)/([^"]+)"')
may = re.compile(r"^May include:\s*(.*)$", re.M)


def self_test():
    with tempfile.TemporaryDirectory() as root:
        for folder, rule, text in (("low", "nothing", '#include "high/h.h"\n'),
                                   ("high", "low", '#include "low/l.h"\n')):
            os.makedirs(os.path.join(root, "lib", folder))
            with open(os.path.join(root, "lib", folder, "README.md"), "w") as f:
                f.write(f"# {folder}\n\nMay include: {rule}\n")
            with open(os.path.join(root, "lib", folder, "x.c"), "w") as f:
                f.write(text)
        r = subprocess.run([sys.executable, __file__, root], capture_output=True, text=True)
        want = "lib/low/x.c:1: high/h.h is not below low"
        if r.returncode != 1 or want not in r.stdout or "lib/high" in r.stdout:
            print(f"self-test: expected exit 1 and only '{want}', got {r.returncode}:\n{r.stdout}")
            return 1
    print("self-test: an upward include is caught, a downward one is not")
    return 0


if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
    sys.exit(self_test())
root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
lib = os.path.join(root, "lib")
allowed = {}
problems = []
for folder in sorted(os.listdir(lib)):
    path = os.path.join(lib, folder)
    if not os.path.isdir(path):
        continue
    readme = os.path.join(path, "README.md")
    if not os.path.exists(readme):
        problems.append(f"lib/{folder}: no README.md saying what it may include")
        continue
    m = may.search(open(readme).read())
    if not m:
        problems.append(f"lib/{folder}/README.md: no 'May include:' line")
        continue
    names = [n.strip() for n in m.group(1).split(",") if n.strip() and n.strip() != "nothing"]
    allowed[folder] = set(names) | {folder}

for folder, ok in allowed.items():
    for unknown in ok - set(allowed):
        problems.append(f"lib/{folder}/README.md: 'May include' names no folder '{unknown}'")
    for dirpath, _, files in os.walk(os.path.join(lib, folder)):
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            with open(path) as f:
                for n, line in enumerate(f, 1):
                    m = include.match(line)
                    if m and m.group(1) not in ok:
                        problems.append(f"{rel}:{n}: {m.group(1)}/{m.group(2)} is not below {folder}")

for p in problems:
    print(p)
print(f"layers: {len(allowed)} folders, {len(problems)} problems")
sys.exit(1 if problems else 0)
