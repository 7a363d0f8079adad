#!/usr/bin/env bash
# Side-by-side A/B of two idnode builds on the anonymous resolve path (npm run build first in both):
#   bash bench/build-ab.sh <other build's dist/src/cli.js> [path]   (ROUNDS=6, PROFILE=1 for CPU profiles)
# Both servers run at once on 127.0.0.1, each on its own fresh store with one record; 3 s autocannon runs alternate
# between them, and each server's CPU per request is read from /proc — so machine-wide noise hits both alike.
# With PROFILE=1 each server writes a .cpuprofile on exit (into bench/results/ab-profiles/{a,b}).
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A_CLI=${1:?usage: build-ab.sh <other dist/src/cli.js> [path]}
B_CLI=$ROOT/dist/src/cli.js
URL_PATH=${2:-/api/handles/88.118/AB-1}
AC=$ROOT/node_modules/.bin/autocannon
DIR=$(mktemp -d)
mkdir -p "$DIR/a" "$DIR/b"
prof() { if [ "${PROFILE:-0}" = 1 ]; then mkdir -p "$ROOT/bench/results/ab-profiles/$1"; echo "--cpu-prof --cpu-prof-dir=$ROOT/bench/results/ab-profiles/$1"; fi; }
common="IDNODE_WORKERS=1 IDNODE_HOST=127.0.0.1 IDNODE_HANDLE_PORT=0 IDNODE_ADMIN_SECRET=ab-admin-secret-00001 IDNODE_LOG_LEVEL=warn IDNODE_SECRET_HASH_ITERATIONS=1000"
# The rate limiters are set high enough never to refuse, as in npm run bench. A build older than them refuses unknown
# IDNODE_* names: run it with A_LIMITS=0.
limits="IDNODE_RATE_LIMIT_PER_CLIENT=100000000 IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT=100000000 IDNODE_RATE_LIMIT_PER_IDENTITY=100000000"
a_limits=$limits
[ "${A_LIMITS:-1}" = 0 ] && a_limits=
env $common $a_limits IDNODE_DB_PATH=$DIR/a/db IDNODE_PORT=18501 node $(prof a) "$A_CLI" serve & A=$!
env $common $limits IDNODE_DB_PATH=$DIR/b/db IDNODE_PORT=18502 node $(prof b) "$B_CLI" serve & B=$!
trap 'kill -INT $A $B; sleep 3; rm -rf $DIR' EXIT
sleep 4
for port in 18501 18502; do
  curl -s -o /dev/null -u '300%3A0.NA/88.118:ab-admin-secret-00001' -X PUT -H 'Content-Type: application/json' \
    -d '[{"index":1,"type":"URL","data":"https://example.cn/ab"},{"index":2,"type":"EMAIL","data":"ops@example.cn"}]' http://127.0.0.1:$port/api/handles/88.118/AB-1
done
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
for round in $(seq 1 "${ROUNDS:-6}"); do
  for side in a b; do
    if [ $side = a ]; then pid=$A; port=18501; else pid=$B; port=18502; fi
    before=$(cpu $pid)
    n=$($AC -c 50 -d 3 -j "http://127.0.0.1:$port$URL_PATH" 2>/dev/null | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).requests.total))")
    after=$(cpu $pid)
    echo "$side $round $n $(( (after - before) * 10000 ))" | awk '{printf "%s (%s) round %s: %d req, %.1f µs CPU/req\n", $1, $1 == "a" ? "other" : "this", $2, $3, $4 / $3}'
  done
done
