// The product page (issue 15): public values only, every value escaped, labels, images, local times, languages, QR code.

import test from 'ava';
import { qrDataUrl } from '../../../src/pages/qr-code.js';
import { ADMIN, startNode, TestClock, type NodeUnderTest } from '../../support/node-under-test.js';

async function record(t: Parameters<typeof startNode>[0], node: NodeUnderTest, handle: string, values: unknown[]): Promise<void> {
  const reply = await node.put(`/api/handles/${handle}`, values);
  t.true(reply.status === 201 || reply.status === 200, reply.text);
}

const PUMP = [
  { index: 1, type: 'DESC', data: 'DN50 centrifugal pump' },
  { index: 2, type: 'PRODUCT.MODEL', data: 'PX-350/2' },
  { index: 3, type: 'IMAGE', data: 'https://img.example.cn/pump.png' },
  { index: 4, type: 'IMAGE.BACK', data: 'http://img.example.cn/plain-http.png' },
  { index: 5, type: 'EMAIL', data: 'service@example.cn' },
  { index: 6, type: 'NOTE', data: 'secret batch note', permissions: '1100' },
];

test('product page: noredirect, action=showvalues and a record without URL value all get the page (200, HTML, strict CSP, no script)', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/PUMP-1', [{ index: 9, type: 'URL', data: 'https://example.cn/p' }, ...PUMP]);
  await record(t, node, '88.118/NO-URL', PUMP);
  for (const path of ['/88.118/PUMP-1?noredirect', '/88.118/PUMP-1?action=showvalues', '/88.118/NO-URL']) {
    const reply = await node.get(path);
    t.is(reply.status, 200, path);
    t.regex(String(reply.headers['content-type']), /^text\/html; charset=utf-8/, path);
    const csp = String(reply.headers['content-security-policy']);
    t.regex(csp, /default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src https: data:/, path);
    t.false(csp.includes('unsafe-inline'), path);
    t.false(/<script/i.test(reply.text), path);
    t.true(reply.text.includes('DN50 centrifugal pump'), path);
    t.is(reply.headers.vary, 'Accept, Accept-Language', path);
  }
});

test('product page: only public values appear — never a value without public read, whoever asks', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/PRIVATE', [...PUMP, { index: 301, type: 'HS_SECKEY', data: 'a-secret-key-of-16-chars' }]);
  for (const options of [{}, { auth: ADMIN }]) {
    const reply = await node.get('/88.118/PRIVATE', options);
    t.is(reply.status, 200);
    t.false(reply.text.includes('secret batch note'));
    t.false(reply.text.includes('HS_SECKEY'));
    t.false(reply.text.includes('a-secret-key'));
  }
});

test('product page: a value, a type and a handle holding <script> are shown as text', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/%3Cscript%3Ealert(2)%3C%2Fscript%3E', [
    { index: 1, type: 'DESC', data: '<script>alert(1)</script>' },
    { index: 2, type: 'X"><img src=x onerror=alert(3)>', data: "it's \"quoted\" & <b>bold</b>" },
  ]);
  const reply = await node.get('/88.118/%3Cscript%3Ealert(2)%3C%2Fscript%3E');
  t.is(reply.status, 200);
  t.false(/<script/i.test(reply.text));
  t.false(reply.text.includes('<img src=x'));
  t.false(reply.text.includes('<b>bold'));
  t.true(reply.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  t.true(reply.text.includes('<h1>88.118/&lt;script&gt;alert(2)&lt;/script&gt;</h1>'));
  t.true(reply.text.includes('X&quot;&gt;&lt;img src=x onerror=alert(3)&gt;'));
  t.true(reply.text.includes('it&#39;s &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;'));
});

test('product page: images for IMAGE-like https values, links for URLs and email, times in the node\'s zone', async (t) => {
  const node = await startNode(t, {}, new TestClock(), { timeZone: 'Asia/Shanghai' });
  await record(t, node, '88.118/IMG', [...PUMP, { index: 7, type: 'URL.IMAGE', data: 'https://img.example.cn/side.png' }]);
  // A URL sub-type is a redirect target (reference §7.2): the page is asked for.
  const reply = await node.get('/88.118/IMG?noredirect');
  t.true(reply.text.includes('<a href="https://img.example.cn/pump.png" rel="noopener noreferrer nofollow"><img src="https://img.example.cn/pump.png" alt="IMAGE" loading="lazy"></a>'));
  t.true(reply.text.includes('<img src="https://img.example.cn/side.png" alt="URL.IMAGE" loading="lazy">'));
  // An http image would be blocked by the page's policy (and is mixed content): a link only.
  t.false(reply.text.includes('<img src="http://img.example.cn'));
  t.true(reply.text.includes('<a href="http://img.example.cn/plain-http.png"'));
  t.true(reply.text.includes('<a href="mailto:service@example.cn">service@example.cn</a>'));
  // Written at the test clock's 2026-01-15T08:00:00Z: 16:00 in Shanghai, shown once for the record.
  t.true(reply.text.includes('<time datetime="2026-01-15T08:00:00Z">'));
  t.true(reply.text.includes('2026-01-15 16:00 GMT+8'));
  t.is(reply.text.split('<time ').length - 1, 1);
  // Once one value is written later, the record's time is that value's, and the others show their own.
  node.clock.advance(3 * 86_400_000);
  t.is((await node.put('/api/handles/88.118/IMG?index=1&overwrite=true', [{ index: 1, type: 'DESC', data: 'changed' }])).status, 200);
  const later = await node.get('/88.118/IMG?noredirect');
  t.regex(later.text, /<header class="card">.*2026-01-18 16:00 GMT\+8.*<\/header>/s);
  t.regex(later.text, /<dt>DESC<\/dt><dd>changed<\/dd>/);
  t.regex(later.text, /<dt>PRODUCT.MODEL<\/dt><dd>PX-350\/2<time datetime="2026-01-15T08:00:00Z">/);
  const utc = await startNode(t, {}, new TestClock(), { timeZone: 'UTC' });
  await record(t, utc, '88.118/IMG', PUMP);
  t.true((await utc.get('/88.118/IMG?noredirect')).text.includes('2026-01-15 08:00 GMT'));
});

test('product page: Chinese or English by Accept-Language (Chinese when it names neither)', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/LANG', PUMP);
  const cases: [string | undefined, string, string][] = [
    [undefined, 'zh-CN', '企业'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN', '企业'],
    ['en-US,en;q=0.9', 'en', 'Enterprise'],
    ['fr, en;q=0.5, zh;q=0.4', 'en', 'Enterprise'],
    ['fr', 'zh-CN', '企业'],
  ];
  for (const [language, htmlLang, word] of cases) {
    const reply = await node.get('/88.118/LANG', { headers: language === undefined ? {} : { 'accept-language': language } });
    t.true(reply.text.includes(`<html lang="${htmlLang}">`), String(language));
    t.true(reply.text.includes(word), String(language));
  }
});

test('product page: the enterprise comes from the prefix record\'s public ORG_NAME and URL values', async (t) => {
  const node = await startNode(t);
  await record(t, node, '0.NA/88.118.8', [
    { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118.8', index: 300, permissions: '011111110011' } } },
    { index: 2, type: 'ORG_NAME', data: '某泵业有限公司' },
    { index: 3, type: 'URL', data: 'https://pumps.example.cn' },
  ]);
  await record(t, node, '88.118.8/PUMP-2026-000123', PUMP);
  const reply = await node.get('/88.118.8/PUMP-2026-000123');
  t.true(reply.text.includes('<strong>某泵业有限公司</strong>'));
  t.true(reply.text.includes('href="https://pumps.example.cn"'));
  t.true(reply.text.includes('<code>88.118.8</code>'));
  // The page follows its enterprise: a new name shows at once.
  await record(t, node, '0.NA/88.118.8?index=2&overwrite=true', [{ index: 2, type: 'ORG_NAME', data: '新名称泵业' }]);
  t.true((await node.get('/88.118.8/PUMP-2026-000123')).text.includes('新名称泵业'));
});

test('product page: a label provider names the values (template item names); the type is shown beside the label', async (t) => {
  const labels = new Map([[2, '产品型号']]);
  const node = await startNode(t, {}, new TestClock(), { labels: { labelsOf: (handle) => (handle.startsWith('88.118/') ? labels : null) } });
  await record(t, node, '88.118/LABELS', PUMP);
  const reply = await node.get('/88.118/LABELS');
  t.true(reply.text.includes('<dt>产品型号<span class="type">PRODUCT.MODEL</span></dt>'));
  t.true(reply.text.includes('<dt>DESC</dt>'));
});

test('product page: the QR code holds the page\'s address — under IDNODE_PUBLIC_URL, else the request\'s Host (none for a Host that is not a host name)', async (t) => {
  const node = await startNode(t, { IDNODE_PUBLIC_URL: 'https://id.example.cn/' });
  await record(t, node, '88.118/QR', PUMP);
  const reply = await node.get('/88.118/QR', { headers: { host: 'other.example' } });
  t.true(reply.text.includes(`<img src="${qrDataUrl('https://id.example.cn/88.118/QR')}"`));
  t.true(reply.text.includes('<a href="https://id.example.cn/88.118/QR">'));
  const local = await startNode(t);
  await record(t, local, '88.118/QR', PUMP);
  const derived = await local.get('/88.118/QR', { headers: { host: 'id.example.org:8443' } });
  t.true(derived.text.includes(`<img src="${qrDataUrl('http://id.example.org:8443/88.118/QR')}"`));
  const bogus = await local.get('/88.118/QR', { headers: { host: 'x"><script>' } });
  t.is(bogus.status, 200);
  t.false(bogus.text.includes('data:image/gif'));
});

test('product page: a record with no public value says so; technical values sit under details', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/HIDDEN', [{ index: 1, type: 'NOTE', data: 'private', permissions: '1100' }]);
  const hidden = await node.get('/88.118/HIDDEN');
  t.is(hidden.status, 200);
  t.true(hidden.text.includes('没有公开的数据'));
  await record(t, node, '88.118/TECH', [
    { index: 1, type: 'DESC', data: 'visible' },
    { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118', index: 300, permissions: '011111110011' } } },
  ]);
  const tech = await node.get('/88.118/TECH');
  t.regex(tech.text, /<details><summary>技术信息<\/summary><dl><div class="value"><dt>HS_ADMIN/);
});

test('product page: a page changes with its record (it is cached with it and dropped with it)', async (t) => {
  const node = await startNode(t);
  await record(t, node, '88.118/CHANGING', [{ index: 1, type: 'DESC', data: 'first text' }]);
  const first = await node.get('/88.118/CHANGING');
  t.true(first.text.includes('first text'));
  t.is((await node.get('/88.118/CHANGING')).text, first.text);
  await record(t, node, '88.118/CHANGING?overwrite=true', [{ index: 1, type: 'DESC', data: 'second text' }]);
  const second = await node.get('/88.118/CHANGING');
  t.true(second.text.includes('second text'));
  t.false(second.text.includes('first text'));
  const gone = await node.delete('/api/handles/88.118/CHANGING');
  t.is(gone.status, 200);
  t.is((await node.get('/88.118/CHANGING')).status, 404);
});
