#!/usr/bin/env bash
# Run every experiment program with small, fixed options and keep what it
# writes: each program's CSVs (and .ini files) under OUT/<program>/ and its
# standard output as OUT/<program>.stdout. Two snapshots taken before and
# after a refactor are compared with scripts/exp-compare.sh: the CSVs must
# be identical, the JSON lines identical but for their timing fields.
#
#   bash scripts/exp-snapshot.sh BUILD OUT [PROGRAM ...]
#
# BUILD is a CMake build folder (its experiments/ holds the programs). The
# MNIST cache must exist (make data). About 6 minutes on 2 cores.
set -uo pipefail

build=${1:?usage: exp-snapshot.sh BUILD OUT [PROGRAM ...]}
out=${2:?usage: exp-snapshot.sh BUILD OUT [PROGRAM ...]}
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$build" && pwd)/experiments
mkdir -p "$out"
out=$(cd "$out" && pwd)

# program | arguments ({D} is the program's output folder)
runs=(
  "device_ltp_ltd|--out {D}"
  "sneak_read|--out {D} --rows 40 --cols 40"
  "ir_drop_write|--out {D} --rows 40 --cols 40"
  "read_waveforms|--out {D}"
  "read_linearity|--out {D} --step 0.05"
  "read_array|--out {D} --rows 24 --cols 24"
  "calibrate_read|--out {D} --netlists $src/netlists"
  "write_quantization|--out {D}"
  "write_array|--out {D} --rows 40 --cols 40"
  "write_timing|--out {D}"
  "sar_inl_dnl|--out {D} --instances 40"
  "opa_mlp|--out {D} --epochs 1 --seeds 1"
  "parca_demo|--out {D} --train 3000 --test 500 --epochs 1 --beh-train 3000 --beh-epochs 1 --acc-epochs 1 --circuit 2 --circuit-test 20"
  "mc_run|$src/models/mc_array_read.ini --samples 24 --threads 2 --output {D}/mc_array_read.csv"
  "mc_fig220|--samples 40 --out {D}"
  "bench_array|--sizes 16,32 --ngspice-max 16 --klu-max 32"
  "bench_read|--sizes 8"
  "bench_mc|--samples 64"
  "bench_parca|--ideal 2000 --behavioral 1000 --circuit 1"
)

want=" $* "
for r in "${runs[@]}"; do
  prog=${r%%|*}
  args=${r#*|}
  [ $# -eq 0 ] || [[ $want == *" $prog "* ]] || continue
  d=$out/$prog
  rm -rf "$d" && mkdir -p "$d"
  args=${args//\{D\}/$d}
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  (cd "$d" && "$bin/$prog" $args) > "$out/$prog.stdout" 2> "$out/$prog.stderr"
  rc=$?
  t1=$(date +%s.%N)
  printf '%-20s rc=%d %6.1f s\n' "$prog" "$rc" "$(echo "$t1 - $t0" | bc)"
  echo "$rc" > "$out/$prog.rc"
  rm -f "$d"/*.png "$d"/*.tmp
done
