#!/bin/sh
# The Python package's pytest suite (python/tests) under ctest.
# usage: python.sh PYTHON_TESTS_DIR   (XBAR_LIBRARY, XBAR_PY_REF in the env)
# Fails, never skips, when Debian's python3, numpy or pytest is missing
# (scripts/install-deps.sh installs them), and when pytest collects no test
# (its exit 5), so this test cannot pass without running the suite.
dir=$1
py=/usr/bin/python3
[ -x "$py" ] || { echo "python.sh: $py missing (apt-get install python3)" >&2; exit 1; }
"$py" -c 'import numpy, pytest' 2>/dev/null || {
  echo "python.sh: python3-numpy and python3-pytest are needed (scripts/install-deps.sh)" >&2
  exit 1; }
"$py" -m pytest -q -p no:cacheprovider "$dir"
rc=$?
[ $rc -eq 5 ] && echo "python.sh: pytest collected no tests in $dir" >&2
exit $rc
