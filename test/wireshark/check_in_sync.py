#!/usr/bin/env python3
"""Fails when tools/wireshark/alphapulse.lua is not what gen_dissector prints
(the wire library's layout tables followed by the hand-written engine the
file itself keeps at its end); with --update, rewrites it. tools/wireshark/regenerate.sh runs the update."""
import argparse
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--generator", required=True, help="path of the gen_dissector executable")
    ap.add_argument("--dissector", required=True, help="tools/wireshark/alphapulse.lua")
    ap.add_argument("--update", action="store_true", help="rewrite the dissector")
    args = ap.parse_args()

    want = subprocess.run([args.generator, args.dissector], check=True, capture_output=True).stdout.decode()
    if args.update:
        with open(args.dissector, "w", encoding="utf-8") as f:
            f.write(want)
        print(f"wrote {args.dissector}")
        return 0
    try:
        with open(args.dissector, encoding="utf-8") as f:
            have = f.read()
    except FileNotFoundError:
        have = ""
    if have == want:
        print(f"{args.dissector} is in sync with the wire library's tables")
        return 0
    old, new = have.splitlines(), want.splitlines()
    line = next((i for i in range(max(len(old), len(new)))
                 if i >= len(old) or i >= len(new) or old[i] != new[i]), 0)
    print(f"{args.dissector} is out of date: run tools/wireshark/regenerate.sh\n"
          f"  first difference at line {line + 1}:\n"
          f"    file:      {old[line] if line < len(old) else '<end of file>'}\n"
          f"    generated: {new[line] if line < len(new) else '<end of file>'}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
