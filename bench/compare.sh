#!/usr/bin/env bash
# The transforms side by side on one ~3 MB request, all in this one run, each in a fresh process timed request
# by request the same way: the Python and Node references (../shared/bench), our Transform and PartitionKeys.
#   warm-up: the mean rate of a fresh process's first 40 timed requests (ours: after one untimed, printed run;
#            the references' first call is timed);
#   steady:  the mean rate of its timed requests 201-300;
#   floor:   the same request read, every record's data base64-decoded and tokenised (Utf8JsonReader), nothing
#            else, in .NET: what no transform can beat here.
# Usage: bash bench/compare.sh [SHARED_BENCH_DIR] [--allocations]
#   --allocations also runs BenchmarkDotNet on the handlers (steady time and bytes allocated per request).
set -euo pipefail
cd "$(dirname "$0")/.."
refs=../shared/bench
allocations=false
for arg in "$@"; do
  case "$arg" in
    --allocations) allocations=true ;;
    *) refs=$arg ;;
  esac
done
event=$(mktemp --suffix=.json)
trap 'rm -f "$event"' EXIT
python3 "$refs/gen_firehose_event.py" 3000000 > "$event"
records=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['records']))" "$event")
echo "request: $(stat -c %s "$event") bytes, $records change records; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%d)"
dotnet build -c Release src/Cli -v q --nologo > /dev/null

rate() { grep -oP "^$1 MB/s \K[0-9.]+" <<< "$2"; }
python=$(python3 bench/refs/time_ref.py "$refs" "$event" 300)
node=$(node bench/refs/time_ref.cjs "$refs" "$event" 300)
transform=$(dotnet src/Cli/bin/Release/net10.0/Cli.dll invoke transform "$event" --repeat 300 2>&1 >/dev/null)
keys=$(dotnet src/Cli/bin/Release/net10.0/Cli.dll invoke partition-keys "$event" --repeat 300 2>&1 >/dev/null)
floor=$(rate floor "$transform")
row() {
  local steady; steady=$(rate steady "$2")
  printf '| %-17s | %8s | %8s | %8s | %11s |\n' "$1" "$(rate warm-up "$2")" "$steady" "$(awk -v s="$steady" -v f="$floor" 'BEGIN { printf "%.0f%%", 100 * s / f }')" \
    "$(awk -v w="$(rate warm-up "$2")" -v s="$steady" 'BEGIN { printf "%.0f%%", 100 * w / s }')"
}
echo "| transform         |  warm-up |   steady | of floor | warm/steady |"
echo "|                   |     MB/s |     MB/s |          |             |"
echo "|-------------------|---------:|---------:|---------:|------------:|"
row "Python reference" "$python"
row "Node reference" "$node"
row "Transform" "$transform"
row "PartitionKeys" "$keys"
echo "floor: $floor MB/s (the same request read, base64-decoded and tokenised in .NET, nothing else)"

if $allocations; then
  dotnet build -c Release bench/DynamoLake.Benchmarks -v q --nologo > /dev/null
  BENCH_EVENT="$event" dotnet bench/DynamoLake.Benchmarks/bin/Release/net10.0/DynamoLake.Benchmarks.dll --filter '*TransformBenchmarks.Handler*' '*PartitionKeysHandler*' '*DecodeAndScanFloor*' \
    | grep -E '^\| (Method|Handler|PartitionKeysHandler|DecodeAndScanFloor)'
fi
