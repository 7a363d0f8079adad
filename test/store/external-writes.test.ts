// Writes by another process (the CLI, marked external) are noticed through PRAGMA data_version and their mark; the
// node's own — this connection's, its writer thread's — are not.

import test from 'ava';
import { openStore } from '../../src/store/store.js';
import { watchExternalWrites } from '../../src/store/external-writes.js';
import { insertHandle, openTempStore } from './temp-store.js';

test('external writes: a commit by an external connection is reported; one by this connection or the node’s writer is not', async (t) => {
  const { store, path } = openTempStore(t);
  const other = openStore(path, { busyTimeoutMs: 1000, external: true });
  t.teardown(() => other.close());
  const writer = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => writer.close());
  let changes = 0;
  let notify: () => void = () => undefined;
  const stop = watchExternalWrites(store, 10, () => {
    changes += 1;
    notify();
  });
  t.teardown(stop);
  await store.write(() => insertHandle(store, '88.118.8/OWN'));
  await writer.write(() => insertHandle(writer, '88.118.8/WRITER'));
  const noticed = new Promise<void>((resolve) => (notify = resolve));
  other.writeNow(() => insertHandle(other, '88.118.8/OTHER'));
  // The watcher's timer is unref'd (it must never keep a node alive); hold the test's event loop open meanwhile.
  const keepAlive = setTimeout(() => undefined, 10_000);
  await noticed;
  clearTimeout(keepAlive);
  t.is(changes, 1, 'only the external connection’s commit counts');
  t.truthy(store.getRecord('88.118.8/OTHER'));
});
