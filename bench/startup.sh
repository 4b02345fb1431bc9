#!/bin/sh
# Start-up of the embedded search index: how long `warna serve` takes to
# build it from the database, at N products (default 100,000; N=1000000 for
# a million), on 2 cores. The database is made once in
# $TMPDIR/warna-startupbench/N and reused. Budget (DESIGN.md §11): 5 s per
# 100,000 products; exits non-zero when it is missed. Extra flags go to
# bench/startupbench (-runs 3, -database-url postgres://…).
set -eu
cd "$(dirname "$0")/.."
exec env GOMAXPROCS="${GOMAXPROCS:-2}" go run ./bench/startupbench -n "${N:-100000}" "$@"
