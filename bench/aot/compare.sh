#!/usr/bin/env bash
# The Transform's two builds beside a fake Lambda Runtime API (fake_runtime.py), on ../shared/bench's ~3 MB
# request: Native AOT (the Makefile sam build runs for ProcessorBuild=native-aot) and ReadyToRun on the managed
# runtime (the same Runtime API loop around the managed build, with the template's DOTNET_TC_CallCountingDelayMs=0).
# Each run is one fresh execution environment serving REQUESTS requests (641 of 1,561 changes: a million changes).
# Usage: bash bench/aot/compare.sh [RUNS] [REQUESTS] [SHARED_BENCH_DIR]
#   AOT_FLAGS is passed to the Makefile (e.g. -p:CppCompilerAndLinker=gcc where there is no clang).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
requests=${2:-641}
refs=${3:-../shared/bench}
rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$refs/gen_firehose_event.py" 3000000 > "$work/event.json"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $rid; $(date -u +%Y-%m-%d)"
(cd "$work" && DYNAMOLAKE_PROCESSOR_BUILD=native-aot make -s --makefile "$OLDPWD/src/Transform/NativeAot/Makefile" build-TransformAotFunction ARTIFACTS_DIR="$work/aot" RID="$rid" AOT_FLAGS="${AOT_FLAGS:-}" > /dev/null)
dotnet publish src/Transform -c Release -r "$rid" -p:NativeAot=true -p:PublishAot=false -p:SelfContained=false -p:PublishReadyToRun=true \
  ${AOT_FLAGS:-} -o "$work/managed" -v q --nologo > /dev/null
echo "package: Native AOT $(du -sh "$work/aot" | cut -f1), ReadyToRun $(du -sh "$work/managed" | cut -f1) (plus the runtime Lambda provides)"
for i in $(seq "$runs"); do
  echo "Native AOT, run $i: $(cd "$work/aot" && python3 "$OLDPWD/bench/aot/fake_runtime.py" "$work/event.json" "$requests" -- env CONTRACT=contracts/transactions.json ./bootstrap | tr '\n' ' ')"
  echo "ReadyToRun, run $i: $(cd "$work/managed" && python3 "$OLDPWD/bench/aot/fake_runtime.py" "$work/event.json" "$requests" -- env CONTRACT=contracts/transactions.json DOTNET_TC_CallCountingDelayMs=0 dotnet bootstrap.dll | tr '\n' ' ')"
done
