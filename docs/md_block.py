#!/usr/bin/env python3
"""Replaces, or checks, one generated block of a Markdown file.

    md_block.py [--check | --append] FILE BEGIN [END] < CONTENT

The block is the lines strictly between the line BEGIN and the next line END
(default "<!-- end -->"); the markers stay. Several tools keep blocks of their
own in one file this way (docs/generate.sh, bench/run.sh), each with its own
BEGIN line.

  (none)    replace the block with CONTENT
  --check   change nothing; if the block differs from CONTENT, print a
            unified diff (block -> CONTENT) and exit 1
  --append  as without options, but a FILE without the BEGIN line (or no FILE
            at all) gets BEGIN, CONTENT and END added at its end

Exit status: 0 done or up to date, 1 --check found a difference, 2 bad usage
or a FILE without both markers.
"""
import difflib
import os
import sys


def main(argv):
    mode = None
    if argv and argv[0] in ("--check", "--append"):
        mode = argv.pop(0)
    if len(argv) not in (2, 3) or argv[0].startswith("-"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, begin = argv[0], argv[1]
    end = argv[2] if len(argv) == 3 else "<!-- end -->"
    content = sys.stdin.read()
    if content and not content.endswith("\n"):
        content += "\n"
    text = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
    lines = text.splitlines(keepends=True)
    try:
        b = next(i for i, l in enumerate(lines) if l.rstrip("\n") == begin)
    except StopIteration:
        if mode != "--append":
            print(f"md_block: {path}: no line '{begin}'", file=sys.stderr)
            return 2
        sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        new = text + sep + begin + "\n" + content + end + "\n"
    else:
        try:
            e = next(i for i in range(b + 1, len(lines)) if lines[i].rstrip("\n") == end)
        except StopIteration:
            print(f"md_block: {path}:{b + 1}: no line '{end}' after '{begin}'", file=sys.stderr)
            return 2
        old = "".join(lines[b + 1:e])
        if mode == "--check":
            if old == content:
                return 0
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(keepends=True), content.splitlines(keepends=True),
                f"{path} (block after line {b + 1})", "generated from the code"))
            return 1
        new = "".join(lines[:b + 1]) + content + "".join(lines[e:])
    if new != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
