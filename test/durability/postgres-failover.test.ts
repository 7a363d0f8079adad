// Failover seen from HTTP (issue 16): a real `idnode serve` on a primary with a synchronous standby; writers and readers
// busy, SIGKILL the primary, promote the standby — 503 + Retry-After in between, the node resumes alone, nothing lost.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import test from 'ava';
import { postgresTest } from '../support/postgres-cluster.js';
import { ReplicatedPair } from '../support/postgres-replication.js';
import { NODE_PREFIX } from '../support/node-under-test.js';
import { httpCall, serveEnv, startServe, type HttpReply } from '../support/serve-process.js';
import { handle } from '../store/temp-store.js';

const { run, note } = postgresTest;

/** Concurrent HTTP writers, each PUTting new handles back to back. */
const WRITERS = 4;
/** Concurrent HTTP readers, each GETting acknowledged handles. */
const READERS = 2;
/** Acknowledged creates before the primary is killed. */
const BEFORE_KILL = 60;
/** Creates each writer must see acknowledged after the promotion. */
const AFTER_PROMOTION = 5;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function body(text: string): { index: number; type: string; data: string }[] {
  return [{ index: 1, type: 'URL', data: `https://example.cn/${text}` }];
}

/** The URL value of a Handle answer, or undefined. */
function urlOf(reply: HttpReply): unknown {
  const values = (reply.json as { values?: { type: string; data: { value: unknown } }[] } | undefined)?.values ?? [];
  return values.find((value) => value.type === 'URL')?.data.value;
}

run(`postgres failover over HTTP: SIGKILL the primary under load, promote the standby — 503 + Retry-After meanwhile, the node resumes alone, every acknowledged write there${note}`, async (t) => {
  t.timeout(120_000);
  const pair = await ReplicatedPair.start();
  t.teardown(() => pair.stop());
  const primaryUrl = await pair.primary.createDatabase();
  const database = decodeURIComponent(primaryUrl.slice(primaryUrl.lastIndexOf('/') + 1));
  const dir = mkdtempSync(join(tmpdir(), 'idnode-pgfail-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const node = await startServe(t, serveEnv(join(dir, 'unused.db'), { IDNODE_STORE: 'postgres', IDNODE_PG_URL: pair.hostListUrl(database) }));

  /** Every answer, by phase; a status outside the allowed ones is a failure. */
  const answers: { phase: string; method: string; status: number; retryAfter: string | undefined; path: string }[] = [];
  const acknowledged = new Map<string, string>();
  const sent = new Set<string>();
  const wrongReads: string[] = [];
  let phase: 'before' | 'gap' | 'after' = 'before';
  const enoughBeforeKill = deferred();
  const promoted = deferred();
  let stopReaders = false;

  const record = (method: string, path: string, reply: HttpReply): void => {
    answers.push({ phase, method, status: reply.status, retryAfter: reply.headers['retry-after'] as string | undefined, path });
  };

  const writer = async (w: number): Promise<void> => {
    let afterPromotion = 0;
    for (let i = 0; afterPromotion < AFTER_PROMOTION; i += 1) {
      const text = `${NODE_PREFIX}/FAIL-${w}-${i}`;
      const issuedAfterPromotion = phase === 'after';
      sent.add(handle(text).key);
      const path = `/api/handles/${text}`;
      const reply = await httpCall(node.port, 'PUT', path, { body: body(text) });
      record('PUT', path, reply);
      if (reply.status === 201) {
        acknowledged.set(handle(text).key, text);
        if (issuedAfterPromotion) afterPromotion += 1;
        if (acknowledged.size >= BEFORE_KILL) enoughBeforeKill.resolve();
      } else if (reply.status === 503) {
        // A client retries a 503; until the promotion nothing can succeed, so wait for it (an event, not a clock).
        await promoted.promise;
      } else {
        return;
      }
    }
  };
  const reader = async (r: number): Promise<void> => {
    for (let i = 0; !stopReaders; i += 1) {
      const keys = [...acknowledged.values()];
      const text = keys[(i * (r + 7)) % Math.max(keys.length, 1)];
      if (text === undefined) {
        await enoughBeforeKill.promise;
        continue;
      }
      const path = `/api/handles/${text}`;
      const reply = await httpCall(node.port, 'GET', path);
      record('GET', path, reply);
      if (reply.status === 200 && urlOf(reply) !== `https://example.cn/${text}`) wrongReads.push(`${text}: ${reply.text.slice(0, 200)}`);
      if (reply.status === 503) await promoted.promise;
    }
  };
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
  const readers = Array.from({ length: READERS }, (_, r) => reader(r));

  await enoughBeforeKill.promise;
  phase = 'gap';
  await pair.killPrimary();
  // In the gap: a write, a read of a handle never read before, and a read of one that is not there — each 503 with
  // Retry-After (the store cannot be asked, so neither "created" nor "not found" would be true).
  const probes = [
    ['PUT', `/api/handles/${NODE_PREFIX}/WHILE-DOWN`],
    ['GET', `/api/handles/${NODE_PREFIX}/NEVER-SENT`],
    ['GET', `/api/handles/${[...acknowledged.values()].at(-1) ?? ''}`],
  ] as const;
  for (const [method, path] of probes) {
    const reply = await httpCall(node.port, method, path, method === 'PUT' ? { body: body('down') } : {});
    record(method, path, reply);
    if (method === 'GET' && path.endsWith('NEVER-SENT')) {
      t.is(reply.status, 503, `${method} ${path} while no member takes writes: ${reply.text.slice(0, 200)}`);
    } else if (method === 'PUT') {
      t.is(reply.status, 503, `${method} ${path} while no member takes writes: ${reply.text.slice(0, 200)}`);
    }
  }

  pair.promoteStandby();
  phase = 'after';
  promoted.resolve();
  // The node finds the promoted standby by itself: every writer gets AFTER_PROMOTION creates through, no restart.
  await Promise.all(writers);
  stopReaders = true;
  await Promise.all(readers);
  t.is(node.child.exitCode, null, 'the node was never restarted');

  // Every answer was a success or a 503 with Retry-After — never a 500, a 404 or anything else.
  const bad = answers.filter((a) => !(a.status === 200 || a.status === 201 || (a.status === 503 && a.retryAfter !== undefined && Number(a.retryAfter) > 0)));
  t.deepEqual(bad.slice(0, 10), [], `${bad.length} answers neither a success nor 503 + Retry-After`);
  t.deepEqual(wrongReads, []);
  const unavailable = answers.filter((a) => a.status === 503).length;
  t.true(unavailable >= probes.length - 1, 'the gap was seen');

  // Every acknowledged create reads back through the node, and is on the new primary by plain SQL.
  for (const text of acknowledged.values()) {
    const reply = await httpCall(node.port, 'GET', `/api/handles/${text}`);
    t.is(reply.status, 200, text);
    t.is(urlOf(reply), `https://example.cn/${text}`);
  }
  const client = new pg.Client({ connectionString: pair.standby.url(database) });
  await client.connect();
  t.teardown(() => client.end());
  t.is((await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery')).rows[0]?.recovery, false);
  const rows = await client.query<{ key: string }>("SELECT prefix_key || '/' || suffix_key AS key FROM handles WHERE suffix_key ILIKE 'FAIL-%' OR suffix_key ILIKE 'WHILE-DOWN'");
  const present = new Set(rows.rows.map((row) => row.key));
  t.deepEqual([...acknowledged.keys()].filter((key) => !present.has(key)), [], 'acknowledged creates missing on the new primary');
  t.deepEqual([...present].filter((key) => !sent.has(key)), [], 'handles present that were never sent');
  t.false(present.has(handle(`${NODE_PREFIX}/WHILE-DOWN`).key));
  t.true(acknowledged.size >= BEFORE_KILL + WRITERS * AFTER_PROMOTION);
  const refused = answers.filter((a) => a.method === 'PUT' && a.status === 503 && a.path.includes('/FAIL-'));
  const landed = refused.filter((a) => present.has(handle(a.path.slice('/api/handles/'.length)).key)).length;
  t.log(`${acknowledged.size} creates acknowledged (all present), ${answers.filter((a) => a.method === 'GET').length} reads, ${unavailable} answers 503 + Retry-After (${refused.length} refused creates, ${landed} of them landed anyway), ${bad.length} others`);
});
