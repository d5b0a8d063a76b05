#!/usr/bin/env python3
"""python_layouts_in_sync: the checked-in python/alphapulse/_layouts.py is what the build generates
from the wire library (tools/gen-python), and the units it gives each field agree with the notes of
docs/PROTOCOL.md's generated tables (fixed point, Q64.64, times).

    check_layouts.py --generated BUILD/python/alphapulse/_layouts.py --checked-in python/alphapulse/_layouts.py
                     --protocol docs/PROTOCOL.md [--update]
"""
import argparse
import difflib
import re
import runpy
import sys

NOTE_UNITS = [("fixed point, 8 decimals", "fixed8"), ("same scale as current_ratio", "fixed8"),
              ("Q64.64", "q64"), ("ns since the Unix epoch", "time_ns"), ("seconds since the Unix epoch", "time_s")]


def doc_notes(protocol: str):
    """{(layout, field): note} from the layout tables of PROTOCOL.md."""
    notes, current = {}, None
    for line in open(protocol, encoding="utf-8"):
        m = re.match(r"### (\w+) \((?:type|TLV type|metadata type) \d+", line)
        if m:
            current = m.group(1)
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current and len(cells) == 5 and cells[0].isdigit():
            notes[(current, cells[2])] = cells[4]
    return notes


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generated", required=True)
    ap.add_argument("--checked-in", required=True)
    ap.add_argument("--protocol", required=True)
    ap.add_argument("--update", action="store_true")
    args = ap.parse_args()
    generated = open(args.generated, encoding="utf-8").read()
    checked_in = open(args.checked_in, encoding="utf-8").read()
    failures = []
    if generated != checked_in:
        if args.update:
            open(args.checked_in, "w", encoding="utf-8").write(generated)
            print(f"updated {args.checked_in}")
        else:
            diff = "".join(difflib.unified_diff(checked_in.splitlines(True), generated.splitlines(True),
                                                args.checked_in, args.generated, n=1))
            failures.append(f"{args.checked_in} differs from what the wire tables generate; rebuild and copy "
                            f"{args.generated} over it (or run this with --update):\n{diff[:4000]}")
    tables = runpy.run_path(args.generated)
    notes = doc_notes(args.protocol)
    checked = 0
    for entry in list(tables["MESSAGES"]) + list(tables["EXTENSIONS"]) + list(tables["DISCOVERY_META"]):
        name, fields = (entry[2], entry[8]) if len(entry) == 9 else (entry[1], entry[3])
        for field, _off, _size, _kind, _enum, unit in fields:
            note = notes.get((name, field))
            if note is None:
                failures.append(f"{name}.{field}: not in the tables of {args.protocol}")
                continue
            expected = next((u for text, u in NOTE_UNITS if text in note), "")
            checked += 1
            if unit != expected:
                failures.append(f"{name}.{field}: unit {unit!r} in _layouts.py, but PROTOCOL.md says {note!r}")
    for f in failures:
        print("FAIL", f)
    print(f"{checked} field units checked against {args.protocol}; " + ("ok" if not failures else "FAILED"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
