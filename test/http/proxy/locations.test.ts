// 10320/loc on the resolver proxy (reference §7.3): choices replayed with injected draws, http_sc, templates, legacy URLs, conneg.

import test from 'ava';
import { startNode, TestClock, type NodeUnderTest } from '../../support/node-under-test.js';

async function record(t: Parameters<typeof startNode>[0], node: NodeUnderTest, handle: string, values: unknown[]): Promise<void> {
  const reply = await node.put(`/api/handles/${handle}`, values);
  t.is(reply.status, 201, reply.text);
}

/** A node whose weighted draws return `draw.value`. */
async function nodeWithDraws(t: Parameters<typeof startNode>[0]): Promise<{ node: NodeUnderTest; draw: { value: number } }> {
  const draw = { value: 0 };
  const node = await startNode(t, {}, new TestClock(), { random: () => draw.value });
  return { node, draw };
}

const loc = (xml: string, ttl = 86_400): unknown => ({ index: 10, type: '10320/loc', data: xml, ttl });

test('proxy 10320/loc: the weighted choice follows the draw; every location gets its share', async (t) => {
  const { node, draw } = await nodeWithDraws(t);
  await record(t, node, '88.118/WEIGHTED', [
    loc('<locations><location href="https://a.example.cn/" weight="1"/><location href="https://b.example.cn/" weight="3"/></locations>'),
  ]);
  const target = async (value: number): Promise<string | undefined> => {
    draw.value = value;
    return (await node.get('/88.118/WEIGHTED')).headers.location;
  };
  t.is(await target(0.1), 'https://a.example.cn/');
  t.is(await target(0.3), 'https://b.example.cn/');
  t.is(await target(0.99), 'https://b.example.cn/');
});

test('proxy 10320/loc: locatt picks by attribute; http_sc sets the status; the answer is private and varies with the headers', async (t) => {
  const { node } = await nodeWithDraws(t);
  await record(t, node, '88.118/LOCATT', [
    loc(
      '<locations><location href="https://example.cn/page" view="html"/><location href="https://example.cn/data.json" view="json" http_sc="303"/></locations>',
      900,
    ),
  ]);
  const json = await node.get('/88.118/LOCATT?locatt=view:json');
  t.is(json.status, 303);
  t.is(json.headers.location, 'https://example.cn/data.json');
  t.is(json.headers['cache-control'], 'private, max-age=900');
  t.is(json.headers.vary, 'Accept, Accept-Language, User-Agent');
  const html = await node.get('/88.118/LOCATT?locatt=view:html');
  t.is(html.status, 302);
  t.is(html.headers.location, 'https://example.cn/page');
});

test('proxy 10320/loc: DOI-style content negotiation — Accept of a non-browser type picks the conneg location, a browser the other', async (t) => {
  const { node } = await nodeWithDraws(t);
  await record(t, node, '88.118/CONNEG', [
    loc(
      '<locations chooseby="locatt,weighted">' +
        '<location href="https://data.example.cn/88.118/CONNEG" http_role="conneg" ctype="application/json" http_sc="303" weight="0"/>' +
        '<location href="https://www.example.cn/product" weight="1"/></locations>',
    ),
  ]);
  // A JSON client is sent to the record's own conneg location (not given idnode's JSON): the record negotiates.
  const machine = await node.get('/88.118/CONNEG', { headers: { accept: 'application/json' } });
  t.is(machine.status, 303);
  t.is(machine.headers.location, 'https://data.example.cn/88.118/CONNEG');
  const browser = await node.get('/88.118/CONNEG', { headers: { accept: 'text/html,*/*;q=0.8', 'user-agent': 'Mozilla/5.0' } });
  t.is(browser.status, 302);
  t.is(browser.headers.location, 'https://www.example.cn/product');
  t.regex(String(browser.headers.vary), /Accept/);
});

test('proxy 10320/loc: href_template fills in {hdl} and {hdl:path}; the list\'s http_sc is inherited; urlappend is added', async (t) => {
  const { node } = await nodeWithDraws(t);
  await record(t, node, '88.118/line%203/pump', [
    loc('<locations http_sc="307"><location href_template="https://example.cn/r?id={hdl}&amp;p=/{hdl:path}"/></locations>'),
  ]);
  const reply = await node.get('/88.118/line%203/pump?urlappend=%26x=1');
  t.is(reply.status, 307);
  t.is(reply.headers.location, 'https://example.cn/r?id=88.118%2Fline%203%2Fpump&p=/88.118/line%203/pump&x=1');
});

test('proxy 10320/loc: URL values are locations too — weight 0 beside a parsed list, weight 1 when no list parses; no_legacy drops them', async (t) => {
  const { node, draw } = await nodeWithDraws(t);
  await record(t, node, '88.118/LEGACY', [
    { index: 1, type: 'URL', data: 'https://example.cn/legacy' },
    loc('<locations><location href="https://example.cn/listed"/></locations>'),
  ]);
  await record(t, node, '88.118/BROKEN', [{ index: 1, type: 'URL', data: 'https://example.cn/legacy' }, loc('<locations><location href=')]);
  await record(t, node, '88.118/WEIGHTS', [
    { index: 1, type: 'URL', data: 'https://example.cn/legacy' },
    loc('<locations urlWeight="1"><location href="https://example.cn/listed"/></locations>'),
  ]);
  await record(t, node, '88.118/NO-LEGACY', [
    { index: 1, type: 'URL', data: 'https://example.cn/legacy' },
    loc('<locations no_legacy="true"><location href="https://example.cn/listed" weight="0"/></locations>'),
  ]);
  for (const value of [0, 0.5, 0.99]) {
    draw.value = value;
    t.is((await node.get('/88.118/LEGACY')).headers.location, 'https://example.cn/listed', `draw ${value}`);
    t.is((await node.get('/88.118/BROKEN')).headers.location, 'https://example.cn/legacy', `draw ${value}`);
    t.is((await node.get('/88.118/NO-LEGACY')).headers.location, 'https://example.cn/listed', `draw ${value}`);
  }
  draw.value = 0.75;
  t.is((await node.get('/88.118/WEIGHTS')).headers.location, 'https://example.cn/legacy');
  draw.value = 0.25;
  t.is((await node.get('/88.118/WEIGHTS')).headers.location, 'https://example.cn/listed');
});

test('proxy 10320/loc: address picks by the client address, country by ?country=', async (t) => {
  const { node } = await nodeWithDraws(t);
  await record(t, node, '88.118/WHERE', [
    loc(
      '<locations chooseby="address,country,weighted"><location href="https://lan.example.cn/" addresses="127.0.0.0/8"/>' +
        '<location href="https://cn.example.cn/" country="cn"/><location href="https://de.example.de/" country="de"/></locations>',
    ),
  ]);
  await record(t, node, '88.118/COUNTRY', [
    loc('<locations><location href="https://cn.example.cn/" country="cn"/><location href="https://de.example.de/" country="de"/></locations>'),
  ]);
  t.is((await node.get('/88.118/WHERE')).headers.location, 'https://lan.example.cn/');
  t.is((await node.get('/88.118/COUNTRY?country=DE')).headers.location, 'https://de.example.de/');
  t.is((await node.get('/88.118/COUNTRY')).headers.location, 'https://cn.example.cn/');
});

test('proxy 10320/loc: an HTTP/1.0 client gets 302 for a 303 location, and 301 stays 301', async (t) => {
  const { node } = await nodeWithDraws(t);
  await record(t, node, '88.118/OLD-CLIENT', [loc('<locations><location href="https://example.cn/x" http_sc="303"/></locations>')]);
  await record(t, node, '88.118/MOVED', [loc('<locations><location href="https://example.cn/y" http_sc="301"/></locations>')]);
  const old = await node.rawExchange('GET /88.118/OLD-CLIENT HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
  t.regex(old.text, /^HTTP\/1\.1 302 /);
  const moved = await node.rawExchange('GET /88.118/MOVED HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
  t.regex(moved.text, /^HTTP\/1\.1 301 /);
});

test('proxy 10320/loc: a list whose every location is unusable (no href, javascript:) falls back to the page', async (t) => {
  const { node } = await nodeWithDraws(t);
  await record(t, node, '88.118/NOWHERE', [loc('<locations><location href="javascript:alert(1)"/><location title="no href"/></locations>')]);
  const reply = await node.get('/88.118/NOWHERE');
  t.is(reply.status, 200);
  t.regex(String(reply.headers['content-type']), /^text\/html/);
  t.is(reply.headers.location, undefined);
});
