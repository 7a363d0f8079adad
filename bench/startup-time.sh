#!/bin/sh
# Start-up to ready of `idnode serve` on a store (issue 13 target 3): seconds until GET /readyz answers 200, and the
# RSS then. Usage: bench/startup-time.sh STORE [PORT]. Run it on a copy of a seeded store (the node writes to it), e.g.
#   cp "$TMPDIR/idnode-bench-seed/seed-10000000-…db" /tmp/10m.db && chmod 600 /tmp/10m.db && bench/startup-time.sh /tmp/10m.db
set -eu
DB=$1
PORT=${2:-47311}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T0=$(date +%s.%N)
IDNODE_WORKERS=1 IDNODE_DB_PATH=$DB IDNODE_PORT=$PORT IDNODE_HANDLE_PORT=0 IDNODE_HOST=127.0.0.1 IDNODE_ADMIN_SECRET=bench-admin-secret-0001 \
  IDNODE_NODE_PREFIX=88.118 IDNODE_LOG_LEVEL=warn node "$ROOT/dist/src/cli.js" serve &
PID=$!
until curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$PORT/readyz" 2>/dev/null | grep -q 200; do sleep 0.02; done
T1=$(date +%s.%N)
echo "ready after $(echo "$T1 - $T0" | bc) s, $(grep VmRSS /proc/$PID/status | tr -s ' \t' ' ')"
kill $PID
wait $PID 2>/dev/null || true
