#!/usr/bin/env bash
# End-to-end speed of the local pipeline on the embedded default: about 1,000,000 change records
# (690,000 transactions, then updates, deletes and TTL expiries). Prints the summary, wall time and peak memory.
# Usage: bash bench/pipeline.sh [COUNT]   (6900000 makes about 10,000,000 change records; memory stays bounded, ADR 0009)
# The lake goes to a temporary folder on the same disk as /tmp: a run needs several times the lake's size while it lasts
# (6.4 GB seen under a 10M run's lake, whose Parquet is 1.5 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-690000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB"
dotnet build -c Release src/Cli -v q --nologo > /dev/null
COLUMNS=200 /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
  dotnet src/Cli/bin/Release/net10.0/Cli.dll pipeline --count "$count" --out "$out"
