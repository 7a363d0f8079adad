#!/usr/bin/env bash
# A/B of the rate limiters' cost on the hot resolve path (npm run build first): two servers on 127.0.0.1, one with the
# limiters on (never refusing) and one with them off, alternating 3 s autocannon runs; prints server CPU per request.
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI=$ROOT/dist/src/cli.js
AC=$ROOT/node_modules/.bin/autocannon
DIR=$(mktemp -d)
mkdir -p "$DIR/on" "$DIR/off"
common="IDNODE_WORKERS=1 IDNODE_HOST=127.0.0.1 IDNODE_ADMIN_SECRET=ab-admin-secret-00001 IDNODE_LOG_LEVEL=warn IDNODE_SECRET_HASH_ITERATIONS=1000"
env $common IDNODE_DB_PATH=$DIR/on/db IDNODE_PORT=18401 IDNODE_RATE_LIMIT_PER_CLIENT=100000000 IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT=100000000 IDNODE_RATE_LIMIT_PER_IDENTITY=100000000 node $CLI serve & ON=$!
env $common IDNODE_DB_PATH=$DIR/off/db IDNODE_PORT=18402 IDNODE_RATE_LIMIT_PER_CLIENT=0 IDNODE_RATE_LIMIT_ERRORS_PER_CLIENT=0 IDNODE_RATE_LIMIT_PER_IDENTITY=0 node $CLI serve & OFF=$!
trap "kill $ON $OFF; rm -rf $DIR" EXIT
sleep 3
for port in 18401 18402; do curl -s -o /dev/null -u '300%3A0.NA/88.118:ab-admin-secret-00001' -X PUT -H 'Content-Type: application/json' -d '[{"index":1,"type":"URL","data":"https://example.cn/ab"},{"index":2,"type":"EMAIL","data":"ops@example.cn"}]' http://127.0.0.1:$port/api/handles/88.118/AB-1; done
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
for round in 1 2 3 4 5 6 7 8; do
  for side in on off; do
    if [ $side = on ]; then pid=$ON; port=18401; else pid=$OFF; port=18402; fi
    before=$(cpu $pid)
    n=$($AC -c 50 -d 3 -j http://127.0.0.1:$port/api/handles/88.118/AB-1 2>/dev/null | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const r=JSON.parse(s);console.log(r.requests.total)})")
    after=$(cpu $pid)
    echo "$side $round $n $(( (after-before)*10000 ))" | awk '{printf "%s round %s: %d req, %.1f µs CPU/req\n", $1, $2, $3, $4/$3}'
  done
done
