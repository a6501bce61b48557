#!/usr/bin/env bash
# verify end to end on one machine, in its own process: moto (DynamoDB, S3) holds the table and the results
# bucket, the tests' Athena stand-in (bench/DynamoLake.AthenaStandIn) serves a lake that equals the table
# (seed → export → backfill). Prints verify's output, wall time and peak memory.
# Usage: bash bench/verify.sh [COUNT] [SEGMENTS]   (moto writes about 850 items/s, so COUNT sets the wait; SEGMENTS
# defaults to 1 here: moto serves one request at a time, and 4 parallel segments of 180,000 items made each page
# take over the client's 30 s)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-20000}
segments=${2:-1}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m moto.server -p "$port" > "$work/moto.log" 2>&1 &
moto=$!
athena=""
trap 'kill $moto $athena 2>/dev/null || true; rm -rf "$work"' EXIT
endpoint="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB"
dotnet build -c Release src/Cli -v q --nologo > /dev/null
dotnet build -c Release bench/DynamoLake.AthenaStandIn -v q --nologo > /dev/null
cli="dotnet src/Cli/bin/Release/net10.0/Cli.dll"
for _ in $(seq 50); do curl -s "$endpoint" > /dev/null && break; sleep 0.2; done

$cli seed --endpoint "$endpoint" --create-table --table bench --count "$count" 2> /dev/null | tail -1
$cli export --endpoint "$endpoint" --table bench --file "$work/export.json.gz"
$cli backfill "$work/export.json.gz" --lake "$work/lake" 2> /dev/null | tail -1
aws --endpoint-url "$endpoint" s3api create-bucket --bucket bench-results > /dev/null

mkfifo "$work/athena.in"
dotnet bench/DynamoLake.AthenaStandIn/bin/Release/net10.0/DynamoLake.AthenaStandIn.dll "$work/lake" "$endpoint" < "$work/athena.in" > "$work/athena.out" &
athena=$!
exec 3> "$work/athena.in"
for _ in $(seq 100); do [ -s "$work/athena.out" ] && break; sleep 0.1; done

AWS_ENDPOINT_URL_ATHENA=$(head -1 "$work/athena.out") COLUMNS=200 /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
  $cli verify --endpoint "$endpoint" --table bench --catalog s3tablescatalog/dynamolake-lake --database analytics \
  --change-log-database bench_changes --results s3://bench-results/verify/ --segments "$segments" 2>&1 | grep -v '━'
echo "left in the results bucket: $(aws --endpoint-url "$endpoint" s3api list-objects-v2 --bucket bench-results --query 'length(Contents || `[]`)')"
