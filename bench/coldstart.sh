#!/usr/bin/env bash
# The first requests of a fresh Lambda-like process, before and after ReadyToRun and the template's runtime
# knobs: time to the first response and to the 40th, and MB/s over the first 40 requests against the same
# process's steady state (COLDSTART_DETAIL=1 adds each of the first 40 requests in ms; COLDSTART_MEDIAN=1 the
# steady requests' median MB/s, for comparing two builds). The functions are published for this machine's
# architecture (the template deploys arm64 with the same settings).
# Usage: bash bench/coldstart.sh [runs=3] [SHARED_BENCH_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
refs=${2:-../shared/bench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$refs/gen_firehose_event.py" 3000000 > "$work/event.json"
rid=linux-$( [ "$(uname -m)" = aarch64 ] && echo arm64 || echo x64 )
echo "request: $(stat -c %s "$work/event.json") bytes; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $rid"
dotnet build -c Release bench/DynamoLake.ColdStart -v q --nologo > /dev/null
for fn in Transform PartitionKeys; do
  dotnet publish "src/$fn" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=false -o "$work/$fn-jit" -v q --nologo > /dev/null
  dotnet publish "src/$fn" -c Release -r "$rid" --self-contained false -o "$work/$fn-r2r" -v q --nologo > /dev/null
  # The runtime knobs the template gives the function (DOTNET_*), applied as Lambda applies them.
  knobs=$(python3 -c "import json,sys; v=json.load(open('serverless.template'))['Resources']['${fn}Function']['Properties']['Environment']['Variables']; print(' '.join(f'{k}={v[k]}' for k in v if k.startswith('DOTNET_')))")
  for i in $(seq "$runs"); do
    echo -n "$fn JIT, no knobs:        "; dotnet bench/DynamoLake.ColdStart/bin/Release/net10.0/DynamoLake.ColdStart.dll "$work/$fn-jit" "$fn::$fn.Function::FunctionHandler" "$work/event.json"
    echo -n "$fn ReadyToRun + knobs:   "; env $knobs dotnet bench/DynamoLake.ColdStart/bin/Release/net10.0/DynamoLake.ColdStart.dll "$work/$fn-r2r" "$fn::$fn.Function::FunctionHandler" "$work/event.json"
    # Rejected in ADR 0021, shown for the trade: dynamic PGO off starts faster and runs 10–13 % slower for good.
    echo -n "$fn ... + PGO off:        "; env $knobs DOTNET_TieredPGO=0 DOTNET_TC_QuickJitForLoops=0 dotnet bench/DynamoLake.ColdStart/bin/Release/net10.0/DynamoLake.ColdStart.dll "$work/$fn-r2r" "$fn::$fn.Function::FunctionHandler" "$work/event.json"
  done
done
