// IDNODE_PG_READ_URLS: a node's cache-missing reads go to a replica once it has replayed every write the node made or
// heard of, and to the primary while it has not — never an answer older than the node's own acknowledged write.

import { lsnValue } from '../../../src/store/postgres/read-replicas.js';
import { startNode } from '../../support/node-under-test.js';
import { postgresTest } from '../../support/postgres-cluster.js';
import { ReplicatedPair, waitUntil } from '../../support/postgres-replication.js';
import test from 'ava';

const { run, note } = postgresTest;

test('read replicas: WAL positions order as PostgreSQL orders them', (t) => {
  t.is(lsnValue('0/16B3748'), 0x16b3748n);
  t.true((lsnValue('1/0') ?? 0n) > (lsnValue('0/FFFFFFFF') ?? 0n));
  t.is(lsnValue(null), null);
  t.is(lsnValue('not a position'), null);
});

run(`read replicas: reads go to a caught-up replica, and to the primary while the replica has not replayed the node's own write${note}`, async (t) => {
  t.timeout(120_000);
  const pair = await ReplicatedPair.start();
  t.teardown(() => pair.stop());
  const primaryUrl = await pair.primary.createDatabase();
  const database = decodeURIComponent(primaryUrl.slice(primaryUrl.lastIndexOf('/') + 1));
  const node = await startNode(t, { IDNODE_STORE: 'postgres', IDNODE_PG_URL: primaryUrl, IDNODE_PG_READ_URLS: pair.standby.url(database) });
  const { store } = node.node;
  // The standby's database, asked directly (the harness's admin connection is on `postgres`), for what it has replayed.
  const standby = new (await import('pg')).default.Client({ connectionString: pair.standby.url(database) });
  await standby.connect();
  t.teardown(() => standby.end());
  const replayed = async (key: string): Promise<boolean> => {
    const [prefix, suffix] = key.split('/');
    return ((await standby.query('SELECT 1 FROM handles WHERE prefix_key = $1 AND suffix_key = $2', [prefix, suffix])).rowCount ?? 0) > 0;
  };

  await node.register(t, '88.118/R-1');
  await waitUntil(() => replayed('88.118/R-1'), 'the standby replays the first write');
  // Let a poll of the replica's position see it (every 20 ms).
  await waitUntil(() => {
    store.getRecord('88.118/R-1');
    return store.replicaCounts().replica > 0;
  }, 'a read served by the caught-up replica');
  t.truthy(store.getRecord('88.118/R-1'), 'the replica answers with the record');

  // The replica stops replaying: the node's next write is on the primary only.
  await standby.query('SELECT pg_wal_replay_pause()');
  t.teardown(() => standby.query('SELECT pg_wal_replay_resume()').catch(() => undefined));
  await node.register(t, '88.118/R-2');
  t.false(await replayed('88.118/R-2'), 'precondition: the replica lacks the acknowledged write');
  const before = store.replicaCounts();
  t.is(store.getRecord('88.118/R-2')?.handle, '88.118/R-2', 'read-your-writes: the acknowledged write is read (from the primary)');
  t.is(store.getRecord('88.118/R-1')?.handle, '88.118/R-1');
  const during = store.replicaCounts();
  t.is(during.replica, before.replica, 'no read went to the replica behind the horizon');
  t.is(during.primary, before.primary + 2);

  await standby.query('SELECT pg_wal_replay_resume()');
  await waitUntil(() => replayed('88.118/R-2'), 'the standby catches up');
  await waitUntil(() => {
    t.is(store.getRecord('88.118/R-2')?.handle, '88.118/R-2');
    return store.replicaCounts().replica > during.replica;
  }, 'reads go back to the replica once it has replayed the write');
  const counts = store.replicaCounts();
  t.log(`replica reads ${counts.replica}, primary reads ${counts.primary}`);
  // The operators see the same counts.
  const scraped = await node.node.metrics.registry.metrics();
  t.true(scraped.includes(`idnode_pg_reads_total{member="replica"} ${counts.replica}\n`), 'replica reads exported');
  t.true(scraped.includes(`idnode_pg_reads_total{member="primary"} ${counts.primary}\n`), 'primary reads exported');
  t.true(scraped.includes('idnode_pg_peer_late_total 0\n'));
});
