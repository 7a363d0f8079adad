// `idnode import` and `idnode export` against the store of a serving node (separate processes): the node answers the
// imported handles, and a 404 it answered (and cached) before the import does not stick.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { httpCall } from '../support/http-client.js';
import { serveEnv, startServe } from '../support/serve-process.js';
import { idnode, ndjsonLines, tempDir } from './bulk-support.js';

const DEADLINE_MS = 20_000;

test('import while the node serves: a handle the node answered 404 for (negative-cached for an hour) resolves after the import', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'idnode.db');
  // Without the node noticing the other process's commit, this negative entry would be served for an hour.
  const node = await startServe(t, serveEnv(db, { IDNODE_CACHE_NEGATIVE_TTL_SECONDS: '3600' }));
  const path = '/api/handles/88.118/IMP-000042';
  t.is((await httpCall(node.port, 'GET', path)).status, 404);
  t.is((await httpCall(node.port, 'GET', path)).status, 404);

  const file = join(dir, 'in.ndjson');
  writeFileSync(file, `${ndjsonLines(500).join('\n')}\n`);
  const run = idnode(db, ['import', file]);
  t.regex(run.stdout, /loaded: +500 identifiers/, run.stderr);

  // The node polls PRAGMA data_version (once a second by default); wait for the answer to change, not for a time.
  const until = Date.now() + DEADLINE_MS;
  let reply = await httpCall(node.port, 'GET', path);
  while (reply.status === 404 && Date.now() < until) {
    await new Promise((next) => setTimeout(next, 50));
    reply = await httpCall(node.port, 'GET', path);
  }
  t.is(reply.status, 200);
  t.regex(reply.text, /"value":"https:\/\/trace\.example\.cn\/p\/42"/);
  t.is((await httpCall(node.port, 'GET', '/api/handles/88.118/IMP-000499')).status, 200);

  // Export reads a snapshot beside the serving node.
  const exported = idnode(db, ['export', '--prefix', '88.118']);
  t.is(exported.status, 0, exported.stderr);
  t.is(exported.stdout.split('\n').filter((line) => line.includes('"88.118/IMP-')).length, 500);
  await node.kill('SIGTERM');
});
