// Inputs the hostile-input properties found failing, kept as fixed cases (issue 3 "Hostile input"): each row names
// the property and its shrunk counterexample, and pins the corrected behaviour.

import test from 'ava';
import { parseValueList } from '../../src/identifier/value.js';
import { startNode } from '../support/node-under-test.js';
import { KeepAliveClient } from './wire.js';

interface Regression {
  readonly title: string;
  /** Which property found it, and the counterexample it reported. */
  readonly found: string;
  /** PUTs (as the administrator) that set the scene. */
  readonly before?: readonly { readonly path: string; readonly body: unknown }[];
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  readonly status: number;
  readonly responseCode: number;
  /** The `handle` the answer must echo. */
  readonly echo?: string;
  /** After the request, this handle must read back with values that pass validation again. */
  readonly readBack?: string;
  /** After the request, this handle must not exist. */
  readonly absent?: string;
}

const REGRESSIONS: readonly Regression[] = [
  {
    title: 'a PUT of a slash-less name echoes the name as sent, not the 0.NA/ handle it wrote',
    found: 'handle path: [{"kind":"text","text":"!","choices":[]},"PUT"] answered {"handle":"0.NA/!"}',
    method: 'PUT',
    path: '/api/handles/88.118.77',
    body: [{ index: 1, type: 'DESC', data: 'a derived prefix' }],
    status: 201,
    responseCode: 1,
    echo: '88.118.77',
    readBack: '0.NA/88.118.77',
  },
  {
    title: 'the same slash-less PUT again (a replacement, 200) echoes the name as sent',
    found: 'handle path: as above, for an existing prefix record',
    before: [{ path: '/api/handles/0.NA/88.118.77', body: [] }],
    method: 'PUT',
    path: '/api/handles/88.118.77',
    body: [{ index: 1, type: 'DESC', data: 'replaced' }],
    status: 200,
    responseCode: 1,
    echo: '88.118.77',
    readBack: '0.na/88.118.77',
  },
  {
    title: 'an absolute TTL past 9999-12-31T23:59:59Z (reached through a negative offset) is 400/202, not stored',
    found:
      'put body: ttl "9999-12-31T22:30:00.000-0130" was stored and read back as "+010000-01-01T00:00:00Z", which fails validation',
    method: 'PUT',
    path: '/api/handles/88.118/TTL-10000',
    body: [{ index: 1, type: 'URL', data: 'https://example.cn/', ttl: '9999-12-31T22:30:00.000-0130' }],
    status: 400,
    responseCode: 202,
    absent: '88.118/TTL-10000',
  },
  {
    title: 'the same overflow with an offset written without a colon is 400/202',
    found: 'put body: as above, "-2359" form of the offset',
    method: 'PUT',
    path: '/api/handles/88.118/TTL-10000',
    body: [{ index: 1, type: 'URL', data: 'https://example.cn/', ttl: '9999-12-31T23:59:59-2359' }],
    status: 400,
    responseCode: 202,
    absent: '88.118/TTL-10000',
  },
  {
    title: 'the latest representable absolute TTL, 9999-12-31T23:59:59Z, is accepted and reads back valid',
    found: 'put body: boundary of the fix above',
    method: 'PUT',
    path: '/api/handles/88.118/TTL-9999',
    body: [{ index: 1, type: 'URL', data: 'https://example.cn/', ttl: '9999-12-31T23:59:59.999Z' }],
    status: 201,
    responseCode: 1,
    echo: '88.118/TTL-9999',
    readBack: '88.118/TTL-9999',
  },
  {
    title: 'a POST whose JSON body carries more than 64 parameters is 400/4 (the query-parameter bound applies to body fields)',
    found:
      'probing after the properties: POST /api/handles/88.118/BIG {"type":[120,000 × "NOPE."]} (anonymous, 1 MB) held the event loop for 17 s against a 2,048-value record',
    before: [{ path: '/api/handles/88.118/BIG', body: Array.from({ length: 2_048 }, (_, i) => ({ index: i + 1, type: 'URL', data: `u${i}` })) }],
    method: 'POST',
    path: '/api/handles/88.118/BIG',
    body: { type: Array.from({ length: 120_000 }, () => 'NOPE.') },
    status: 400,
    responseCode: 4,
    echo: '88.118/BIG',
  },
];

for (const row of REGRESSIONS) {
  test(`regressions: ${row.title}`, async (t) => {
    const node = await startNode(t);
    const client = new KeepAliveClient(t, node);
    for (const { path, body } of row.before ?? []) {
      const set = await client.request('PUT', path, { body: JSON.stringify(body), auth: 'admin' });
      t.true(set.status === 200 || set.status === 201, `setting up ${path}: ${set.text}`);
    }
    // PUTs as the administrator; a POST (a resolution) anonymously, as an attacker would send it.
    const reply = await client.request(row.method, row.path, row.method === 'GET' ? {} : { body: JSON.stringify(row.body), ...(row.method === 'PUT' ? { auth: 'admin' as const } : {}) });
    t.is(reply.status, row.status, `${row.found} → ${reply.text}`);
    t.is(reply.json?.responseCode, row.responseCode);
    if (row.echo !== undefined) t.is(reply.json?.handle, row.echo);
    if (row.readBack !== undefined) {
      const read = await client.request('GET', `/api/handles/${row.readBack}`, { auth: 'admin' });
      t.is(read.status, 200, read.text);
      t.notThrows(() => parseValueList(read.json?.values ?? [], 0, { suffixCaseSensitive: false }), read.text);
    }
    if (row.absent !== undefined) t.is((await client.request('GET', `/api/handles/${row.absent}`)).status, 404);
  });
}
