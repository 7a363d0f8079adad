// HS_ALIAS on the resolver proxy (reference §7.4): followed up to 20 deep to a 301, loops and longer chains are a 404 page.

import test from 'ava';
import { startNode, type NodeUnderTest } from '../../support/node-under-test.js';

async function record(t: Parameters<typeof startNode>[0], node: NodeUnderTest, handle: string, values: unknown[]): Promise<void> {
  const reply = await node.put(`/api/handles/${handle}`, values);
  t.is(reply.status, 201, reply.text);
}

const alias = (target: string, ttl = 86_400): unknown[] => [{ index: 1, type: 'HS_ALIAS', data: target, ttl }];

/** Handles CHAIN-0 … CHAIN-n where each is an alias of the next and the last has a URL value. */
async function chain(t: Parameters<typeof startNode>[0], node: NodeUnderTest, name: string, aliases: number): Promise<void> {
  for (let i = 0; i < aliases; i += 1) await record(t, node, `88.118/${name}-${i}`, alias(`88.118/${name}-${i + 1}`));
  await record(t, node, `88.118/${name}-${aliases}`, [{ index: 1, type: 'URL', data: `https://example.cn/${name}` }]);
}

test('proxy alias: an alias is followed to the last handle of the chain, and the browser gets 301 to its proxy address with the query kept', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/OLD', alias('88.118/MIDDLE', 3600));
  await record(t, node, '88.118/MIDDLE', alias('88.118/NEW', 600));
  await record(t, node, '88.118/NEW', [{ index: 1, type: 'URL', data: 'https://example.cn/new', ttl: 60 }]);
  const reply = await node.get('/88.118/OLD?urlappend=%2Fx&locatt=a:b');
  t.is(reply.status, 301);
  t.is(reply.headers.location, '/88.118/NEW?urlappend=%2Fx&locatt=a:b');
  // The aliases' TTLs bound the answer (the target's URL value is not used by this answer).
  t.is(reply.headers['cache-control'], 'max-age=600');
  t.is(reply.headers.expires, new Date(node.clock.ms + 600_000).toUTCString());
  const next = await node.get(String(reply.headers.location));
  t.is(next.status, 302);
  t.is(next.headers.location, 'https://example.cn/new/x');
});

test('proxy alias: ignore_aliases resolves the handle itself; noredirect shows the page of the last handle', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/A', [...alias('88.118/B'), { index: 2, type: 'URL', data: 'https://example.cn/a' }]);
  await record(t, node, '88.118/B', [{ index: 1, type: 'DESC', data: 'the target record' }]);
  const ignored = await node.get('/88.118/A?ignore_aliases');
  t.is(ignored.status, 302);
  t.is(ignored.headers.location, 'https://example.cn/a');
  const page = await node.get('/88.118/A?noredirect');
  t.is(page.status, 200);
  t.true(page.text.includes('the target record'));
  t.true(page.text.includes('<h1>88.118/B</h1>'));
});

test('proxy alias: 20 aliases are followed; a 21st makes the chain too long (404 page, ALIAS_CHAIN_TOO_LONG)', async (t) => {
  const node = await startNode(t);
  await chain(t, node, 'OK', 20);
  await chain(t, node, 'LONG', 21);
  const ok = await node.get('/88.118/OK-0');
  t.is(ok.status, 301);
  t.is(ok.headers.location, '/88.118/OK-20');
  const long = await node.get('/88.118/LONG-0');
  t.is(long.status, 404);
  t.regex(String(long.headers['content-type']), /^text\/html/);
  t.regex(long.text, /<meta name="idnode-error" content="ALIAS_CHAIN_TOO_LONG">/);
  t.true(long.text.includes('88.118/LONG-0'));
  t.is(await node.metric('idnode_errors_total{code="ALIAS_CHAIN_TOO_LONG"}'), 1);
  // Starting one step further down, the rest of the chain is short enough.
  t.is((await node.get('/88.118/LONG-1')).headers.location, '/88.118/LONG-21');
});

test('proxy alias: a loop (A → B → A, or A → A) is reported at once as too long', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/LOOP-A', alias('88.118/LOOP-B'));
  await record(t, node, '88.118/LOOP-B', alias('88.118/loop-a'));
  await record(t, node, '88.118/SELF', alias('88.118/SELF'));
  const resolutions = async (): Promise<number> =>
    (await node.metric('idnode_resolutions_total{outcome="cache_miss"}')) + (await node.metric('idnode_resolutions_total{outcome="cache_hit"}'));
  const before = await resolutions();
  const loop = await node.get('/88.118/LOOP-A');
  t.is(loop.status, 404);
  t.regex(loop.text, /content="ALIAS_CHAIN_TOO_LONG"/);
  // Two resolutions (A, B), not twenty-one: the loop is seen when a handle comes round again.
  t.is(await resolutions(), before + 2);
  for (const path of ['/88.118/SELF', '/88.118/LOOP-A?noredirect']) {
    const reply = await node.get(path);
    t.is(reply.status, 404, path);
    t.regex(reply.text, /content="ALIAS_CHAIN_TOO_LONG"/, path);
  }
});

test('proxy alias: an alias to a handle that does not exist, or that is not a handle, is a 404 page naming the target', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/DANGLING', alias('88.118/GONE'));
  await record(t, node, '88.118/NONSENSE', alias('not a handle'));
  const gone = await node.get('/88.118/DANGLING');
  t.is(gone.status, 404);
  t.regex(gone.text, /content="HANDLE_NOT_FOUND"/);
  t.true(gone.text.includes('88.118/GONE'));
  const nonsense = await node.get('/88.118/NONSENSE');
  t.is(nonsense.status, 404);
  t.true(nonsense.text.includes('not a handle'));
});

test('proxy alias: a non-public HS_ALIAS is never followed (only public values count)', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/PRIVATE-ALIAS', [
    { index: 1, type: 'HS_ALIAS', data: '88.118/SECRET-TARGET', permissions: '1100' },
    { index: 2, type: 'URL', data: 'https://example.cn/public' },
  ]);
  const reply = await node.get('/88.118/PRIVATE-ALIAS');
  t.is(reply.status, 302);
  t.is(reply.headers.location, 'https://example.cn/public');
  t.false((await node.get('/88.118/PRIVATE-ALIAS?noredirect')).text.includes('SECRET-TARGET'));
});
