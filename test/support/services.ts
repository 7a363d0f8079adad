// A whole node without an HTTP listener, for the tests of the services: temp-file store, injected clock, own metrics.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { createNode, type IdnodeNode } from '../../src/app.js';
import { parseIdentity, type Identity } from '../../src/auth/identity.js';
import { parseHandle, type Handle } from '../../src/identifier/handle.js';
import { createLogger } from '../../src/log/logger.js';
import { ADMIN_IDENTITY, TestClock, testConfig } from './node-under-test.js';

export const RULE = { suffixCaseSensitive: false } as const;
/** The node administrator, as the services see an authenticated caller. */
export const ADMIN_ID: Identity = parseIdentity(ADMIN_IDENTITY, RULE);

export interface ServiceNode {
  readonly node: IdnodeNode;
  readonly clock: TestClock;
  readonly resolve: IdnodeNode['services']['resolve'];
  readonly register: IdnodeNode['services']['register'];
  readonly prefixes: IdnodeNode['services']['prefixes'];
  handle(text: string): Handle;
  /** The current value of a metric sample (`name{labels}`), 0 when absent. */
  metric(sample: string): Promise<number>;
}

/** Builds a node for test `t` (closed with it); `env` overrides the IDNODE_* defaults. */
export async function serviceNode(t: ExecutionContext, env: Record<string, string> = {}, clock = new TestClock()): Promise<ServiceNode> {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-service-'));
  const config = testConfig(dir, env);
  const node = await createNode(config, { logger: createLogger('silent'), nowMs: clock.nowMs, externalWritePollMs: 0 });
  t.teardown(async () => {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    node,
    clock,
    ...node.services,
    handle: (text) => parseHandle(text, RULE),
    async metric(sample) {
      const line = (await node.metrics.exposition()).body.split('\n').find((l) => l.startsWith(`${sample} `));
      return line === undefined ? 0 : Number(line.slice(sample.length + 1));
    },
  };
}
