// IDNODE_WORKERS: processes over one store answer as one node — a write through any is seen through every other before
// it is acknowledged, sessions work across workers, a killed worker is replaced and SIGTERM stops them all.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { httpCall as call } from '../support/http-client.js';
import { AUTHORIZATION, httpCall, serveEnv, startServe, type ServeProcess } from '../support/serve-process.js';
import { body, OC, resolution, send } from '../support/wire-client.js';

function storePath(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-workers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'idnode.db');
}

const urlValues = (url: string) => [{ index: 1, type: 'URL', data: url }];

/** The URL value a resolution through `port` answers (fast path: no query; Koa: with one), or its status when not 200. */
async function resolvedUrl(port: number, handle: string, through: 'fast' | 'koa' | 'proxy'): Promise<string | number> {
  if (through === 'proxy') {
    const reply = await httpCall(port, 'GET', `/${handle}`);
    return reply.status === 302 ? String(reply.headers.location) : reply.status;
  }
  const reply = await httpCall(port, 'GET', `/api/handles/${handle}${through === 'koa' ? '?index=1' : ''}`);
  return reply.status === 200 ? String(reply.json.values[0].data.value) : reply.status;
}

test('workers: two processes over one store — a write, an update and a delete through A are seen through B at once, cached or not', async (t) => {
  const db = storePath(t);
  const a = await startServe(t, serveEnv(db));
  const b = await startServe(t, serveEnv(db));
  const handle = '88.118/COHERENT';
  t.is(await resolvedUrl(b.port, handle, 'fast'), 404, 'B caches the not-found answer');
  t.is((await httpCall(a.port, 'PUT', `/api/handles/${handle}`, { body: urlValues('https://example.cn/v1') })).status, 201);
  for (const through of ['fast', 'koa', 'proxy'] as const) {
    t.is(await resolvedUrl(b.port, handle, through), 'https://example.cn/v1', `created, ${through}`);
    t.is(await resolvedUrl(b.port, handle, through), 'https://example.cn/v1', `cached, ${through}`);
  }
  const wire = { host: '127.0.0.1', port: b.handlePort ?? 0 };
  const overWire = async (): Promise<string | number> => {
    const [answer] = await send(wire, 'tcp', { opCode: OC.RESOLUTION, body: body.resolution(handle) });
    return answer?.responseCode === 1 ? (resolution(answer).values[0]?.data.toString('utf8') ?? '') : (answer?.responseCode ?? 0);
  };
  t.is(await overWire(), 'https://example.cn/v1');
  t.is((await httpCall(a.port, 'PUT', `/api/handles/${handle}`, { body: urlValues('https://example.cn/v2') })).status, 200);
  for (const through of ['fast', 'koa', 'proxy'] as const) t.is(await resolvedUrl(b.port, handle, through), 'https://example.cn/v2', `updated, ${through}`);
  t.is(await overWire(), 'https://example.cn/v2', 'updated, Handle protocol');
  t.is((await httpCall(a.port, 'DELETE', `/api/handles/${handle}`)).status, 200);
  t.is(await resolvedUrl(b.port, handle, 'fast'), 404, 'deleted: no stale 200');
  t.is(await resolvedUrl(b.port, handle, 'koa'), 404);
  t.is(await resolvedUrl(b.port, handle, 'proxy'), 404);
  t.is(await overWire(), 100, 'deleted, Handle protocol: HANDLE_NOT_FOUND');
  await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
});

/** The pids of the workers that logged "worker listening" so far. */
function workerPids(node: ServeProcess): number[] {
  return node
    .output()
    .split('\n')
    .filter((line) => line.includes('"worker listening"'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('workers: IDNODE_WORKERS=2 — sessions and writes through one worker hold through the other; a killed worker is replaced; SIGTERM stops all', async (t) => {
  const node = await startServe(t, serveEnv(storePath(t), { IDNODE_WORKERS: '2' }));
  const listening = JSON.parse(await node.waitForLine('"idnode listening"')) as { workers: number };
  t.is(listening.workers, 2);
  const pids = workerPids(node);
  t.is(pids.length, 2);

  // Connections go to the workers in turn (node:cluster's round robin): each request below is a new connection, so
  // consecutive ones are answered by different workers.
  const opened = await call(node.port, 'POST', '/api/sessions', { headers: { authorization: AUTHORIZATION } });
  t.is(opened.status, 201);
  t.true(opened.json.authenticated);
  const session = { authorization: `Handle sessionId="${String(opened.json.sessionId)}"` };
  for (let i = 0; i < 6; i += 1) {
    const handle = `88.118/SESSION-${i}`;
    t.is((await call(node.port, 'PUT', `/api/handles/${handle}`, { headers: session, body: urlValues(`https://example.cn/${i}`) })).status, 201, `write ${i}`);
    t.is(await resolvedUrl(node.port, handle, 'fast'), `https://example.cn/${i}`, `read ${i}`);
    t.is((await call(node.port, 'GET', '/api/sessions/this', { headers: session })).json.authenticated, true, `session ${i}`);
  }
  const whole = (await httpCall(node.port, 'GET', '/metrics')).text;
  t.regex(whole, /idnode_http_requests_total\{route="handles\.put",status_class="2xx",protocol="http"\} 6\b/, 'the whole node: both workers’ writes, summed');
  t.regex(whole, /idnode_sessions\{state="authenticated"\} 1\b/, 'the one shared table, counted once (the maximum), not once per worker');
  t.is((await call(node.port, 'DELETE', '/api/sessions/this', { headers: session })).status, 204);
  for (let i = 0; i < 2; i += 1) t.is((await call(node.port, 'PUT', '/api/handles/88.118/AFTER', { headers: session, body: urlValues('https://example.cn/x') })).status, 401, 'closed everywhere');


  const victim = pids[1] ?? 0;
  process.kill(victim, 'SIGKILL');
  // The primary says which worker replaced it (the worker's own "listening" line may come later on the same pipe).
  const replacement = (JSON.parse(await node.waitForLine('"worker replaced"')) as { pid: number }).pid;
  t.false(pids.includes(replacement), 'a new process');
  t.true(alive(replacement));
  for (let i = 0; i < 4; i += 1) t.is(await resolvedUrl(node.port, '88.118/SESSION-0', 'fast'), 'https://example.cn/0', `after the replacement, ${i}`);

  const exit = await node.kill('SIGTERM');
  t.deepEqual(exit, { code: 0, signal: null });
  const workers = [...pids.filter((pid) => pid !== victim), replacement];
  t.deepEqual(workers.filter(alive), [], 'every worker stopped');
  t.is(node.output().split('\n').filter((line) => line.includes('"msg":"stopped"')).length, 3, 'each worker and the primary stopped gracefully');
});

test('workers: a cluster whose workers cannot listen (port taken) fails its start: exit 1, no worker left', async (t) => {
  const { createServer } = await import('node:net');
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.teardown(() => holder.close());
  const address = holder.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const started = startServe(t, serveEnv(storePath(t), { IDNODE_WORKERS: '2', IDNODE_PORT: String(port) }));
  const error = await t.throwsAsync(started);
  t.regex(error?.message ?? '', /exited \(1\) before listening/);
  t.regex(error?.message ?? '', /a worker exited before the node listened; stopping/);
});
