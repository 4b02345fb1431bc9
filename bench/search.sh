#!/bin/sh
# Colour search on the embedded backend with 100,000 generated products:
# p50/p95 of colour-only, text + colour and faceted queries on 2 cores.
# The index is built once into $TMPDIR/warna-searchbench and reused.
# Budget: p95 ≤ 50 ms colour-only, ≤ 80 ms text + colour; exits non-zero when
# a budget is missed. -only PREFIX runs only the query kinds named so.
set -eu
cd "$(dirname "$0")/.."
exec env GOMAXPROCS="${GOMAXPROCS:-2}" go run ./bench/searchbench -n "${N:-100000}" "$@"
