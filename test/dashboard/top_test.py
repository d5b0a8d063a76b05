#!/usr/bin/env python3
"""`alphapulse top` against a real relay: a relay on a temporary socket, top
connected to it through a deployment file, frames published while it
watches; its plain-text screen (stdout is a pipe) must show them.

    top_test.py <alphapulse binary>
"""
import json
import os
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]


def wait_for(what, fn, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def stats(sock):
    r = subprocess.run([BIN, "stats", sock], capture_output=True, text=True, timeout=5)
    return json.loads(r.stdout) if r.returncode == 0 else None


def main():
    with tempfile.TemporaryDirectory(prefix="alphapulse-top-") as tmp:
        sock = os.path.join(tmp, "market_data.sock")
        config = os.path.join(tmp, "deployment.yaml")
        with open(config, "w") as f:
            f.write(f"alphapulse:\n  runtime_dir: {tmp}\n  market_data:\n    transport: unix_socket\n    path: {sock}\n")
        procs = []
        try:
            relay = subprocess.Popen([BIN, "relay", "market_data", "--socket", sock], stderr=subprocess.DEVNULL)
            procs.append(relay)
            wait_for("the relay", lambda: stats(sock))
            top = subprocess.Popen([BIN, "top", "--config", config, "--once", "--interval", "4000"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            procs.append(top)
            # Publish only once top is connected (the relay lists it as a client).
            wait_for("top to connect", lambda: len((stats(sock) or {}).get("clients", [])) >= 1)
            quotes = "".join(
                json.dumps({"header": {"message_type_name": "Quote"},
                            "instrument_id": "Kraken Pair XBTUSD",
                            "bid_price": 6_500_012_000_000 + i, "ask_price": 6_500_112_000_000,
                            "bid_size": 100_000_000, "ask_size": 200_000_000}) + "\n"
                for i in range(40))
            trades = json.dumps({"header": {"message_type_name": "Trade"}, "instrument_id": "Kraken Pair XBTUSD",
                                 "price": 6_500_050_000_000, "volume": 1_000_000, "side": "Buy"}) + "\n"
            pub = subprocess.run([BIN, "publish", sock], input=quotes + trades, capture_output=True, text=True,
                                 timeout=10)
            assert pub.returncode == 0, pub.stderr
            out, err = top.communicate(timeout=15)
            assert top.returncode == 0, err
            print(out)
            assert "\x1b" not in out, "escape codes on a pipe"
            lines = out.splitlines()
            md = [l for l in lines if l.startswith("market_data ")]
            assert md, "no market_data row"
            fields = md[0].split()
            assert fields[1] == "unix_socket" and fields[2] == "connected", md[0]
            assert fields[3] == "41", "frames: " + md[0]
            # The relay's counters as the stats socket gives them: 41 in + the publisher's subscription.
            relay_stats = stats(sock)
            assert fields[7] == str(relay_stats["frames_in"]), (md[0], relay_stats["frames_in"])
            assert any(l.startswith("Quote ") and " 40 " in f" {l} " for l in lines), "Quote row"
            assert any("Kraken Pair XBTUSD" in l and "65000.12" in l and "65000.5" in l for l in lines), "quote row"
            latency = [l for l in lines if l.startswith("market_data ") and l is not md[0]]
            assert len(latency) == 1 and int(latency[0].split()[1]) == 41, "latency count: " + str(latency)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
                    p.wait(timeout=5)
    print("top_test: ok")


if __name__ == "__main__":
    main()
