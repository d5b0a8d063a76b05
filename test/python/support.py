"""Shared by the Python package's tests: the alphapulse binary, relays on temp sockets."""
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BIN = os.environ.get("ALPHAPULSE_BIN", "alphapulse")
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def run(args, data: bytes = None, check=True) -> subprocess.CompletedProcess:
    return subprocess.run([BIN] + list(args), input=data, capture_output=True, check=check, timeout=120)


@contextmanager
def relay(domain: str, extra=()):
    """An `alphapulse relay` on a socket in a fresh temporary directory; stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="ap-pytest-") as tmp:
        path = Path(tmp) / f"{domain}.sock"
        proc = subprocess.Popen([BIN, "relay", domain, "--socket", str(path), *extra],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while not path.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"relay did not start: {proc.stderr.read().decode()}")
                time.sleep(0.02)
            yield path, proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            proc.stderr.close()


def main_with_bin():
    """unittest.main() after taking --alphapulse BIN from argv."""
    global BIN
    import unittest
    if "--alphapulse" in sys.argv:
        i = sys.argv.index("--alphapulse")
        BIN = sys.argv[i + 1]
        os.environ["ALPHAPULSE_BIN"] = BIN
        del sys.argv[i:i + 2]
    unittest.main(verbosity=2)
