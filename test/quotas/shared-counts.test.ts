// The daily request quota over several processes (IDNODE_WORKERS): each adds what it counted, none overwrites another;
// a process learns the others' counts at its next save (every second), so the cap may be passed by one save's worth.

import test from 'ava';
import { IdnodeError } from '../../src/errors.js';
import { QuotaService } from '../../src/quotas/quota-service.js';
import { QuotaRows } from '../../src/store/quotas.js';
import { openStore } from '../../src/store/store.js';
import { openTempStore } from '../store/temp-store.js';

test('quota 603: two processes over one store add their counts, and each then refuses at the node-wide cap', (t) => {
  const { store, path } = openTempStore(t);
  const other = openStore(path, { busyTimeoutMs: 1000 });
  t.teardown(() => other.close());
  const options = { dailyRequests: 10, handlesPerPrefix: 0, prefixesPerEnterprise: 0, nowMs: () => Date.UTC(2026, 11, 6, 8) };
  const a = new QuotaService(new QuotaRows(store), options);
  const b = new QuotaService(new QuotaRows(other), options);
  for (let i = 0; i < 4; i += 1) {
    a.chargeRequest('account:ops');
    b.chargeRequest('account:ops');
  }
  a.flush();
  b.flush();
  t.is(new QuotaRows(store).count('account:ops', Math.floor((options.nowMs() + 8 * 3_600_000) / 86_400_000)), 8, 'both processes’ requests, added');
  a.flush();
  b.chargeRequest('account:ops');
  b.chargeRequest('account:ops');
  const refused = t.throws(() => b.chargeRequest('account:ops'), { instanceOf: IdnodeError });
  t.is(refused?.code, 'REQUEST_LIMIT_DAILY');
  b.flush();
  // A still counts from its last save (8): one more request passes, and its next save takes up B's two.
  a.chargeRequest('account:ops');
  a.flush();
  t.throws(() => a.chargeRequest('account:ops'), { instanceOf: IdnodeError }, 'A took up B’s counts at its save');
});
