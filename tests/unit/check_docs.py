#!/usr/bin/env python3
"""Fails when the docs and the code disagree.

  check_docs.py PORTCULLIS ROOT              check the repository at ROOT
  check_docs.py --self-test PORTCULLIS ROOT  check that each kind of
                                             disagreement, made in a copy of
                                             ROOT, is caught

Checks, printing one line per problem ("FILE:LINE: problem") and exiting 1
if there is any:
  - the generated blocks (portcullis --help in README.md, --list-config-keys
    in docs/configuration.md, --list-counters in docs/operations.md) are what
    the built server prints: docs/generate.sh --check, which shows a diff;
  - conf/portcullis.conf shows every config key of the code, and no other
    (a key it leaves at its default is commented out as ";key = value", a
    [listen:PORT] and [service:PORT] examples as ";[listen:8080]");
  - every Markdown file's links to files resolve inside ROOT, anchors
    included;
  - every `section.key` and `key = value` (a one-word value) in inline code
    names a real key, and every `drop_REASON` and `state_STATE` a real
    counter, those two placeholders themselves aside;
  - README.md stays under 200 lines.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

README_MAX = 200
# A section or key line, or one commented out with ";" and no space (";app = http");
# "; text" is prose.
SECTION = re.compile(r"^;?\[([^\]]+)\]\s*$")
CONF_KEY = re.compile(r"^(?:;|\s*)([a-z_][a-z0-9_]*)\s*=")
# What the docs write for any key or state.
PLACEHOLDERS = {"key = value", "state_STATE"}
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
REF_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)")
CODE = re.compile(r"`([^`\n]+)`")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def table_names(text):
    """The first column of a generated table's rows, without backticks."""
    return [m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", text, re.M)]


def listing(binary, option):
    r = subprocess.run([binary, option], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"check_docs: {binary} {option} failed: {r.stderr.strip()}")
    return table_names(r.stdout)


def md_files(root):
    """Every Markdown file of the repository: not in build directories or .git."""
    for top, dirs, files in os.walk(root):
        if top == root:
            dirs[:] = [d for d in dirs if not d.startswith(("build", "."))]
        for f in files:
            if f.endswith(".md"):
                yield os.path.join(top, f)


def lines_outside_fences(text):
    """(line number, line) for each line not inside a ``` block."""
    fenced = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


def slug(heading):
    """GitHub's anchor for a heading: its text, lower case, punctuation gone."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path, cache):
    if path not in cache:
        seen, found = {}, set()
        with open(path, encoding="utf-8") as f:
            for _, line in lines_outside_fences(f.read()):
                m = HEADING.match(line)
                if m:
                    s = slug(m.group(2))
                    found.add(s if s not in seen else f"{s}-{seen[s]}")
                    seen[s] = seen.get(s, 0) + 1
        cache[path] = found
    return cache[path]


def check_links(root, problems):
    real_root = os.path.realpath(root)
    cache = {}
    for path in sorted(md_files(root)):
        rel = os.path.relpath(path, root)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for n, line in lines_outside_fences(text):
            line = re.sub(r"``[^`]*``", "", line)
            targets = [m.group(1) for m in LINK.finditer(re.sub(r"`[^`]*`", "", line))]
            m = REF_LINK.match(line)
            if m:
                targets.append(m.group(1))
            for t in targets:
                if re.match(r"^[a-z][a-z0-9+.-]*:", t):  # https:, mailto:
                    continue
                file, _, anchor = t.partition("#")
                if file.startswith("/"):
                    target = os.path.join(root, file.lstrip("/"))
                else:
                    target = os.path.join(os.path.dirname(path), file) if file else path
                real = os.path.realpath(target)
                if os.path.commonpath([real, real_root]) != real_root:
                    problems.append(f"{rel}:{n}: link {t} points outside the repository")
                elif not os.path.exists(real):
                    problems.append(f"{rel}:{n}: link {t}: no such file")
                elif anchor and real.endswith(".md") and anchor not in anchors(real, cache):
                    problems.append(f"{rel}:{n}: link {t}: no heading with that anchor")


def check_names(root, keys, counters, problems):
    """Keys and counters named in inline code: every one must exist."""
    sections = {k.split(".")[0] for k in keys}
    names = {k.split(".", 1)[1] for k in keys}
    for path in sorted(md_files(root)):
        rel = os.path.relpath(path, root)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for n, line in lines_outside_fences(text):
            for code in CODE.findall(line):
                if code in PLACEHOLDERS:
                    continue
                m = re.fullmatch(r"([a-z_]+|listen:PORT|service:PORT|port:backend)\.([a-z_][a-z0-9_]*)", code)
                if m and m.group(1) in sections and code not in keys:
                    problems.append(f"{rel}:{n}: `{code}`: no such config key")
                m = re.fullmatch(r"([a-z_][a-z0-9_]*) = \S+", code)
                if m and m.group(1) not in names:
                    problems.append(f"{rel}:{n}: `{code}`: no config key '{m.group(1)}' (if "
                                    f"this is not a config line, write it without spaces)")
                if re.fullmatch(r"(drop_[a-z][a-z0-9_]*|state_[A-Z][A-Z0-9_]*)", code) and \
                        code not in counters:
                    problems.append(f"{rel}:{n}: `{code}`: no such counter or gauge")


def check_conf(root, keys, problems):
    """conf/portcullis.conf shows every key, commented out or not."""
    path = os.path.join(root, "conf", "portcullis.conf")
    shown, section = {}, None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = SECTION.match(line)
            if m:
                section = re.sub(r"^(listen|service):\d+$", r"\1:PORT", m.group(1))
                continue
            m = CONF_KEY.match(line)
            if m and section:
                shown.setdefault(f"{section}.{m.group(1)}", n)
    for k in keys:
        if k not in shown:
            problems.append(f"conf/portcullis.conf: key {k} of the code is not shown")
    for k, n in shown.items():
        if k not in keys:
            problems.append(f"conf/portcullis.conf:{n}: {k} is not a key of the code")


def check(binary, root):
    problems = []
    r = subprocess.run([os.path.join(root, "docs", "generate.sh"), "--check", binary])
    if r.returncode != 0:
        problems.append(f"docs: generated blocks stale (diff above); regenerate with "
                        f"docs/generate.sh {binary}")
    keys = listing(binary, "--list-config-keys")
    counters = set(listing(binary, "--list-counters"))
    check_conf(root, keys, problems)
    check_links(root, problems)
    check_names(root, set(keys), counters, problems)
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        n = len(f.readlines())
    if n >= README_MAX:
        problems.append(f"README.md: {n} lines; keep it under {README_MAX}, chapters go to docs/")
    for p in problems:
        print(p)
    return 1 if problems else 0


# Each case: a file, a change to its text, and a part of the line it must cause.
CASES = [
    ("docs/configuration.md", lambda t: re.sub(r"^\| `tables\.conns` .*\n", "", t, flags=re.M),
     "generated blocks stale"),
    ("docs/operations.md", lambda t: t.replace("| `drop_runt` |", "| `drop_short` |", 1),
     "generated blocks stale"),
    ("README.md", lambda t: t + "\n[design](../shared/DESIGN.md)\n", "outside the repository"),
    ("README.md", lambda t: t + "\n[x](docs/nowhere.md)\n", "no such file"),
    ("README.md", lambda t: t + "\n[x](docs/configuration.md#no-such-heading)\n",
     "no heading with that anchor"),
    ("README.md", lambda t: t + "\n" * README_MAX, "keep it under"),
    ("conf/portcullis.conf", lambda t: t.replace("\nmtu =", "\nmtux =", 1),
     "key port.mtu of the code is not shown"),
    ("docs/syn-cookies.md", lambda t: t + "\n`syn_cookies = off`\n", "no config key 'syn_cookies'"),
    ("docs/syn-cookies.md", lambda t: t + "\n`syncookies.enabled`\n", "no such config key"),
    ("docs/syn-cookies.md", lambda t: t + "\n`drop_syn_flood`\n", "no such counter"),
]


def self_test(binary, root):
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "repo")
        shutil.copytree(root, copy, ignore=lambda d, names: [
            n for n in names if d == root and n.startswith(("build", ".git"))])
        r = subprocess.run([sys.executable, __file__, binary, copy], capture_output=True,
                           text=True)
        if r.returncode != 0:
            print(f"self-test: the unchanged copy fails:\n{r.stdout}{r.stderr}")
            return 1
        for file, change, want in CASES:
            path = os.path.join(copy, file)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            with open(path, "w", encoding="utf-8") as f:
                f.write(change(text))
            r = subprocess.run([sys.executable, __file__, binary, copy], capture_output=True,
                               text=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            if r.returncode != 1 or want not in r.stdout:
                print(f"self-test: a change to {file} should fail with '{want}', got "
                      f"{r.returncode}:\n{r.stdout}{r.stderr}")
                return 1
    print(f"self-test: {len(CASES)} kinds of disagreement caught, the unchanged docs pass")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    test = bool(args) and args[0] == "--self-test"
    if test:
        args.pop(0)
    if len(args) != 2:
        sys.exit(__doc__.strip())
    sys.exit(self_test(*args) if test else check(*args))
