// Two `idnode serve` processes on one PostgreSQL database (issue 16): a write through one is what the other answers at
// once — a changed record, a deleted one, one created after the other remembered it missing (the write is acknowledged
// only once the other process dropped what it replaced: peer-barrier.ts), and a homed or unhomed prefix (writes check
// it in their transaction).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { NODE_PREFIX } from '../support/node-under-test.js';
import { clusterForFile, postgresTest } from '../support/postgres-cluster.js';
import { httpCall, serveEnv, startServe, type HttpReply, type ServeProcess } from '../support/serve-process.js';

const { run, note } = postgresTest;
const cluster = clusterForFile();
/** Rounds of write-through-one, read-through-the-other. */
const ROUNDS = 25;
/** Reads of B after a write through A before it counts as never heard (each read follows the last answer). */
const MAX_READS = 20;

async function twoNodes(t: ExecutionContext): Promise<[ServeProcess, ServeProcess]> {
  const url = await (await cluster()).createDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'idnode-two-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = (name: string): NodeJS.ProcessEnv => serveEnv(join(dir, `${name}.db`), { IDNODE_STORE: 'postgres', IDNODE_PG_URL: url });
  // One after the other: the first creates the tables, the second finds them.
  const a = await startServe(t, env('a'));
  const b = await startServe(t, env('b'));
  t.teardown(async () => {
    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
  });
  return [a, b];
}

function values(data: string): { index: number; type: string; data: string }[] {
  return [{ index: 1, type: 'URL', data }];
}

function urlOf(reply: HttpReply): unknown {
  const found = (reply.json as { values?: { type: string; data: { value: unknown } }[] } | undefined)?.values ?? [];
  return found.find((value) => value.type === 'URL')?.data.value;
}

/**
 * B's answers for `path` right after a write through A: reads again at once (no clock: each read follows the answer of
 * the last) until `fresh` holds, MAX_READS at most. Returns how many answers were stale before, or Infinity; any
 * stale answer after a fresh one is recorded in `backwards`.
 */
async function readUntilFresh(b: ServeProcess, path: string, fresh: (reply: HttpReply) => boolean, backwards: string[]): Promise<number> {
  let stale = 0;
  for (let i = 0; i < MAX_READS; i += 1) {
    if (fresh(await httpCall(b.port, 'GET', path))) {
      // Once fresh, fresh for good: a cache refilled from an older read would answer the old state again.
      for (let j = 0; j < 2; j += 1) {
        const again = await httpCall(b.port, 'GET', path);
        if (!fresh(again)) backwards.push(`${path}: ${again.status} ${again.text.slice(0, 120)}`);
      }
      return stale;
    }
    stale += 1;
  }
  return Number.POSITIVE_INFINITY;
}

/** What B answered right after each write through A: the first read already fresh, or how many reads until it was. */
class Freshness {
  readonly staleFirst: string[] = [];
  readonly never: string[] = [];
  readonly backwards: string[] = [];
  rounds = 0;
  mostStale = 0;
  /** The longest stale stretch, for the log only (nothing is timed). */
  windowMs = 0;

  async check(b: ServeProcess, path: string, what: string, fresh: (reply: HttpReply) => boolean): Promise<void> {
    this.rounds += 1;
    const started = performance.now();
    const stale = await readUntilFresh(b, path, fresh, this.backwards);
    if (stale > 0) this.windowMs = Math.max(this.windowMs, performance.now() - started);
    if (stale === Number.POSITIVE_INFINITY) this.never.push(`${what} ${path}`);
    else if (stale > 0) this.staleFirst.push(`${what} ${path}: ${stale} stale`);
    if (Number.isFinite(stale)) this.mostStale = Math.max(this.mostStale, stale);
  }

  /** The promise kept (docs/scale-out.md): B's first read after A acknowledged the write is fresh, and nothing goes back. */
  assert(t: ExecutionContext): void {
    t.deepEqual(this.staleFirst, [], `B answered the old state after A acknowledged the write (at most ${this.mostStale} stale reads in a row, ${Math.round(this.windowMs)} ms)`);
    t.deepEqual(this.never, [], `B never answered the write within ${MAX_READS} reads`);
    t.deepEqual(this.backwards, []);
    t.log(`${this.rounds} writes through A; B's first read after each was fresh`);
  }
}

run(`two nodes on one PostgreSQL: a record changed through A is answered changed by B, though B had it cached${note}`, async (t) => {
  t.timeout(60_000);
  const [a, b] = await twoNodes(t);
  const path = `/api/handles/${NODE_PREFIX}/SHARED`;
  t.is((await httpCall(a.port, 'PUT', path, { body: values('https://example.cn/v0') })).status, 201);
  const freshness = new Freshness();
  for (let round = 1; round <= ROUNDS; round += 1) {
    // B reads it twice, so it is in B's cache, then A changes it.
    for (let i = 0; i < 2; i += 1) t.is(urlOf(await httpCall(b.port, 'GET', path)), `https://example.cn/v${round - 1}`);
    t.is((await httpCall(a.port, 'PUT', `${path}?overwrite=true`, { body: values(`https://example.cn/v${round}`) })).status, 200);
    await freshness.check(b, path, 'change', (reply) => urlOf(reply) === `https://example.cn/v${round}`);
  }
  freshness.assert(t);
});

run(`two nodes on one PostgreSQL: a record created through A after B answered 404 is there through B, and one deleted through A is 404 through B${note}`, async (t) => {
  t.timeout(60_000);
  const [a, b] = await twoNodes(t);
  const freshness = new Freshness();
  for (let round = 1; round <= ROUNDS; round += 1) {
    const path = `/api/handles/${NODE_PREFIX}/ROUND-${round}`;
    // Negative cache: B answers 404 (twice, so it remembers), then A creates it.
    for (let i = 0; i < 2; i += 1) t.is((await httpCall(b.port, 'GET', path)).status, 404);
    t.is((await httpCall(a.port, 'PUT', path, { body: values(`https://example.cn/${round}`) })).status, 201);
    await freshness.check(b, path, 'create', (reply) => reply.status === 200 && urlOf(reply) === `https://example.cn/${round}`);
    // Positive cache: B has it now; A deletes it.
    t.is((await httpCall(a.port, 'DELETE', path)).status, 200);
    await freshness.check(b, path, 'delete', (reply) => reply.status === 404);
  }
  freshness.assert(t);
});

run(`two nodes on one PostgreSQL: a prefix homed through A takes handles through B, and one unhomed through A refuses them through B${note}`, async (t) => {
  t.timeout(60_000);
  const [a, b] = await twoNodes(t);
  // B refuses first (and so has looked at the prefix), then A homes it, then B takes a handle under it at once.
  const refused = await httpCall(b.port, 'PUT', '/api/handles/99.5/FIRST', { body: values('https://example.cn/first') });
  t.deepEqual([refused.status, refused.json?.responseCode], [400, 301]);
  t.is((await httpCall(a.port, 'POST', '/api/prefixes/99.5')).status, 200);
  t.is((await httpCall(b.port, 'PUT', '/api/handles/99.5/FIRST', { body: values('https://example.cn/first') })).status, 201);
  t.is(urlOf(await httpCall(a.port, 'GET', '/api/handles/99.5/FIRST')), 'https://example.cn/first');
  // And back: unhomed through A, B refuses a new handle under it at once.
  t.is((await httpCall(a.port, 'DELETE', '/api/prefixes/99.5')).status, 200);
  const again = await httpCall(b.port, 'PUT', '/api/handles/99.5/SECOND', { body: values('https://example.cn/second') });
  t.deepEqual([again.status, again.json?.responseCode], [400, 301]);
});
