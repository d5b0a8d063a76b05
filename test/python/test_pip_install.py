#!/usr/bin/env python3
"""`pip install ./python` into a fresh venv (--system-site-packages for Debian's numpy) with no
network (--no-index --no-build-isolation), then the installed package encodes, decodes and reads a
capture outside the source tree. Twice: as it is, where pip builds read_capture's C kernel (an
optional extension), and with a C compiler that fails, where the install must still succeed and
read captures with numpy.  test_pip_install.py PYTHON SOURCE_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHECK = r"""
import alphapulse, pathlib, sys, tempfile
assert 'site-packages' in alphapulse.__file__, alphapulse.__file__
f = alphapulse.encode('Trade', sequence=7, timestamp=1618677810244075000, source=5,
                      instrument_id='NASDAQ Stock AAPL', price=15000000000, volume=100, side='Buy')
assert f[28:32].hex() == 'a30894d2', f.hex()  # PROTOCOL.md section 3's worked example
frames = alphapulse.decode(f * 3)
assert frames['Trade']['price'].tolist() == [15000000000] * 3
with tempfile.TemporaryDirectory() as d:
    p = pathlib.Path(d) / 'x.apcap'
    with alphapulse.CaptureWriter(p, 'market_data') as w:
        w.write_frames(f * 3)
    assert alphapulse.read_capture(p).counts() == {'Trade': 3}
    assert alphapulse.read_capture(p, verify=True)['Trade'].tobytes() == f * 3
from alphapulse import _capread
print(_capread.BACKEND)
"""


def install_and_check(python: str, source: Path, compiler: str) -> str:
    """read_capture's engine in a fresh venv where `pip install ./python` ran with CC=compiler."""
    with tempfile.TemporaryDirectory(prefix="ap-venv-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([python, "-m", "venv", "--system-site-packages", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index", "--no-build-isolation",
               "--disable-pip-version-check", "--quiet", str(Path(tmp) / "python")]
        # setuptools builds in the tree it is given: give it a copy, so the checkout stays clean.
        shutil.copytree(source / "python", Path(tmp) / "python",
                        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
        env = {**os.environ, "CC": compiler}
        result = subprocess.run(pip, capture_output=True, text=True, timeout=300, cwd=tmp, env=env)
        if result.returncode != 0:
            print(result.stdout, result.stderr)
            sys.exit(f"FAIL pip install ./python (CC={compiler})")
        result = subprocess.run([str(venv / "bin" / "python"), "-c", CHECK], capture_output=True, text=True, cwd=tmp,
                                env={k: v for k, v in os.environ.items() if k != "ALPHAPULSE_CAPREAD"})
        print(result.stdout, result.stderr)
        if result.returncode != 0:
            sys.exit(f"FAIL the installed package (CC={compiler})")
        return result.stdout.split()[-1]


python, source = sys.argv[1], Path(sys.argv[2])
engine = install_and_check(python, source, os.environ.get("CC", "cc"))
print("installed with the C compiler: read_capture engine", engine)
without = install_and_check(python, source, "false")
print("installed with a failing C compiler: read_capture engine", without)
if without != "numpy":
    sys.exit("FAIL without a C compiler the package should read captures with numpy")
print("ok")
