// Writes by another process (the CLI) are noticed through PRAGMA data_version; this connection's own are not.

import test from 'ava';
import { openStore } from '../../src/store/store.js';
import { watchExternalWrites } from '../../src/store/external-writes.js';
import { insertHandle, openTempStore } from './temp-store.js';

test('external writes: a commit by another connection is reported, one by this connection is not', async (t) => {
  const { store, path } = openTempStore(t);
  const other = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => other.close());
  let changes = 0;
  let notify: () => void = () => undefined;
  const stop = watchExternalWrites(store, 10, () => {
    changes += 1;
    notify();
  });
  t.teardown(stop);
  await store.write(() => insertHandle(store, '88.118.8/OWN'));
  const noticed = new Promise<void>((resolve) => (notify = resolve));
  other.writeNow(() => insertHandle(other, '88.118.8/OTHER'));
  // The watcher's timer is unref'd (it must never keep a node alive); hold the test's event loop open meanwhile.
  const keepAlive = setTimeout(() => undefined, 10_000);
  await noticed;
  clearTimeout(keepAlive);
  t.is(changes, 1, 'only the other connection’s commit counts');
  t.truthy(store.getRecord('88.118.8/OTHER'));
});
