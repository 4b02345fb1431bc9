#!/usr/bin/env bash
# Redirect budget (DESIGN.md §11): the tracked redirect /r/{code} with click
# recording (real web server, real SQLite) against a bare echo handler that
# answers 302, side by side on loopback in interleaved rounds. Bounded in
# time; exits non-zero when the budget is missed. Extra arguments go to the
# Go program (-duration 5s -rounds 3 -c 16).
set -euo pipefail
cd "$(dirname "$0")/.."
exec timeout 300 go run ./bench/redirectbench "$@"
