// Records, public views, counts and listings in the store, and the query plans that keep them indexed.

import test from 'ava';
import { IdnodeError } from '../../src/errors.js';
import { handle, insertHandle, NOW_SECONDS, openTempStore, secondConnection, urlValue } from './temp-store.js';

test('store: an inserted record reads back with its display spelling and values', async (t) => {
  const { store } = openTempStore(t);
  const h = handle('88.118.8/Pump-1');
  const values = [urlValue(1, 'https://example.cn/p/1'), urlValue(2, 'https://example.cn/p/1/manual')];
  await store.write(() => store.insertRecord(h.key, h.display, h.prefixKey, values, NOW_SECONDS));
  const record = store.getRecord(h.key);
  t.is(record?.handle, '88.118.8/Pump-1');
  t.deepEqual(record?.values, values);
  t.is(store.getRecord(handle('88.118.8/PUMP-2').key), undefined);
});

test('store: updateRecord replaces the values and reports whether the record existed', async (t) => {
  const { store } = openTempStore(t);
  const h = await store.write(() => insertHandle(store, '88.118.8/PUMP-1'));
  const next = [urlValue(5, 'https://example.cn/new')];
  t.true(await store.write(() => store.updateRecord(h.key, next, NOW_SECONDS + 60)));
  t.deepEqual(store.getRecord(h.key)?.values, next);
  t.false(await store.write(() => store.updateRecord(handle('88.118.8/ABSENT').key, next, NOW_SECONDS)));
  t.is(store.getRecord(handle('88.118.8/ABSENT').key), undefined);
});

test('store: deleteRecord removes the record and reports whether it existed', async (t) => {
  const { store } = openTempStore(t);
  const h = await store.write(() => insertHandle(store, '88.118.8/PUMP-1'));
  t.true(await store.write(() => store.deleteRecord(h.key, NOW_SECONDS)));
  t.is(store.getRecord(h.key), undefined);
  t.false(await store.write(() => store.deleteRecord(h.key, NOW_SECONDS)));
});

test('store: inserting an existing handle key rejects HANDLE_ALREADY_EXISTS and keeps the first record', async (t) => {
  const { store } = openTempStore(t);
  const h = await store.write(() => insertHandle(store, '88.118.8/PUMP-1', 'https://example.cn/first'));
  await t.throwsAsync(
    store.write(() => insertHandle(store, '88.118.8/pump-1', 'https://example.cn/second')),
    { instanceOf: IdnodeError, code: 'HANDLE_ALREADY_EXISTS' },
  );
  t.is(store.getRecord(h.key)?.handle, '88.118.8/PUMP-1');
  t.is(store.getRecord(h.key)?.values[0]?.data.value, 'https://example.cn/first');
  t.is(store.countHandles(h.prefixKey), 1);
});

test('store: handle counts are kept per prefix by triggers on insert and delete', async (t) => {
  const { store } = openTempStore(t);
  const eight = handle('88.118.8/X').prefixKey;
  const eighty = handle('88.118.80/X').prefixKey;
  t.is(store.countHandles(eight), 0);
  await store.write(() => {
    for (const suffix of ['A', 'B', 'C']) insertHandle(store, `88.118.8/${suffix}`);
    for (const suffix of ['A', 'B']) insertHandle(store, `88.118.80/${suffix}`);
  });
  t.is(store.countHandles(eight), 3);
  t.is(store.countHandles(eighty), 2);

  await store.write(() => store.deleteRecord(handle('88.118.8/B').key, NOW_SECONDS));
  await store.write(() => store.updateRecord(handle('88.118.8/A').key, [urlValue(2, 'https://example.cn/u')], NOW_SECONDS));
  t.is(store.countHandles(eight), 2);
  t.is(store.countHandles(eighty), 2);

  await store.write(() => {
    store.deleteRecord(handle('88.118.80/A').key, NOW_SECONDS);
    store.deleteRecord(handle('88.118.80/B').key, NOW_SECONDS);
  });
  t.is(store.countHandles(eighty), 0);
  t.is(store.countHandles(handle('86.100/X').prefixKey), 0);
});

test('store: a rolled-back insert leaves the handle count unchanged', async (t) => {
  const { store } = openTempStore(t);
  const prefixKey = handle('88.118.8/X').prefixKey;
  await store.write(() => insertHandle(store, '88.118.8/A'));
  await t.throwsAsync(
    store.write(() => {
      insertHandle(store, '88.118.8/B');
      throw new IdnodeError('INVALID_VALUE');
    }),
    { code: 'INVALID_VALUE' },
  );
  t.is(store.countHandles(prefixKey), 1);
  t.is(store.getRecord(handle('88.118.8/B').key), undefined);
});

const SUFFIXES = ['Z9', 'a1', 'M-3', 'B', 'k', '0', 'AA', 'c-2', 'x', 'Q'];

async function seedListing(store: ReturnType<typeof openTempStore>['store']): Promise<string[]> {
  await store.write(() => {
    for (const suffix of SUFFIXES) insertHandle(store, `88.118.8/${suffix}`);
    // Neighbours that must never appear in a listing of 88.118.8 (whole-segment ownership).
    insertHandle(store, '88.118.80/A');
    insertHandle(store, '88.118/A');
    insertHandle(store, '88.118.8.1/A');
  });
  return SUFFIXES.map((suffix) => handle(`88.118.8/${suffix}`).key).sort();
}

test('store: listHandles pages a prefix in canonical-key order with limit and offset', async (t) => {
  const { store } = openTempStore(t);
  const expected = await seedListing(store);
  const prefixKey = handle('88.118.8/X').prefixKey;
  const pages = [store.listHandles(prefixKey, 4, 0), store.listHandles(prefixKey, 4, 4), store.listHandles(prefixKey, 4, 8)];
  t.deepEqual(pages.map((page) => page.length), [4, 4, 2]);
  t.deepEqual(pages.flat().map((row) => row.key), expected);
  t.deepEqual(store.listHandles(prefixKey, 4, 10), []);
  // Display spelling comes along with each key.
  const a1 = pages.flat().find((row) => row.key === handle('88.118.8/a1').key);
  t.is(a1?.handle, '88.118.8/a1');
});

test('store: listHandlesAfter pages by key set, starting after the given key', async (t) => {
  const { store } = openTempStore(t);
  const expected = await seedListing(store);
  const prefixKey = handle('88.118.8/X').prefixKey;
  const seen: string[] = [];
  let after = '';
  for (let round = 0; round < 10; round += 1) {
    const page = store.listHandlesAfter(prefixKey, after, 3);
    if (page.length === 0) break;
    t.true(page.length <= 3);
    seen.push(...page.map((row) => row.key));
    after = page.at(-1)?.key ?? '';
  }
  t.deepEqual(seen, expected);
  t.deepEqual(
    store.listHandlesAfter(prefixKey, expected[4] ?? '', 2).map((row) => row.key),
    expected.slice(5, 7),
  );
});

// The same SQL as src/store/store.ts prepares, planned on a second connection.
const PLANNED = [
  { name: 'record lookup', sql: 'SELECT handle, record FROM handles WHERE handle_key = ?', params: ['88.118.8/PUMP-1'] },
  {
    name: 'public view lookup',
    sql: 'SELECT public_values, has_private, public_min_ttl, public_expires FROM handles WHERE handle_key = ?',
    params: ['88.118.8/PUMP-1'],
  },
  {
    name: 'prefix page',
    sql: 'SELECT handle_key AS key, handle FROM handles WHERE prefix_key = ? ORDER BY handle_key LIMIT ? OFFSET ?',
    params: ['88.118.8', 10, 0],
  },
  {
    name: 'prefix page after key',
    sql: 'SELECT handle_key AS key, handle FROM handles WHERE prefix_key = ? AND handle_key > ? ORDER BY handle_key LIMIT ?',
    params: ['88.118.8', '88.118.8/M', 10],
  },
  { name: 'handle count', sql: 'SELECT count FROM handle_counts WHERE prefix_key = ?', params: ['88.118.8'] },
];

for (const { name, sql, params } of PLANNED) {
  test(`store: the ${name} query searches an index, never scans or sorts`, async (t) => {
    const { store, path } = openTempStore(t);
    await seedListing(store);
    const other = secondConnection(t, path);
    const plan = other.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
    const details = plan.map((row) => row.detail);
    t.true(details.some((detail) => /^SEARCH (handles|handle_counts) USING/.test(detail)), details.join('; '));
    t.false(details.some((detail) => /^SCAN /.test(detail)), details.join('; '));
    t.false(details.some((detail) => /TEMP B-TREE/.test(detail)), details.join('; '));
  });
}

test('store: the public view is kept with every write and holds only publicly readable values', async (t) => {
  const { store } = openTempStore(t);
  const value = (index: number, permissions: string, ttl: number) => ({
    index, type: 'URL', data: { format: 'string' as const, value: `https://example.cn/${index}` }, ttlType: 0 as const, ttl, timestamp: 1, permissions, references: [],
  });
  await store.write(() => store.insertRecord('88.118.8/V', '88.118.8/v', '88.118.8', [value(1, '1110', 600), value(2, '1100', 5)], 1));
  t.deepEqual(store.getPublicView('88.118.8/V'), {
    valuesJson: '[{"index":1,"type":"URL","data":{"format":"string","value":"https://example.cn/1"},"ttl":600,"timestamp":"1970-01-01T00:00:01Z"}]',
    hasPrivate: true,
    minTtlSeconds: 600,
    earliestExpirySeconds: null,
  });
  await store.write(() => store.updateRecord('88.118.8/V', [value(3, '1110', 60)], 2));
  const updated = store.getPublicView('88.118.8/V');
  t.is(updated?.hasPrivate, false);
  t.is(updated?.minTtlSeconds, 60);
  t.regex(updated?.valuesJson ?? '', /example\.cn\/3/);
  t.is(store.getPublicView('88.118.8/NONE'), undefined);
});
