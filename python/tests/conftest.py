"""Shared set-up: the package from this source tree, the C reference
results of tests/py_ref (XBAR_PY_REF, set by ctest; else the build tree's),
the source folder (models/)."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("XBAR_SOURCE_DIR", os.path.normpath(
    os.path.join(HERE, os.pardir, os.pardir)))
sys.path.insert(0, os.path.join(SRC, "python"))


@pytest.fixture(scope="session")
def src():
    return SRC


@pytest.fixture(scope="session")
def ref():
    """{key: [values]} from py_ref; doubles parsed from hex exactly."""
    exe = os.environ.get("XBAR_PY_REF",
                         os.path.join(SRC, "build", "tests", "py_ref"))
    if not os.path.exists(exe):
        pytest.fail("py_ref not built (%s): cmake --build build --target "
                    "py_ref" % exe)
    out = subprocess.run([exe], check=True, capture_output=True,
                         text=True).stdout
    d = {}
    for line in out.splitlines():
        key, *vals = line.split()
        d[key] = [float.fromhex(v) if ("0x" in v or "inf" in v or "nan" in v)
                  else int(v) for v in vals]
    return d
