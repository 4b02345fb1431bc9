#!/usr/bin/env bash
# Dashboard budget (DESIGN.md §11): 1,000,000 clicks and 100,000 orders (with
# lines, refunds, ledger entries and payouts) generated into a fresh SQLite
# database, rolled up, then the real server answers the merchant and
# influencer dashboards over several ranges; p50/p95 per page on 2 cores.
# Budget: p95 ≤ 200 ms per page. Bounded in time; exits non-zero when the
# budget is missed. Extra arguments go to the Go program (-n 20 -keep -dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
exec timeout 1500 env GOMAXPROCS="${GOMAXPROCS:-2}" go run ./bench/dashboardbench "$@"
