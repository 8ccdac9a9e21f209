#!/usr/bin/env bash
# Run the libFuzzer targets for a while each, two at a time, from the seed
# corpora in tests/fuzz/corpus (copied: the repository's corpus is not
# changed). Fails if any target finds a crash, a leak or undefined
# behaviour; prints each one's executions.
# usage: run.sh BIN_DIR SECONDS TARGET...
set -uo pipefail
bin=$1
secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
run_one() {
  local t=$1
  mkdir -p "$work/$t"
  cp "$here/corpus/$t"/* "$work/$t"/ 2>/dev/null
  "$bin/$t" -max_total_time="$secs" -print_final_stats=1 \
    -artifact_prefix="$work/$t-" "$work/$t" > "$work/$t.log" 2>&1
  local rc=$?
  local n
  n=$(grep -o 'number_of_executed_units: [0-9]*' "$work/$t.log" | awk '{print $2}')
  if [ $rc -ne 0 ]; then
    echo "fuzz: $t FAILED (exit $rc) after ${n:-?} executions:" >&2
    grep -E "ERROR|SUMMARY|Test unit written" "$work/$t.log" >&2
    return 1
  fi
  echo "fuzz: $t ${secs} s, ${n} executions, no crash"
}
pids=()
names=()
for t in "$@"; do
  run_one "$t" &
  pids+=($!)
  names+=("$t")
  if [ ${#pids[@]} -eq 2 ]; then
    for p in "${pids[@]}"; do wait "$p" || status=1; done
    pids=()
  fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
