// A node under test with its Handle-protocol listeners (TCP and UDP) on a free port of 127.0.0.1.

import { readFileSync } from 'node:fs';
import type { ExecutionContext } from 'ava';
import { decodeSecretHash } from '../../src/auth/secret-hash.js';
import { listenWire, type WireListeners } from '../../src/wire/listeners.js';
import { ADMIN_SECRET, NODE_PREFIX, startNode, TestClock, type NodeUnderTest } from './node-under-test.js';
import type { Credentials, Exchange } from './wire-client.js';

export interface WireNode {
  readonly node: NodeUnderTest;
  readonly wire: WireListeners;
  readonly target: Exchange;
  /** The node administrator (300:0.NA/<node prefix>) as secret-key credentials, with the salt and iterations stored. */
  readonly admin: Credentials;
}

/** The salt and iterations a stored HS_SECKEY was hashed with (what `idnode secret` prints). */
export function storedSecret(node: NodeUnderTest, handle: string, index: number): { salt: Buffer; iterations: number } {
  const value = node.node.store.getRecord(handle.toUpperCase())?.values.find((v) => v.index === index);
  const hash = decodeSecretHash(String(value?.data.value ?? ''));
  if (hash === null) throw new Error(`no stored secret at ${index}:${handle}`);
  return { salt: hash.salt, iterations: hash.iterations };
}

// The node key: a fixture instead of a fresh 2048-bit key per test (generation costs up to a second on a busy machine).
const NODE_KEY_PEM = readFileSync(new URL('../../../test/fixtures/localhost-key.pem', import.meta.url), 'utf8');

/** Starts a node (test/support/node-under-test.ts) and its Handle-protocol listeners; both end with the test. */
export async function startWireNode(t: ExecutionContext, env: Record<string, string> = {}, clock = new TestClock()): Promise<WireNode> {
  const node = await startNode(t, env, clock);
  node.node.store.nodeKey('server', () => NODE_KEY_PEM, Math.floor(clock.ms / 1000));
  const wire = await listenWire(node.node.wire, node.config, 0, clock.nowMs);
  // Registered after the node's own teardown, so it runs first (ava runs teardowns last-in, first-out).
  t.teardown(() => wire.close(1000));
  node.node.publishSite(node.port, wire.port);
  const handle = `0.NA/${NODE_PREFIX}`;
  const admin: Credentials = { kind: 'secret', handle, index: 300, secret: ADMIN_SECRET, ...storedSecret(node, handle, 300) };
  return { node, wire, target: { host: node.host, port: wire.port }, admin };
}
