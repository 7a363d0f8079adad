#!/usr/bin/env bash
# The operators' install path (docs/install.md) in a clean folder: pack the built JS, install it without dev
# dependencies, start it with `npm start` (no compiling), register and resolve one handle, check the file modes,
# stop it with SIGTERM. better-sqlite3 compiles from source here, so this takes minutes: CI runs it after npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT
started=$SECONDS
lap=$SECONDS
timed() { echo "production install: $1 took $((SECONDS - lap)) s"; lap=$SECONDS; }

# 1. Pack: `prepare` builds dist/, `prepack` ships the lockfile as npm-shrinkwrap.json.
npm pack --silent --pack-destination "$work" > "$work/packed.txt"
tarball="$work/$(tail -n 1 "$work/packed.txt")"
timed "npm pack ($(du -k "$tarball" | cut -f1) KiB)"

# 2. Install where nothing else is: runtime dependencies only, from the npm registry only. prebuild-install would
#    fetch better-sqlite3's binary from outside the npm registry; build it from source instead (its rc setting, read
#    from the environment; npm warns about npm_config_build_from_source, an option it does not know).
mkdir "$work/idnode"
tar -xzf "$tarball" -C "$work/idnode" --strip-components=1
cd "$work/idnode"
env 'prebuild-install_buildFromSource=true' npm ci --omit=dev --no-audit --no-fund
for dev in typescript ava autocannon fast-check; do
  if [ -e "node_modules/$dev" ]; then echo "production install: dev dependency $dev was installed" >&2; exit 1; fi
done
test -f dist/src/cli.js
timed "npm ci --omit=dev"

# 3. Start without compiling: dist/ must be exactly what was shipped.
before=$(find dist -type f -newer package.json | wc -l)
IDNODE_PORT=0 IDNODE_HOST=127.0.0.1 IDNODE_ADMIN_SECRET=production-install-0001 IDNODE_LOG_LEVEL=info npm start > start.log 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  if grep -q '"idnode listening"' start.log; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat start.log >&2; echo "production install: the node exited before listening" >&2; exit 1; fi
  sleep 0.1
done
grep -q '"idnode listening"' start.log || { cat start.log >&2; echo "production install: the node did not listen within 60 s" >&2; exit 1; }
if grep -qE '^> (tsc|idnode@[^ ]+ prestart)' start.log; then cat start.log >&2; echo "production install: npm start compiled" >&2; exit 1; fi
test "$(find dist -type f -newer package.json | wc -l)" = "$before"
port=$(grep -o '"port":[0-9]*' start.log | head -n 1 | cut -d: -f2)
timed "npm start until listening"

# 4. Register and resolve over HTTP on loopback.
node --input-type=module -e "
const base = 'http://127.0.0.1:$port/api/handles/88.118/PROD-1';
const auth = 'Basic ' + Buffer.from('300%3A0.NA/88.118:production-install-0001').toString('base64');
const put = await fetch(base, { method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify([{ index: 1, type: 'URL', data: 'https://example.cn/prod' }]) });
if (put.status !== 201) throw new Error('PUT answered ' + put.status + ': ' + await put.text());
const get = await fetch(base);
const body = await get.json();
if (get.status !== 200 || body.values?.[0]?.data?.value !== 'https://example.cn/prod') throw new Error('GET answered ' + get.status + ': ' + JSON.stringify(body));
"

# 5. Secrets at rest: the data folder 0700, the store 0600.
test "$(stat -c %a data)" = 700
test "$(stat -c %a data/idnode.db)" = 600

# 6. SIGTERM to npm reaches the node, which stops cleanly.
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
if [ "$status" -ne 0 ]; then cat start.log >&2; echo "production install: exit status $status after SIGTERM" >&2; exit 1; fi
grep -q '"stopped"' start.log
timed "register, resolve, stop"
echo "production install: ok in $((SECONDS - started)) s"
