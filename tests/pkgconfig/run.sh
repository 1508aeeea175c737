#!/bin/bash
# Build and run tests/pkgconfig/consumer.c against libvnet installed in PREFIX,
# through nothing but `pkg-config --cflags --libs vnet`.
set -euo pipefail
prefix=$1
src=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$out/consumer" "$src/consumer.c" $(pkg-config --cflags --libs vnet)
LD_LIBRARY_PATH="$prefix/lib" "$out/consumer"
