#!/usr/bin/env bash
# Install the built xbar into a scratch prefix and build a consumer program
# against it twice: with CMake's find_package(xbar) (shared and static) and
# with pkg-config. Each program must run and agree with Eq. 2.1.
# usage: install_consumer.sh BUILD_DIR CONSUMER_SRC_DIR C_COMPILER
set -euo pipefail
build=$1 src=$2 cc=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null

echo "== find_package(xbar)"
cmake -S "$src" -B "$work/cm" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$work/cm" >/dev/null
"$work/cm/consumer"
"$work/cm/consumer_static"

echo "== pkg-config xbar"
pc=$(dirname "$(find "$prefix" -name xbar.pc | head -n 1)")
export PKG_CONFIG_PATH=$pc
libdir=$(pkg-config --variable=libdir xbar)
"$cc" -std=c11 "$src/main.c" -o "$work/pc_consumer" \
      $(pkg-config --cflags xbar) $(pkg-config --libs xbar) -lm \
      -Wl,-rpath,"$libdir"
"$work/pc_consumer"
"$cc" -std=c11 "$src/main.c" -o "$work/pc_consumer_static" \
      $(pkg-config --cflags --static xbar) \
      "$libdir/libxbar.a" $(pkg-config --libs-only-l --static xbar | sed 's/-lxbar//') -lm
"$work/pc_consumer_static"
echo "install consumer: all four builds ran"
