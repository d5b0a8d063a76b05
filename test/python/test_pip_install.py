#!/usr/bin/env python3
"""`pip install ./python` into a fresh venv (--system-site-packages for Debian's numpy) with no
network (--no-index --no-build-isolation), then the installed package encodes, decodes and reads a
capture outside the source tree.  test_pip_install.py PYTHON SOURCE_DIR"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

python, source = sys.argv[1], Path(sys.argv[2])
with tempfile.TemporaryDirectory(prefix="ap-venv-") as tmp:
    venv = Path(tmp) / "venv"
    subprocess.run([python, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index", "--no-build-isolation",
           "--disable-pip-version-check", "--quiet", str(Path(tmp) / "python")]
    # setuptools builds in the tree it is given: give it a copy, so the checkout stays clean.
    shutil.copytree(source / "python", Path(tmp) / "python",
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    result = subprocess.run(pip, capture_output=True, text=True, timeout=300, cwd=tmp)
    if result.returncode != 0:
        print(result.stdout, result.stderr)
        sys.exit("FAIL pip install ./python")
    check = r"""
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
print('installed at', alphapulse.__file__)
"""
    result = subprocess.run([str(venv / "bin" / "python"), "-c", check], capture_output=True, text=True, cwd=tmp)
    print(result.stdout, result.stderr)
    sys.exit(0 if result.returncode == 0 else "FAIL the installed package")
print("ok")
