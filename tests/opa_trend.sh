#!/usr/bin/env bash
# The bit-sliced OPA training experiment (experiments/opa_mlp) reproduces
# the ordering of seed 003 Fig. 5.9 (1 epoch, to keep it short): with a CRS
# every 1024 steps the lowest slice saturates less with more bits per slice
# (3 > 4 > 5 > 6) and accuracy rises (3-bit < 5-bit), 5- and 6-bit slices
# train to within 3 points of the float network, and 4-bit slices do better
# with a CRS every 64 steps than every 1024.
# usage: opa_trend.sh path/to/opa_mlp
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
json=$("$1" --epochs 1 --out "$dir" 2>/dev/null | tail -1)
echo "$json"
get() { echo "$json" | sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p"; }
check() { awk "BEGIN { exit !($1) }" || { echo "opa_trend: FAIL: $2" >&2; exit 1; }; }
f=$(get float_acc)
a3=$(get acc_3bit_crs1024); a4=$(get acc_4bit_crs1024)
a4f=$(get acc_4bit_crs64); a5=$(get acc_5bit_crs1024); a6=$(get acc_6bit_crs1024)
s3=$(get sat0_3bit_crs1024); s4=$(get sat0_4bit_crs1024)
s5=$(get sat0_5bit_crs1024); s6=$(get sat0_6bit_crs1024)
check "$s3 > $s4 && $s4 > $s5 && $s5 > $s6" "slice-0 saturation not ordered: $s3 $s4 $s5 $s6"
check "$a3 < $a5" "3-bit ($a3) not below 5-bit ($a5)"
check "$a5 > $f - 0.03 && $a6 > $f - 0.03" "5/6-bit ($a5, $a6) far from float ($f)"
check "$a4f > $a4" "4-bit: CRS 64 ($a4f) not above CRS 1024 ($a4)"
echo "opa_trend: ordering reproduced"
