// Graceful stop (issue 3): on SIGTERM/SIGINT the node stops accepting, finishes in-flight requests within
// IDNODE_SHUTDOWN_TIMEOUT_MS, flushes and closes the store and exits 0; no acknowledged write is lost.

import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { NODE_PREFIX } from '../support/node-under-test.js';
import { AUTHORIZATION, httpCall, serveEnv, startServe } from '../support/serve-process.js';
import { inspectStoreFile } from '../support/store-file.js';

const SHUTDOWN_TIMEOUT_MS = 4000;
const SINGLES = 300;
const BATCHES = 16;

function tempDb(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-stop-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'idnode.db');
}

/** The values of write `n`: one for a single write, 2,048 for a batch, each naming the write. */
function valuesFor(name: string, count: number): { index: number; type: string; data: string }[] {
  return Array.from({ length: count }, (_, k) => ({ index: k + 1, type: 'GEN', data: `${name}|${k}` }));
}

/** Resolves with the connection error code of a fresh TCP connection, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/**
 * Polls fresh connections until one is refused and returns 'ECONNREFUSED' (else the last outcome after `ms`). The
 * "stopping" log line comes just before the listener closes, and the child can be descheduled between the two.
 */
async function refusedWithin(port: number, ms: number): Promise<string> {
  const deadline = performance.now() + ms;
  for (;;) {
    const outcome = await tryConnect(port);
    // ECONNRESET: the connection was queued as the listener closed; the next one shows whether it is gone.
    if (outcome === 'ECONNREFUSED' || performance.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('graceful stop: SIGTERM during hundreds of concurrent writes refuses new connections, exits 0, and loses nothing acknowledged', async (t) => {
  t.timeout(90_000);
  const db = tempDb(t);
  const env = serveEnv(db, { IDNODE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
  const node = await startServe(t, env);

  const writes = [
    ...Array.from({ length: BATCHES }, (_, i) => ({ handle: `${NODE_PREFIX}/STOP-BATCH-${i}`, count: 2048 })),
    ...Array.from({ length: SINGLES }, (_, i) => ({ handle: `${NODE_PREFIX}/STOP-${i}`, count: 2 })),
  ];
  const acknowledged = new Set<string>();
  const unexpected: string[] = [];
  let signalled = false;
  let answeredAfterSignal = 0;
  let sendSignal: () => void = () => undefined;
  const signalMoment = new Promise<void>((resolve) => (sendSignal = resolve));
  // One connection per write (no agent), all opened at once: the node is working through them when the signal comes.
  const outcomes = writes.map(({ handle, count }) =>
    httpCall(node.port, 'PUT', `/api/handles/${handle}`, {
      body: valuesFor(handle, count),
      onStatus: (status) => {
        if (status !== 201) {
          unexpected.push(`${handle}: ${status}`);
          return;
        }
        acknowledged.add(handle);
        if (signalled) answeredAfterSignal += 1;
        if (acknowledged.size === 20) sendSignal();
      },
    }).then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    ),
  );

  await signalMoment;
  const inFlightAtSignal = writes.length - acknowledged.size;
  signalled = true;
  const signalledAt = performance.now();
  const exit = node.kill('SIGTERM');
  await node.waitForLine('"stopping"');
  t.is(await refusedWithin(node.port, 5000), 'ECONNREFUSED', 'a new connection after SIGTERM is refused');
  const settled = await Promise.all(outcomes);
  const { code, signal } = await exit;
  const stopMs = performance.now() - signalledAt;

  t.is(code, 0, node.output());
  t.is(signal, null);
  t.true(stopMs < SHUTDOWN_TIMEOUT_MS + 1000, `stopped after ${Math.round(stopMs)} ms`);
  t.deepEqual(unexpected, [], 'no write was answered with anything but 201');
  t.true(node.output().includes('"stopped"'), 'the store was flushed and closed');
  t.log(
    `${inFlightAtSignal} writes in flight at SIGTERM; ${answeredAfterSignal} answered after it; ` +
      `${settled.filter((s) => s !== 'answered').length} never answered (${[...new Set(settled.filter((s) => s !== 'answered'))].join(', ') || '—'}); stopped in ${Math.round(stopMs)} ms`,
  );

  // The file right after the stop, then a restarted node: every acknowledged write is there, whole.
  const view = inspectStoreFile(db, NODE_PREFIX);
  t.is(view.integrity, 'ok');
  const lost = [...acknowledged].filter((handle) => view.rows.get(handle)?.values.length !== (handle.includes('BATCH') ? 2048 : 2));
  t.deepEqual(lost, [], 'acknowledged writes missing or partial in the file');

  const restarted = await startServe(t, env);
  const wrong: string[] = [];
  const queue = [...acknowledged];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let handle = queue.pop(); handle !== undefined; handle = queue.pop()) {
        const reply = await httpCall(restarted.port, 'GET', `/api/handles/${handle}`);
        const values = reply.status === 200 ? (JSON.parse(reply.text) as { values: { data: { value: string } }[] }).values : [];
        if (values.length !== (handle.includes('BATCH') ? 2048 : 2) || values.some((v) => !v.data.value.startsWith(`${handle}|`))) {
          wrong.push(`${handle}: ${reply.status}, ${values.length} values`);
        }
      }
    }),
  );
  t.deepEqual(wrong, []);
  t.deepEqual(await restarted.kill('SIGTERM'), { code: 0, signal: null });
});

/** A PUT sent over a raw socket in two parts: headers and half the body now, the rest when `finish` is called. */
async function splitPut(port: number, handle: string, body: unknown): Promise<{ finish(): Promise<string> }> {
  const payload = Buffer.from(JSON.stringify(body));
  const half = Math.floor(payload.length / 2);
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const closed = new Promise<string>((resolve) => {
    socket.once('close', () => resolve(received));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(received.length > 0 ? received : `error ${error.code ?? error.message}`));
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `PUT /api/handles/${handle} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTHORIZATION}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`,
  );
  socket.write(payload.subarray(0, half));
  return {
    finish: () => {
      socket.end(payload.subarray(half));
      return closed.then((text) => text.split('\r\n')[0] ?? '');
    },
  };
}

test('graceful stop: requests whose bodies are still arriving at SIGTERM are read to the end, committed and answered', async (t) => {
  const db = tempDb(t);
  const env = serveEnv(db, { IDNODE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
  const node = await startServe(t, env);
  const handles = Array.from({ length: 12 }, (_, i) => `${NODE_PREFIX}/ARRIVING-${i}`);
  const pending = await Promise.all(handles.map((handle, i) => splitPut(node.port, handle, valuesFor(handle, i === 0 ? 2048 : 3))));
  // Answers on later connections show the node has taken in the earlier ones' headers.
  for (let i = 0; i < 2; i += 1) t.is((await httpCall(node.port, 'GET', '/healthz')).status, 200);

  const signalledAt = performance.now();
  const exit = node.kill('SIGTERM');
  await node.waitForLine('"stopping"');
  t.is(await refusedWithin(node.port, 5000), 'ECONNREFUSED', 'a new connection after SIGTERM is refused');
  const statusLines = await Promise.all(pending.map((request) => request.finish()));
  const { code, signal } = await exit;
  t.deepEqual(statusLines, handles.map(() => 'HTTP/1.1 201 Created'));
  t.is(code, 0, node.output());
  t.is(signal, null);
  t.true(performance.now() - signalledAt < SHUTDOWN_TIMEOUT_MS + 1000);

  const view = inspectStoreFile(db, NODE_PREFIX);
  t.is(view.integrity, 'ok');
  t.deepEqual(
    handles.map((handle) => view.rows.get(handle)?.values.length),
    handles.map((_, i) => (i === 0 ? 2048 : 3)),
  );
});

test('graceful stop: a request that never finishes holds the stop for at most IDNODE_SHUTDOWN_TIMEOUT_MS, then the node exits 0', async (t) => {
  const db = tempDb(t);
  const graceMs = 1500;
  const node = await startServe(t, serveEnv(db, { IDNODE_SHUTDOWN_TIMEOUT_MS: String(graceMs) }));
  // A client that sends the headers of a PUT and half its body, then stalls (well inside the request timeout).
  const socket = connect({ host: '127.0.0.1', port: node.port });
  t.teardown(() => socket.destroy());
  const closedByServer = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `PUT /api/handles/${NODE_PREFIX}/STALLED HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTHORIZATION}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"index":1,',
  );
  // Proof the server is serving (and has accepted the stalled connection) before the signal.
  t.is((await httpCall(node.port, 'GET', '/healthz')).status, 200);

  const signalledAt = performance.now();
  const { code, signal } = await node.kill('SIGTERM');
  const stopMs = performance.now() - signalledAt;
  await closedByServer;
  t.is(code, 0, node.output());
  t.is(signal, null);
  t.true(stopMs >= graceMs - 100, `waited for the in-flight request: ${Math.round(stopMs)} ms`);
  t.true(stopMs < graceMs + 2000, `bounded by the shutdown timeout: ${Math.round(stopMs)} ms`);
  t.is(inspectStoreFile(db, NODE_PREFIX).integrity, 'ok');
  t.false(inspectStoreFile(db, NODE_PREFIX).rows.has(`${NODE_PREFIX}/STALLED`), 'the unfinished request changed nothing');
});

test('graceful stop: SIGINT on an idle node exits 0 at once', async (t) => {
  const db = tempDb(t);
  const node = await startServe(t, serveEnv(db));
  t.is((await httpCall(node.port, 'PUT', `/api/handles/${NODE_PREFIX}/IDLE`, { body: valuesFor('IDLE', 1) })).status, 201);
  const signalledAt = performance.now();
  t.deepEqual(await node.kill('SIGINT'), { code: 0, signal: null });
  t.true(performance.now() - signalledAt < 3000);
  t.true(inspectStoreFile(db, NODE_PREFIX).rows.has(`${NODE_PREFIX}/IDLE`));
});
