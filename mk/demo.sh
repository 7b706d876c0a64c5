#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: run the longest chain that works today on generated studies, explaining each step.
set -eu
build=${1:-build}
export PATH="$PWD/$build:$PWD/$build/tools:$PATH"
echo "== pdigate demo =="
pdigate version
