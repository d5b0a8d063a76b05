"""Builds read_capture's C kernel (native/capread.c) as an optional extension; pyproject.toml holds
the package's metadata. setuptools 66 (Debian bookworm's) cannot declare extensions in
pyproject.toml, hence this file.

The kernel is a plain shared library that alphapulse/_capread.py loads with ctypes (no Python.h):
where it cannot be built (no C compiler), `pip install` still installs the package, which then reads
captures with numpy (alphapulse._capread.BACKEND says which)."""
from setuptools import Extension, setup

setup(ext_modules=[Extension("alphapulse._capread_native", sources=["native/capread.c"],
                             depends=["native/capread.h"], optional=True,
                             extra_compile_args=["-std=c11", "-O3"])])
