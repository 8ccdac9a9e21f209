#!/usr/bin/env bash
# Bad-input corpus, end to end: each file of tests/data/bad_run fed to the
# program that reads it (device files to device_ltp_ltd, Monte Carlo studies
# to mc_run). Every case must fail with its own error (the status message
# of the expected code in the program's message, which also names the file
# or parameter) and leave no output behind: no CSV, PNG or summary in the
# output folder, no temporary file. One more case: resuming a result file
# of another study fails (invalid data) and leaves that file unchanged.
# (The library-level codes, lines and parameter names of the .ini corpus in
# tests/data/bad are asserted by test_param and test_device.)
# usage: bad_inputs.sh EXPERIMENTS_BIN_DIR
set -uo pipefail
bin=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data/bad_run
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# file | expected status message
cases="
dev_duplicate.ini|malformed line
dev_empty_value.ini|malformed line
dev_gmin_above_gmax.ini|value out of range
dev_inf.ini|value is not a finite number
dev_int_fraction.ini|malformed line
dev_missing_file_table.ini|cannot open, read or write file
dev_nan.ini|value is not a finite number
dev_negative_pulse.ini|value out of range
dev_not_number.ini|malformed line
dev_out_of_range.ini|value out of range
dev_unknown_key.ini|unknown key or section
dev_unknown_section.ini|unknown key or section
mc_array_bad_param.ini|unknown key or section
mc_array_rw_zero.ini|value out of range
mc_bad_dist.ini|unknown model type
mc_bad_preset.ini|cannot open, read or write file
mc_bad_sampling.ini|unknown key or section
mc_empty_truncation.ini|value out of range
mc_fraction_samples.ini|value out of range
mc_malformed.ini|malformed line
mc_negative_sigma.ini|value out of range
mc_no_output.ini|required value missing
mc_no_samples.ini|required value missing
mc_no_sigma.ini|required value missing
mc_not_read_param.ini|unknown key or section
mc_uniform_reversed.ini|value out of range
mc_unknown_circuit.ini|unknown model type
mc_unknown_model.ini|unknown model type
mc_unknown_section.ini|unknown key or section
mc_zero_samples.ini|value out of range
"
n=0
fails=0
check() { # name, expected, exit code, stderr file, output folder
  local name=$1 want=$2 rc=$3 log=$4 out=$5
  n=$((n + 1))
  if [ "$rc" -eq 0 ]; then
    echo "bad_inputs: $name: exit 0, want a failure" >&2
    fails=$((fails + 1))
  elif ! grep -qF "$want" "$log"; then
    echo "bad_inputs: $name: message lacks '$want':" >&2
    cat "$log" >&2
    fails=$((fails + 1))
  elif [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
    echo "bad_inputs: $name: left output behind: $(ls -A "$out")" >&2
    fails=$((fails + 1))
  fi
}
while IFS='|' read -r file want; do
  [ -n "$file" ] || continue
  out=$work/out_${file%.ini}
  mkdir -p "$out"
  case $file in
  dev_*) (cd "$data" && "$bin/device_ltp_ltd" --model "$file" --out "$out" \
            --devices 2 > /dev/null 2> "$work/log") ;;
  mc_no_output.ini) (cd "$data" && "$bin/mc_run" "$file" --no-plot \
                      > /dev/null 2> "$work/log") ;;
  mc_*) (cd "$data" && "$bin/mc_run" "$file" --no-plot \
           --output "$out/result.csv" > /dev/null 2> "$work/log") ;;
  esac
  check "$file" "$want" $? "$work/log" "$out"
done <<< "$cases"

# Bad weight files, each as mlp_dense_W1.npy beside good other tensors:
# the bad .npy files of tests/data/bad, a file of the wrong shape, and a
# real W1 truncated, with a byte more, and with a NaN. (nn_train needs the
# MNIST cache; without it these cases are skipped.)
good=$work/good
mkdir -p "$good"
if "$bin/nn_train" --net mlp --masks dense --mlp-epochs 1 --train 64 \
     --out "$good" > /dev/null 2> "$work/log"; then
  w1=$good/mlp_dense_W1.npy
  head -c -8 "$w1" > "$work/w1_truncated.npy"
  { cat "$w1"; printf 'x'; } > "$work/w1_trailing.npy"
  cp "$w1" "$work/w1_nan.npy"
  printf '\000\000\000\000\000\000\370\177' |
    dd of="$work/w1_nan.npy" bs=1 seek=200 conv=notrunc status=none
  npy_cases="
$work/w1_truncated.npy|invalid data
$work/w1_trailing.npy|invalid data
$work/w1_nan.npy|value is not a finite number
$here/data/bad/npy_truncated.npy|size out of range
$here/data/bad/npy_bad_magic.npy|malformed line
$here/data/bad/npy_bad_version.npy|malformed line
$here/data/bad/npy_bad_header.npy|malformed line
$here/data/bad/npy_fortran.npy|unknown model type
$here/data/bad/npy_big_endian.npy|unknown model type
$here/data/bad/npy_huge.npy|size out of range
"
  while IFS='|' read -r file want; do
    [ -n "$file" ] || continue
    name=$(basename "$file" .npy)
    out=$work/out_$name
    weights=$work/weights_$name
    mkdir -p "$out"
    cp -r "$good" "$weights"
    cp "$file" "$weights/mlp_dense_W1.npy"
    (cd "$out" && "$bin/nn_train" --eval "$weights" --net mlp --masks dense \
       > /dev/null 2> "$work/log")
    check "$name.npy" "$want" $? "$work/log" "$out"
  done <<< "$npy_cases"
  out=$work/out_npy_missing
  mkdir -p "$out" "$work/weights_none"
  (cd "$out" && "$bin/nn_train" --eval "$work/weights_none" --net lstm \
     --masks hcgs > /dev/null 2> "$work/log")
  check "missing weights" "cannot open, read or write file" $? "$work/log" \
    "$out"
else
  echo "bad_inputs: nn_train cannot train (no MNIST cache?), the 11 .npy" \
       "cases skipped:" >&2
  cat "$work/log" >&2
fi

# Resuming another study's result file: refused, the file unchanged.
out=$work/out_resume
mkdir -p "$out"
printf 'sample,a,b\n0,1,2\n' > "$work/other.csv"
cp "$work/other.csv" "$work/other.ref"
(cd "$here/../models" && "$bin/mc_run" mc_array_read.ini --no-plot --resume \
   --output "$work/other.csv" > /dev/null 2> "$work/log")
check "resume of another study" "invalid data" $? "$work/log" "$out"
cmp -s "$work/other.csv" "$work/other.ref" || {
  echo "bad_inputs: resume of another study changed the file" >&2
  fails=$((fails + 1))
}
echo "bad_inputs: $n cases, $((n - fails)) passed, $fails failed"
[ $fails -eq 0 ]
