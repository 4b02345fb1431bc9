#!/bin/sh
# Colour search on the embedded backend with 100,000 generated products:
# p50/p95, CPU and allocations per query of family-word, hex colour-only,
# text + colour and faceted queries on 2 cores. The index is built in
# memory at every run.
# Budgets (issue 14): p95 ≤ 10 ms family words, ≤ 25 ms hex colour-only,
# ≤ 20 ms text + colour; exits non-zero when one is missed. -only PREFIX runs
# only the query kinds named so. The machine's load average is printed: on a
# shared machine, read the CPU per query beside the latencies.
set -eu
cd "$(dirname "$0")/.."
exec env GOMAXPROCS="${GOMAXPROCS:-2}" go run ./bench/searchbench -n "${N:-100000}" "$@"
