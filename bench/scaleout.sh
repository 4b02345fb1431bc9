#!/usr/bin/env bash
# Load across two instances (issue 17): SeaweedFS's S3 and two `warna serve`
# on one scratch PostgreSQL database on loopback; redirects, searches, one
# upload a second and checkouts (link followed on one instance, bought on
# the other), first on one instance and then spread over both, for DURATION
# each (default 60s). Prints the p95 of each route side by side, the
# errors, the clicks answered and stored, and the ledger against the orders;
# exits non-zero when a click is not stored exactly once, an order is not
# credited once, or a request failed.
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch?sslmode=disable bench/scaleout.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL to a PostgreSQL database the run may use (it works in a scratch schema)}"
WARNA_WEED=${WARNA_WEED:-$(.ci/seaweedfs)}
export WARNA_WEED WARNA_SCALEOUT_LOAD="${1:-60s}"
exec timeout 600 go test -count=1 -run '^TestLoadAcrossInstances$' -v -timeout 9m ./scaleout
