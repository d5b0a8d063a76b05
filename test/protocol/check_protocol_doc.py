#!/usr/bin/env python3
"""Checks (or with --update, rewrites) the generated sections of docs/PROTOCOL.md.

The sections sit between `<!-- BEGIN GENERATED: name -->` and
`<!-- END GENERATED: name -->`; their text is exactly what protocol_tables
(test/protocol/protocol_tables.cpp) prints for that name. Text outside the
markers is written by hand and left alone.
"""
import argparse
import re
import subprocess
import sys

SECTION = re.compile(r"<!-- BEGIN GENERATED: ([a-z_]+) -->\n(.*?)<!-- END GENERATED: \1 -->", re.S)
REGEN = "scripts/gen-protocol-doc.sh"


def sections(text):
    found = {}
    for m in SECTION.finditer(text):
        if m.group(1) in found:
            raise SystemExit(f"section {m.group(1)!r} appears twice")
        found[m.group(1)] = (m.group(2), m.start(2), m.end(2))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--generator", required=True, help="path of the protocol_tables executable")
    ap.add_argument("--doc", required=True, help="path of docs/PROTOCOL.md")
    ap.add_argument("--update", action="store_true", help="rewrite the generated sections in place")
    args = ap.parse_args()

    generated = subprocess.run([args.generator], check=True, capture_output=True, text=True).stdout
    want = sections(generated)
    if not want:
        raise SystemExit("protocol_tables printed no sections")
    with open(args.doc, encoding="utf-8") as f:
        doc = f.read()
    have = sections(doc)

    problems = []
    for name in want:
        if name not in have:
            problems.append(f"section {name!r} is missing (add the BEGIN/END GENERATED markers for it)")
        elif have[name][0] != want[name][0]:
            old = have[name][0].splitlines()
            new = want[name][0].splitlines()
            first = next((i for i in range(max(len(old), len(new)))
                          if i >= len(old) or i >= len(new) or old[i] != new[i]), 0)
            got = old[first] if first < len(old) else "<end of section>"
            exp = new[first] if first < len(new) else "<end of section>"
            problems.append(f"section {name!r} differs at its line {first + 1}:\n"
                            f"    document: {got}\n    generated: {exp}")
    for name in have:
        if name not in want:
            problems.append(f"section {name!r} is not produced by protocol_tables")

    if args.update:
        missing = [n for n in want if n not in have]
        if missing:
            raise SystemExit(f"cannot update: the document has no markers for {missing}")
        # Replace from the end so earlier offsets stay valid.
        for name, (_, start, end) in sorted(have.items(), key=lambda kv: -kv[1][1]):
            if name in want:
                doc = doc[:start] + want[name][0] + doc[end:]
        with open(args.doc, "w", encoding="utf-8") as f:
            f.write(doc)
        print(f"updated {len(want)} generated sections in {args.doc}")
        return 0

    if problems:
        print(f"docs/PROTOCOL.md is out of date: run {REGEN} to regenerate", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"docs/PROTOCOL.md: {len(want)} generated sections in sync")
    return 0


if __name__ == "__main__":
    sys.exit(main())
