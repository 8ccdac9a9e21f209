#!/usr/bin/env bash
# Compare two snapshots of scripts/exp-snapshot.sh (before and after a
# change). Every CSV, .dat and .ini file must be byte-identical, every
# program must exit with the same code, and every JSON line on standard
# output must be the same once its timing fields are removed (keys ending
# in _s, _pps, seconds, speedup, ratio: they measure this machine, not the
# model); CSV columns whose header names such a field are blanked the same
# way. Prints one line per difference and a closing count; exits 1 when
# anything differs.
#
#   bash scripts/exp-compare.sh BEFORE AFTER
set -uo pipefail

a=${1:?usage: exp-compare.sh BEFORE AFTER}
b=${2:?usage: exp-compare.sh BEFORE AFTER}
bad=0 same=0

# The JSON lines of a program's stdout, timing fields removed.
json() {
  grep '^{' "$1" | sed -E \
    -e 's/"[a-z0-9_]*(_s|_pps|seconds|speedup[a-z0-9_]*|ratio[a-z0-9_]*)": ?[-+0-9.eE]+(, ?)?//g' \
    -e 's/, ?}/}/'
}

# A CSV with its timing columns blanked (header: the first line not
# starting with #).
csv() {
  awk -F, -v OFS=, '
    /^#/ && !h { print; next }
    !h { h = 1; for (i = 1; i <= NF; i++)
           if ($i ~ /(_s|_pps|seconds)$/) t[i] = 1 }
    { for (i in t) $i = ""; print }' "$1"
}

for rc in "$a"/*.rc; do
  prog=$(basename "$rc" .rc)
  if ! cmp -s "$rc" "$b/$prog.rc"; then
    echo "DIFF $prog: exit code $(cat "$rc") -> $(cat "$b/$prog.rc" 2>/dev/null)"
    bad=$((bad + 1))
    continue
  fi
  if ! diff -q <(json "$a/$prog.stdout") <(json "$b/$prog.stdout") >/dev/null; then
    echo "DIFF $prog: JSON lines"
    diff <(json "$a/$prog.stdout") <(json "$b/$prog.stdout") | head -6
    bad=$((bad + 1))
  else
    same=$((same + 1))
  fi
  for f in "$a/$prog"/*; do
    [ -e "$f" ] || continue
    g=$b/$prog/$(basename "$f")
    if cmp -s "$f" "$g" ||
       { [[ $f == *.csv ]] && [ -e "$g" ] && cmp -s <(csv "$f") <(csv "$g"); }; then
      same=$((same + 1))
    else
      echo "DIFF $prog: $(basename "$f")"
      bad=$((bad + 1))
    fi
  done
  for g in "$b/$prog"/*; do
    [ -e "$g" ] || continue
    [ -e "$a/$prog/$(basename "$g")" ] || { echo "NEW  $prog: $(basename "$g")"; bad=$((bad + 1)); }
  done
done
echo "exp-compare: $same identical, $bad different"
[ "$bad" -eq 0 ]
