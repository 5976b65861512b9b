#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes DIR a view of SRC holding only the named layers, as symlinks, so a
# layer compiled with -I DIR cannot include a header of a layer above it.
#   scripts/layer-view.sh DIR SRC LAYER...
set -eu
dir=$1
src=$2
shift 2
rm -rf "$dir"
mkdir -p "$dir"
for layer in "$@"; do
        ln -s "$src/$layer" "$dir/$layer"
done
