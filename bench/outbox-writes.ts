// The cost of filing on writes: group-committed registrations with the outbox triggers off (no upstream) and on.
// Usage: node dist/bench/outbox-writes.js — prints the median µs per write of each over a few rounds.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HandleValue } from '../src/identifier/value.js';
import { openStore } from '../src/store/store.js';

const WRITES = 40_000;
const BATCH = 500;
const ROUNDS = 3;
const VALUE: HandleValue = { index: 1, type: 'URL', data: { format: 'string', value: 'https://example.cn/x' }, ttlType: 0, ttl: 86_400, timestamp: 1, permissions: '1110', references: [] };

/** µs per write for WRITES inserts in group commits of BATCH, on a new file store. */
async function round(filing: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-outbox-bench-'));
  const store = openStore(join(dir, 'idnode.db'), { busyTimeoutMs: 1000 });
  try {
    if (filing) store.writeNow(() => store.outbox.enableFiling('88.118'));
    const started = performance.now();
    for (let b = 0; b < WRITES / BATCH; b += 1) {
      await Promise.all(
        Array.from({ length: BATCH }, (_, i) =>
          store.write(() => {
            const key = `88.118/H-${b}-${i}`;
            store.insertRecord(key, key, '88.118', [VALUE], 1);
          }),
        ),
      );
    }
    return ((performance.now() - started) * 1000) / WRITES;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const off: number[] = [];
const on: number[] = [];
for (let r = 0; r < ROUNDS; r += 1) {
  off.push(await round(false));
  on.push(await round(true));
}
process.stdout.write(`${WRITES} group-committed registrations (batches of ${BATCH}), median of ${ROUNDS}:\n`);
process.stdout.write(`  filing off: ${median(off).toFixed(1)} µs/write\n  filing on:  ${median(on).toFixed(1)} µs/write (+${(median(on) - median(off)).toFixed(1)})\n`);
