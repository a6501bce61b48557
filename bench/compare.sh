#!/usr/bin/env bash
# Side-by-side speed run on one ~3 MB request: the Python and Node references (../shared/bench) and
# our Transform (CLI --repeat and BenchmarkDotNet). Usage: bash bench/compare.sh [SHARED_BENCH_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
refs=${1:-../shared/bench}
event=$(mktemp --suffix=.json)
trap 'rm -f "$event"' EXIT
python3 "$refs/gen_firehose_event.py" 3000000 > "$event"
echo "request: $(stat -c %s "$event") bytes; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
dotnet build -c Release src/Cli -v q --nologo > /dev/null
dotnet build -c Release bench/DynamoLake.Benchmarks -v q --nologo > /dev/null
echo -n "python reference: "; python3 "$refs/ref_transform.py" "$event" 5
echo -n "node reference:   "; node "$refs/ref_transform.js" "$event" 20
echo -n "dotnet transform (CLI --repeat 300): "
dotnet src/Cli/bin/Release/net10.0/Cli.dll invoke transform "$event" --repeat 300 2>&1 >/dev/null | grep 'MB/s'
echo -n "dotnet partition-keys (CLI --repeat 300): "
dotnet src/Cli/bin/Release/net10.0/Cli.dll invoke partition-keys "$event" --repeat 300 2>&1 >/dev/null | grep 'MB/s'
BENCH_EVENT="$event" dotnet bench/DynamoLake.Benchmarks/bin/Release/net10.0/DynamoLake.Benchmarks.dll --filter '*TransformBenchmarks.Handler*' '*PartitionKeysHandler*' "${@:2}" \
  | grep -E '^\| (Method|Handler|PartitionKeysHandler)'
