#!/usr/bin/env bash
# The Monte Carlo runner end to end (experiments/mc_run, xbar/mc.h):
#  - the same seed gives a byte-identical result file on 1 and 2 OpenMP
#    threads, and on 1 and 2 MPI ranks (mpirun -np 2 --oversubscribe, with
#    --allow-run-as-root when root);
#  - a run killed (SIGKILL) after some samples and then resumed ends with
#    the same file as an uninterrupted run.
# The study: 300 array reads (32 x 32, lognormal device spread and wire
# resistance varied by LHS), a few milliseconds each.
# usage: mc_cli.sh path/to/mc_run
set -euo pipefail
run=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/s.ini" <<'INI'
[study]
samples  = 300
seed     = 7
sampling = lhs
output   = ref.csv
model    = array
size     = 32
g        = 2e-5
v_read   = 0.2
[param d2d]
dist = uniform
lo   = 0.0
hi   = 0.3
[param rw]
dist  = lognormal
mean  = 0.634
sigma = 0.5
INI
fail() { echo "mc_cli: FAIL: $*" >&2; exit 1; }
# Under the sanitizer build (make test-sanitize): OpenMPI's plugins keep
# allocations to exit from modules it has already unloaded, which LSan
# cannot suppress by name; the engine's own leak check is test_mc's.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

"$run" "$dir/s.ini" --threads 1 --no-plot > /dev/null 2>&1 || fail "1-thread run"
lines=$(wc -l < "$dir/ref.csv")
[ "$lines" -eq 301 ] || fail "ref.csv has $lines lines, want 301"
"$run" "$dir/s.ini" --threads 2 --no-plot --output "$dir/t2.csv" > /dev/null 2>&1 \
  || fail "2-thread run"
cmp "$dir/ref.csv" "$dir/t2.csv" || fail "1 vs 2 threads differ"
echo "mc_cli: 1 and 2 threads: identical ($lines lines)"

command -v mpirun > /dev/null || fail "mpirun missing (scripts/install-deps.sh installs openmpi-bin)"
mpiflags=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && mpiflags+=(--allow-run-as-root)
# OpenMPI in containers: no shared-memory segments of its own size checks.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
for np in 1 2; do
  mpirun -np $np "${mpiflags[@]}" "$run" "$dir/s.ini" --threads 1 --no-plot \
    --output "$dir/mpi$np.csv" > "$dir/mpi$np.log" 2>&1 \
    || { cat "$dir/mpi$np.log" >&2; fail "mpirun -np $np"; }
  cmp "$dir/ref.csv" "$dir/mpi$np.csv" || fail "$np MPI rank(s) differ"
done
echo "mc_cli: 1 and 2 MPI ranks: identical"

set +e
"$run" "$dir/s.ini" --threads 2 --no-plot --output "$dir/k.csv" \
  --stop-after 120 > /dev/null 2>&1
rc=$?
set -e
[ $rc -eq 137 ] || fail "the --stop-after run should die by SIGKILL (rc $rc)"
partial=$(wc -l < "$dir/k.csv")
[ "$partial" -gt 100 ] && [ "$partial" -lt 301 ] \
  || fail "killed run left $partial lines"
"$run" "$dir/s.ini" --threads 2 --no-plot --output "$dir/k.csv" --resume \
  > /dev/null 2>&1 || fail "resume"
cmp "$dir/ref.csv" "$dir/k.csv" || fail "killed + resumed differs"
echo "mc_cli: killed after $((partial - 1)) samples, resumed: identical"
