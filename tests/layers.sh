#!/usr/bin/env bash
# The library's layering, checked from its #include lines (docs/ARCHITECTURE.md).
#
# Each module (a folder of lib/, with the public headers it owns) has a
# layer; a file may include a public header of its own module or of a
# module on a LOWER layer, its own module's private headers, core_impl.h,
# and lib/array/array_view.h (the array's read-only internal view) from a
# layer above the array. Anything else - a private *_impl.h of another
# module, a header of a module on the same or a higher layer - is an
# arrow running the wrong way and fails the test, as does any cycle in the
# include graph of lib/ (tsort). Prints one line per violation and a
# closing "N passed, N failed" line.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root/lib" || exit 2

# module layer, lowest first
declare -A layer=(
  [core]=0
  [device]=1 [data]=1 [mvm]=1 [mc]=1
  [array]=2
  [read]=3 [write]=3
  [spice]=4 [learn]=4 [tile]=4
  [nn]=5)
# owner module of each public header (by name stem)
owner() {
  case $1 in
    error|param|rng|version) echo core ;;
    spice|spice_*) echo spice ;;
    npy) echo nn ;;
    xbar) echo umbrella ;;
    *) echo "$1" ;;
  esac
}

bad=0 ok=0 edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
files=$(find . -name '*.[ch]' | sed 's#^\./##' | sort)
for f in $files; do
  case $f in
    include/xbar/*) stem=$(basename "$f" .h); mod=$(owner "${stem%.h}") ;;
    *) mod=${f%%/*} ;;
  esac
  [ "$mod" = umbrella ] && continue
  my=${layer[$mod]:-}
  if [ -z "$my" ]; then
    echo "FAIL $f: module '$mod' has no layer in tests/layers.sh"
    bad=$((bad + 1)); continue
  fi
  echo "$f $f" >> "$edges"
  while read -r inc; do
    case $inc in
      \<xbar/*)
        h=${inc#<xbar/}; h=${h%.h>}
        o=$(owner "$h")
        echo "$f include/xbar/$h.h" >> "$edges"
        if [ "$o" != "$mod" ] && [ "$o" != umbrella ] &&
           [ "${layer[$o]:-99}" -ge "$my" ]; then
          echo "FAIL $f includes <xbar/$h.h> of $o (layer ${layer[$o]:-?} >= $mod's $my)"
          bad=$((bad + 1)); continue
        fi ;;
      \"*)
        p=${inc#\"}; p=${p%\"}
        t=$(realpath -m --relative-to=. "$(dirname "$f")/$p")
        echo "$f $t" >> "$edges"
        tm=${t%%/*}
        case $t in
          core/core_impl.h) ;;
          array/array_view.h)
            if [ "$mod" != array ] && [ "$my" -le "${layer[array]}" ]; then
              echo "FAIL $f includes the array's view from layer $my"
              bad=$((bad + 1)); continue
            fi ;;
          *)
            if [ "$tm" != "$mod" ]; then
              echo "FAIL $f includes $t, private to $tm"
              bad=$((bad + 1)); continue
            fi ;;
        esac ;;
      *) continue ;;
    esac
    ok=$((ok + 1))
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' "$f" |
           grep -E '^(<xbar/|")')
done

# A cycle in the include graph: tsort names the loop on stderr.
if loops=$(tsort "$edges" 2>&1 >/dev/null) && [ -z "$loops" ]; then
  ok=$((ok + 1))
else
  echo "FAIL include cycle: $loops"
  bad=$((bad + 1))
fi
echo "layers: $ok passed, $bad failed"
[ "$bad" -eq 0 ]
