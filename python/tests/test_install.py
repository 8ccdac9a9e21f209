"""make install: the package lands beside the library with a _paths.py
naming it, and imports and runs from there alone (no XBAR_LIBRARY, no
source tree)."""
import os
import shutil
import subprocess

import pytest

from conftest import SRC


def test_installed_package_runs(tmp_path):
    build = os.path.dirname(os.environ.get(
        "XBAR_LIBRARY", os.path.join(SRC, "build", "libxbar.so")))
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.fail("cmake not found: the install test needs it")
    prefix = tmp_path / "prefix"
    subprocess.run([cmake, "--install", build, "--prefix", str(prefix)],
                   check=True, capture_output=True)
    pkgs = [p for p in prefix.rglob("xbar/_paths.py")]
    assert len(pkgs) == 1, pkgs
    site = pkgs[0].parent.parent
    assert "dist-packages" in str(site)
    env = {k: v for k, v in os.environ.items()
           if k not in ("XBAR_LIBRARY", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    code = ("import xbar; print(xbar.library_path); "
            "print(xbar.Array([[1e-3]]).read([1.0]).i[0])")
    out = subprocess.run(["/usr/bin/python3", "-c", code], cwd=str(tmp_path),
                         env=env, check=True, capture_output=True,
                         text=True).stdout.split()
    assert out[0].startswith(str(prefix)) and os.path.exists(out[0])
    assert abs(float(out[1]) - 1.0 / 1002.0) < 1e-15
