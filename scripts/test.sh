#!/usr/bin/env bash
# The whole test suite, as the README gives it: installs RabbitMQ if missing (the cluster tests start
# their own private brokers with scripts/broker.sh), builds warning-free, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/broker.sh ensure-installed
dotnet build DocTable.Orleans.sln -c Release --nologo -v quiet
dotnet test DocTable.Orleans.sln -c Release --no-build --nologo --logger "console;verbosity=normal" "$@"
