// The product page and the proxy's 404 page in headless Chromium: phone and desktop, readable without script, strict CSP held.

import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { BrowserContext, Page } from 'playwright-core';
import type { Labels } from '../../src/pages/labels.js';
import { BROWSER_TESTS, openChromium, screenshotDir } from '../support/headless-chromium.js';
import { startNode, TestClock, type NodeUnderTest } from '../support/node-under-test.js';

const browserTest = BROWSER_TESTS ? test.serial : test.skip;

const HANDLE = '88.118.8/PUMP-2026-000123';
const IMAGE_URL = 'https://img.example.cn/pump/PX-350.png';
const LABELS: Record<'zh' | 'en', Labels> = {
  zh: new Map([[1, '产品描述'], [2, '产品型号'], [3, '产品图片'], [4, '生产批次'], [5, '售后邮箱'], [6, '使用说明书']]),
  en: new Map([[1, 'Description'], [2, 'Model'], [3, 'Photo'], [4, 'Batch'], [5, 'Service email'], [6, 'Manual']]),
};

/** A node holding one enterprise's pump, as a secondary node would after an SNMS import (labels as its template names them). */
async function pumpNode(t: ExecutionContext): Promise<NodeUnderTest> {
  const node = await startNode(t, { IDNODE_PUBLIC_URL: 'https://id.example.cn' }, new TestClock(), {
    timeZone: 'Asia/Shanghai',
    labels: { labelsOf: (handle, _values, language) => (handle.startsWith('88.118.8/') ? LABELS[language] : null) },
  });
  const put = async (handle: string, values: unknown[]): Promise<void> => {
    t.is((await node.put(`/api/handles/${handle}`, values)).status, 201);
  };
  await put('0.NA/88.118.8', [
    { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118.8', index: 300, permissions: '011111110011' } } },
    { index: 2, type: 'ORG_NAME', data: '江西赣江泵业有限公司' },
    { index: 3, type: 'URL', data: 'https://pumps.example.cn' },
  ]);
  await put(HANDLE, [
    { index: 1, type: 'DESC', data: '单级单吸离心泵 DN50，流量 12.5 m³/h，扬程 32 m' },
    { index: 2, type: 'PRODUCT.MODEL', data: 'PX-350/2' },
    { index: 3, type: 'IMAGE', data: IMAGE_URL },
    { index: 4, type: 'PRODUCT.BATCH', data: '2026-03 第 7 批' },
    { index: 5, type: 'EMAIL', data: 'service@pumps.example.cn' },
    { index: 6, type: 'DOC.MANUAL', data: 'https://pumps.example.cn/manuals/PX-350.pdf' },
    { index: 7, type: 'NOTE', data: 'internal QA note', permissions: '1100' },
    { index: 100, type: 'HS_ADMIN', data: { format: 'admin', value: { handle: '0.NA/88.118.8', index: 300, permissions: '011111110011' } } },
  ]);
  return node;
}

/** Serves the product photo (drawn by Chromium itself) and refuses every request that is not to the node under test. */
async function offline(t: ExecutionContext, context: BrowserContext, node: NodeUnderTest): Promise<string[]> {
  const painter = await context.newPage();
  await painter.setViewportSize({ width: 480, height: 300 });
  await painter.setContent(
    '<body style="margin:0"><div style="width:480px;height:300px;background:linear-gradient(135deg,#0b5cad,#5fa8e8);display:flex;align-items:center;justify-content:center;font:bold 56px sans-serif;color:#fff">PX-350/2</div></body>',
  );
  const photo = await painter.locator('div').screenshot({ type: 'png' });
  await painter.close();
  const refused: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === IMAGE_URL) await route.fulfill({ status: 200, contentType: 'image/png', body: photo });
    else if (url.startsWith(`http://127.0.0.1:${node.port}/`)) await route.continue();
    else {
      refused.push(url);
      await route.abort();
    }
  });
  t.teardown(() => context.unrouteAll({ behavior: 'ignoreErrors' }));
  return refused;
}

/** Console messages about the Content-Security-Policy (there must be none: the page needs nothing it forbids). */
function cspViolations(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) found.push(message.text());
  });
  return found;
}

browserTest('product page in Chromium: a phone (390×844, Chinese, no script) reads the whole record in one column', async (t) => {
  const node = await pumpNode(t);
  const context = await openChromium(t, { viewport: { width: 390, height: 844 }, locale: 'zh-CN', javaScriptEnabled: false, isMobile: true });
  const refused = await offline(t, context, node);
  const page = await context.newPage();
  const violations = cspViolations(page);
  const response = await page.goto(`http://127.0.0.1:${node.port}/${HANDLE}`);
  t.is(response?.status(), 200);
  await t.notThrowsAsync(page.locator('h1', { hasText: HANDLE }).waitFor());
  t.is(await page.locator('html').getAttribute('lang'), 'zh-CN');
  t.true(await page.getByText('江西赣江泵业有限公司').isVisible());
  t.true(await page.getByText('产品型号').isVisible());
  t.true(await page.getByText('PX-350/2').first().isVisible());
  t.true(await page.getByText('2026-01-15 16:00 GMT+8').first().isVisible());
  t.is(await page.getByText('internal QA note').count(), 0);
  // Technical values stay folded away until asked for.
  t.false(await page.getByText('HS_ADMIN').first().isVisible());
  // One column that fits the screen: nothing wider than the viewport, text at a readable size.
  const box = await page.locator('main').boundingBox();
  t.true(box !== null && box.width <= 390, JSON.stringify(box));
  for (const card of await page.locator('.card').all()) {
    const cardBox = await card.boundingBox();
    t.true(cardBox !== null && cardBox.x >= 0 && cardBox.x + cardBox.width <= 390, JSON.stringify(cardBox));
  }
  await page.screenshot({ path: join(screenshotDir(t), 'proxy-phone-zh.png'), fullPage: true });
  t.deepEqual(violations, []);
  t.deepEqual(refused, []);
});

browserTest('product page in Chromium: desktop (1280×800, English) — the photo and the QR code load under the strict CSP', async (t) => {
  const node = await pumpNode(t);
  const context = await openChromium(t, { viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const refused = await offline(t, context, node);
  const page = await context.newPage();
  const violations = cspViolations(page);
  await page.goto(`http://127.0.0.1:${node.port}/${HANDLE}`);
  t.is(await page.locator('html').getAttribute('lang'), 'en');
  t.true(await page.getByText('Enterprise', { exact: true }).isVisible());
  t.true(await page.getByText('Service email').isVisible());
  const loaded = (selector: string): Promise<number> => page.locator(selector).evaluate((image: { naturalWidth: number }) => image.naturalWidth);
  // Text at a readable size for a phone held at arm's length too.
  t.is(await page.locator('body').evaluate((body) => (globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(body).fontSize), '16px');
  t.true((await loaded(`img[src="${IMAGE_URL}"]`)) > 0);
  t.true((await loaded('.qr img')) > 0);
  t.true(await page.getByText('https://id.example.cn/88.118.8/PUMP-2026-000123').isVisible());
  // The column stays a readable width on a wide screen, centred.
  const box = await page.locator('main').boundingBox();
  t.true(box !== null && box.width <= 42 * 16 + 1 && box.x > 200, JSON.stringify(box));
  // Unfolding the technical details needs no script (<details>).
  await page.getByText('Technical details').click();
  t.true(await page.getByText('HS_ADMIN').first().isVisible());
  await page.screenshot({ path: join(screenshotDir(t), 'proxy-desktop-en.png'), fullPage: true });
  t.deepEqual(violations, []);
  t.deepEqual(refused, []);
});

browserTest('product page in Chromium: a <script> value is text that never runs; an unknown code gets a readable 404 page', async (t) => {
  const node = await pumpNode(t);
  t.is((await node.put('/api/handles/88.118.8/XSS', [{ index: 1, type: 'DESC', data: '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">' }])).status, 201);
  const context = await openChromium(t, { viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true });
  const refused = await offline(t, context, node);
  const page = await context.newPage();
  const violations = cspViolations(page);
  await page.goto(`http://127.0.0.1:${node.port}/88.118.8/XSS`);
  t.true(await page.getByText('<script>window.pwned = 1</script>', { exact: false }).isVisible());
  t.is(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned), undefined);
  t.is(await page.locator('script').count(), 0);
  const missing = await page.goto(`http://127.0.0.1:${node.port}/88.118.8/PUMP-2026-999999`);
  t.is(missing?.status(), 404);
  t.true(await page.getByRole('heading', { name: '未找到该标识' }).isVisible());
  t.true(await page.getByText('88.118.8/PUMP-2026-999999').isVisible());
  await page.screenshot({ path: join(screenshotDir(t), 'proxy-not-found-phone.png'), fullPage: true });
  t.deepEqual(violations, []);
  t.deepEqual(refused, []);
});
