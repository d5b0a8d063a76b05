#!/usr/bin/env python3
"""The Wireshark dissector (tools/wireshark/alphapulse.lua) run in tshark,
field by field against `alphapulse decode`.

samples.jsonl holds a sample of every message type (real values from
../shared/data where they fit; TLV extensions, discovery metadata, 6-bit
packed and non-canonical InstrumentIds, unknown enum values, non-zero
padding, 128-bit extremes). They are encoded with `alphapulse encode`, and
`alphapulse decode` gives the expected JSON. tshark prints its tree as PDML;
every alphapulse field it shows is turned back into that JSON shape (the last
component of a field's name is the JSON key; `<key>_name` comes from the value
name Wireshark shows, "Side: Buy (1)"), and the two must be equal, both ways.

  ExportTest: frames -> capture file (libs/capture writer) -> `alphapulse
              export-pcap` -> tshark, plus a frame with a bad checksum.
  TcpTest:    the same frames as one TCP stream cut into segments that split
              frames and hold several, found by the heuristic or by the port
              preference (and by neither when both are off).

usage: tshark_test.py ALPHAPULSE FRAMES_TO_CAPTURE DISSECTOR SAMPLES SUITE
"""
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

ALPHAPULSE = FRAMES_TO_CAPTURE = DISSECTOR = SAMPLES = None

# Fields the dissector adds that `alphapulse decode` has no key for.
DISSECTOR_ONLY = {"alphapulse.header.checksum_status", "alphapulse.tlv.length", "alphapulse.meta.length"}
# Value names Wireshark shows where decode prints the number alone.
NAMED_ONLY_IN_WIRESHARK = {"alphapulse.instrument.venue", "alphapulse.instrument.asset_type"}
VALUE_NAME = re.compile(r"^[^:]*: (.+) \((-?\d+)\)$")
HEX = re.compile(r"^0x[0-9a-f]*$")


def run(args, stdin=None):
    done = subprocess.run(args, input=stdin, capture_output=True)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {done.returncode}: {done.stderr.decode()}")
    return done.stdout


def frames_of(data):
    frames, offset = [], 0
    while offset < len(data):
        length = 32 + struct.unpack_from("<I", data, offset + 8)[0]
        frames.append(data[offset:offset + length])
        offset += length
    return frames


def decode(frames, verify=True):
    out = run([ALPHAPULSE, "decode", "-"] + ([] if verify else ["--no-verify"]), b"".join(frames))
    return [json.loads(line) for line in out.decode().splitlines()]


def tshark_pdml(pcap, *options):
    args = ["tshark", "-n", "-X", f"lua_script:{DISSECTOR}", "-r", pcap, "-T", "pdml"]
    for option in options:
        args += ["-o", option]
    return ET.fromstring(run(args))


def leaf(field, expected):
    show = field.get("show")
    if isinstance(expected, int):
        try:
            return int(show, 0)
        except ValueError:
            return show
    if isinstance(expected, str) and HEX.match(expected) and re.fullmatch(r"[0-9a-f:]*", show or ""):
        return "0x" + show.replace(":", "")  # Wireshark shows bytes as aa:bb:cc
    return show


def alphapulse_fields(element):
    """Children that are dissector fields (not expert infos, _ws.*)."""
    return [f for f in element.findall("field") if f.get("name", "").startswith("alphapulse.")]


def to_json(element, expected):
    """The alphapulse subtree as decode's JSON; `expected` only tells lists from objects."""
    out = {}
    for child in alphapulse_fields(element):
        name = child.get("name")
        key = name.rsplit(".", 1)[1]
        if name in DISSECTOR_ONLY:
            continue
        if key in out:
            raise AssertionError(f"{name} appears twice in one subtree")
        want = expected.get(key) if isinstance(expected, dict) else None
        kids = alphapulse_fields(child)
        if isinstance(want, list):
            out[key] = [to_json(kid, want[i] if i < len(want) else {}) for i, kid in enumerate(kids)]
        elif kids:
            out[key] = to_json(child, want if isinstance(want, dict) else {})
        else:
            out[key] = leaf(child, want)
            named = VALUE_NAME.match(child.get("showname", ""))
            if (named and named.group(2) == child.get("show") and named.group(1) != "Unknown"
                    and name not in NAMED_ONLY_IN_WIRESHARK):
                out[key + "_name"] = named.group(1)
    return out


def differences(got, want, path=""):
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(set(got) | set(want)):
            if key not in got:
                yield f"{path}.{key}: decode has {want[key]!r}, tshark shows nothing"
            elif key not in want:
                yield f"{path}.{key}: tshark shows {got[key]!r}, decode has no such key"
            else:
                yield from differences(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (g, w) in enumerate(zip(got, want)):
            yield from differences(g, w, f"{path}[{i}]")
    elif got != want:
        yield f"{path}: tshark {got!r}, decode {want!r}"


def alphapulse_protos(root):
    """[(packet index, proto element)] in capture order."""
    return [(i, proto) for i, packet in enumerate(root.findall("packet"))
            for proto in packet.findall("proto") if proto.get("name") == "alphapulse"]


def checksum_status(proto):
    status = proto.find("field[@name='alphapulse.header']/field[@name='alphapulse.header.checksum_status']")
    return None if status is None else int(status.get("show"))


class DissectorCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="alphapulse-wireshark-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.frames = frames_of(run([ALPHAPULSE, "encode", SAMPLES]))
        self.expected = decode(self.frames)
        types = {e["header"]["message_type"] for e in self.expected}
        # A sample of every built-in message type: the dissector's layout tables cover them all.
        self.assertTrue({1, 2, 3, 10, 11, 12, 20, 37, 40, 45, 100, 104, 105, 200} <= types, types)

    def path(self, name):
        return os.path.join(self.dir, name)

    def assertSameFields(self, protos, expected):
        self.assertEqual(len(protos), len(expected), "one alphapulse tree per frame")
        for (_, proto), want in zip(protos, expected):
            got = to_json(proto, want)
            problems = list(differences(got, want))
            label = f"frame {want['header']['message_type_name']} seq={want['header']['sequence']}"
            self.assertFalse(problems, label + ":\n  " + "\n  ".join(problems))


class ExportTest(DissectorCase):
    def test_every_field_equals_decode(self):
        bad = bytearray(self.frames[0])
        bad[28] ^= 0xFF  # the stored checksum no longer matches
        frames = self.frames + [bytes(bad)]
        with open(self.path("frames.bin"), "wb") as f:
            f.write(b"".join(frames))
        run([FRAMES_TO_CAPTURE, self.path("frames.bin"), self.path("samples.apcap")])
        run([ALPHAPULSE, "export-pcap", self.path("samples.apcap"), "-o", self.path("samples.pcap")])

        root = tshark_pdml(self.path("samples.pcap"))
        protos = alphapulse_protos(root)
        self.assertEqual([i for i, _ in protos], list(range(len(frames))), "one frame per packet")
        self.assertSameFields(protos, self.expected + decode([bytes(bad)], verify=False))
        self.assertEqual([checksum_status(p) for _, p in protos], [1] * len(self.frames) + [0])
        self.assertIsNotNone(protos[-1][1].find(".//field[@name='alphapulse.bad_checksum']"),
                             "a bad checksum is an expert error")
        # Packet times are the capture's receive times to the nanosecond: here the header
        # timestamps, which the writer keeps from decreasing (the real quote is older).
        times = [p.find("proto[@name='frame']/field[@name='frame.time_epoch']").get("show")
                 for p in root.findall("packet")]
        received, latest = [], 0
        for e in self.expected:
            latest = max(latest, e["header"]["timestamp"])
            received.append(f"{latest // 10**9}.{latest % 10**9:09d}")
        self.assertEqual(times[:len(received)], received)


    def test_cut_capture_exports_the_intact_blocks(self):
        with open(self.path("frames.bin"), "wb") as f:
            f.write(b"".join(self.frames))
        run([FRAMES_TO_CAPTURE, self.path("frames.bin"), self.path("cut.apcap")])
        size = os.path.getsize(self.path("cut.apcap"))
        os.truncate(self.path("cut.apcap"), size // 2)  # a crash while writing
        done = subprocess.run([ALPHAPULSE, "export-pcap", self.path("cut.apcap"), "-o", self.path("cut.pcap")],
                              capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("the frames before it were exported", done.stderr)
        protos = alphapulse_protos(tshark_pdml(self.path("cut.pcap")))
        self.assertTrue(0 < len(protos) < len(self.frames), len(protos))
        self.assertSameFields(protos, self.expected[:len(protos)])


def tcp_pcap(path, segments, port):
    """Ethernet/IPv4/TCP packets, one per segment, one direction of one connection."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 0x40000, 1))
        seq = 1000
        for i, payload in enumerate(segments):
            tcp = struct.pack(">HHIIBBHHH", 40123, port, seq, 1, 5 << 4, 0x18, 65535, 0, 0)
            total = 20 + len(tcp) + len(payload)
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, i, 0x4000, 64, 6, 0,
                             bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2]))
            s = sum(struct.unpack(">10H", ip))
            s = (s & 0xFFFF) + (s >> 16)
            ip = ip[:10] + struct.pack(">H", ~((s & 0xFFFF) + (s >> 16)) & 0xFFFF) + ip[12:]
            packet = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + tcp + payload
            f.write(struct.pack("<IIII", 1700000000, i, len(packet), len(packet)) + packet)
            seq += len(payload)


class TcpTest(DissectorCase):
    PORT = 7403

    def setUp(self):
        super().setUp()
        stream = b"".join(self.frames)
        rng = random.Random(14)
        # Cuts: a first segment of one header and a bit, single bytes, sizes up
        # to three frames, so frames span segments and segments hold several.
        cuts, offset = [], 0
        sizes = [40, 1, 1, 30, 2, 500, 7]
        while offset < len(stream):
            size = sizes.pop(0) if sizes else rng.choice([1, 13, 64, 200, 333, 1000])
            cuts.append(stream[offset:offset + size])
            offset += size
        self.segments = cuts
        tcp_pcap(self.path("tcp.pcap"), cuts, self.PORT)

    def test_heuristic_reassembles_every_frame(self):
        root = tshark_pdml(self.path("tcp.pcap"))
        self.assertSameFields(alphapulse_protos(root), self.expected)

    def test_port_preference_without_heuristic(self):
        root = tshark_pdml(self.path("tcp.pcap"), "alphapulse.heuristic:FALSE", f"alphapulse.tcp_ports:{self.PORT}")
        self.assertSameFields(alphapulse_protos(root), self.expected)

    def test_neither_heuristic_nor_port_finds_nothing(self):
        root = tshark_pdml(self.path("tcp.pcap"), "alphapulse.heuristic:FALSE")
        self.assertEqual(alphapulse_protos(root), [])


def main():
    global ALPHAPULSE, FRAMES_TO_CAPTURE, DISSECTOR, SAMPLES
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    ALPHAPULSE, FRAMES_TO_CAPTURE, DISSECTOR, SAMPLES, suite = sys.argv[1:]
    if shutil.which("tshark") is None:
        print("SKIP: tshark is not installed (Debian package tshark; scripts/setup.sh installs it)")
        return 77
    tests = unittest.defaultTestLoader.loadTestsFromTestCase(globals()[suite])
    return 0 if unittest.TextTestRunner(verbosity=2).run(tests).wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
