#!/bin/sh
# Raises the open-file limit as far as this shell may (10 000 connections need 10 000 descriptors in
# the client and as many in each server), then runs the harness with the flags given.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
BENCH_NOFILE="$(ulimit -n)"
export BENCH_NOFILE
exec node "$(dirname "$0")/src/run.mjs" "$@"
