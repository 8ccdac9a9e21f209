#!/usr/bin/env bash
# The whole Check suite under valgrind memcheck: every test program, in one
# process each (CK_FORK=no), failing on any memory error or definite leak
# (libngspice's own are suppressed: tests/valgrind.supp).
# usage: valgrind.sh BUILD_DIR
set -uo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
status=0
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  log=$(mktemp)
  # Left out: the rlimit-tagged case (test_edge's out-of-memory sets an
  # address-space limit valgrind itself cannot live under) and the
  # slow-tagged ones (test_learn's synthetic recovery and behavioral
  # nonlinearity: hours under valgrind; ASan, LSan and UBSan run them in
  # make test).
  CK_FORK=no CK_TIMEOUT_MULTIPLIER=50 CK_EXCLUDE_TAGS="rlimit slow" \
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
    valgrind --error-exitcode=9 \
    --leak-check=full --errors-for-leak-kinds=definite \
    --suppressions="$here/valgrind.supp" "$t" > "$log" 2>&1
  rc=$?
  summary=$(grep -E "ERROR SUMMARY" "$log" | tail -1 | sed 's/==[0-9]*== //')
  checks=$(grep -E "^[0-9]+%: Checks" "$log" | tail -1)
  if [ $rc -ne 0 ]; then
    echo "valgrind: $name FAILED (exit $rc): $checks; $summary" >&2
    grep -E "Invalid|uninitialised|definitely lost|F:" "$log" | head -20 >&2
    status=1
  else
    echo "valgrind: $name: $checks; $summary"
  fi
  rm -f "$log"
done
exit $status
