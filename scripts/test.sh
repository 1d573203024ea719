#!/usr/bin/env bash
# The whole test suite, as the README gives it: installs redis-server if missing (the cluster tests
# start private Redis instances for membership), builds warning-free, runs every test and ends with
# one "N passed, N failed" line over all test assemblies. Each step says what it does first.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "test.sh: $*"; }
say "checking that redis-server is installed (apt-get installs it if missing; the cluster tests start private instances)"
command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
say "checking that python3 is installed (apt-get installs it if missing; the HTTP tests run the Python client, standard library only)"
command -v python3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null; }
say "building DocTable.Orleans.sln in Release, warnings as errors (quiet: only errors print; about a minute from clean)"
dotnet build DocTable.Orleans.sln -c Release --nologo -v quiet
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
say "running every test assembly; each test prints a Passed/Failed line as it finishes"
dotnet test DocTable.Orleans.sln -c Release --no-build --nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(awk '$1 == "Passed:" { s += $2 } END { print s + 0 }' "$log")
failed=$(awk '$1 == "Failed:" { s += $2 } END { print s + 0 }' "$log")
echo "$passed passed, $failed failed"
exit "$status"
