// The web console in a real headless Chromium: log in, approve an enterprise, create a template, find an identifier.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { openBrowser, screenshotDir } from '../support/browser.js';
import { startNode } from '../support/node-under-test.js';
import { addAccount, application, login, snms, valveRecord } from '../support/snms-client.js';

const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';

test('console: an operator logs in, approves an enterprise, creates a template and finds an identifier', async (t) => {
  const node = await startNode(t);
  await addAccount(node, 'operator', 'operator-password', 'admin');
  const admin = await login(node, 'operator', 'operator-password');
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: application('88.118.8', 1) })).json.status, 1);
  const hostile = application('88.118.9', 2);
  t.is((await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: { ...hostile, entBasicInfo: { ...(hostile.entBasicInfo as object), orgName: HOSTILE } } })).json.status, 1);

  const { context } = await openBrowser(t);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  // Failed loads are judged by their responses below (the wrong password's 401 is expected, a favicon is not served).
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (response.status() >= 400 && path !== '/favicon.ico' && !(path === '/snms/ui/login' && response.status() === 401)) problems.push(`${response.status()} ${path}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  const shots = screenshotDir(t);
  const shoot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(shots, name), fullPage: true });
    t.true(statSync(join(shots, name)).size > 5000, name);
  };
  const base = `http://127.0.0.1:${node.port}`;

  // Log in.
  const first = await page.goto(`${base}/snms/ui`);
  t.is(new URL(page.url()).pathname, '/snms/ui/login', 'signed out, the console sends you to the login page');
  t.regex(first?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  await shoot('console-login.png');
  await page.fill('input[name=username]', 'operator');
  await page.fill('input[name=password]', 'wrong password');
  await page.click('button[type=submit]');
  t.is(await page.textContent('.error'), '用户名/密码错误！');
  await page.fill('input[name=username]', 'operator');
  await page.fill('input[name=password]', 'operator-password');
  await page.click('button[type=submit]');
  await page.waitForURL('**/snms/ui/enterprises');
  const cookie = (await context.cookies()).find((c) => c.name === 'idnode_console');
  t.like(cookie, { httpOnly: true, sameSite: 'Strict', path: '/snms/ui' });

  // Review: the hostile name is shown as text, and approving allocates the prefix.
  t.is(await page.textContent('tr[data-prefix="88.118.9"] td:first-child'), HOSTILE);
  await shoot('console-enterprises.png');
  await page.click('tr[data-prefix="88.118.8"] button.approve');
  await page.waitForURL('**/snms/ui/enterprises?notice=approved');
  t.is(await page.textContent('tr[data-prefix="88.118.8"] .state'), '启用');
  t.is((await node.get('/api/handles/0.NA/88.118.8')).status, 200);

  // Prefixes.
  await page.click('nav >> text=前缀');
  await page.waitForURL('**/snms/ui/prefixes');
  t.is(await page.locator('tbody tr').count(), 2);
  await shoot('console-prefixes.png');

  // The template editor: the first row is there, a second is added by the script.
  await page.goto(`${base}/snms/ui/template?prefix=88.118.8`);
  await page.fill('input[name=version]', 'valve-1.0');
  await page.fill('input[name=industryCategory]', 'C');
  await page.fill('input[name=industrySpecific]', '34');
  await page.fill('input[name=description]', '阀门产品模板');
  const rows = page.locator('#items tr');
  await rows.nth(0).locator('input[name="item.name"]').fill('产品名称');
  await rows.nth(0).locator('input[name="item.idType"]').fill('productName');
  await rows.nth(0).locator('select[name="item.required"]').selectOption('true');
  await rows.nth(0).locator('input[name="item.minLength"]').fill('1');
  await rows.nth(0).locator('input[name="item.maxLength"]').fill('64');
  await page.click('#add-item');
  t.is(await rows.count(), 2);
  await rows.nth(1).locator('input[name="item.name"]').fill('批次号');
  await rows.nth(1).locator('input[name="item.idType"]').fill('batchNo');
  await shoot('console-template-editor.png');
  await page.click('button.primary');
  await page.waitForURL('**/snms/ui/templates?prefix=88.118.8&notice=saved');
  await shoot('console-templates.png');
  const template = await snms(node, 'GET', '/snms/api/v5/template?prefix=88.118.8&version=valve-1.0', { token: admin });
  t.deepEqual(template.json.data.items.map((i: { idType: string; idIndex: number; required: boolean }) => [i.idType, i.idIndex, i.required]), [['productName', 2000, true], ['batchNo', 2001, false]]);

  // Find an identifier registered through the API.
  t.is((await snms(node, 'POST', '/identityv2/data', { token: admin, body: valveRecord('88.118.8/VALVE-A-0001') })).json.status, 1);
  await page.click('nav >> text=标识查询');
  await page.fill('input[name=handle]', '88.118.8/VALVE-A-0001');
  await page.click('form.filters button');
  await page.waitForURL('**/snms/ui/identifiers?handle=*');
  t.is(await page.textContent('.detail tbody tr:nth-child(2) td:nth-child(3)'), 'DN50 闸阀');
  await shoot('console-identifier.png');
  await page.fill('input[name=handle]', '88.118.8/NOPE');
  await page.click('form.filters button');
  t.is(await page.textContent('.error'), '没有找到标识');

  // The audit log shows what was just done, by whom.
  await page.click('nav >> text=审计日志');
  await page.waitForURL('**/snms/ui/audit');
  const actions = await page.locator('table.audit tbody tr td:nth-child(5)').allTextContents();
  t.true(['prefix.approve', 'template.create', 'handle.create'].every((action) => actions.includes(action)), actions.join(', '));
  await shoot('console-audit.png');

  // Every script is a file from the node (no inline script), and nothing went wrong in the page.
  t.deepEqual(await page.locator('script:not([src])').count(), 0);
  t.deepEqual(problems, []);

  // Logging out ends the session: the old cookie no longer opens a page.
  await page.click('.logout button');
  await page.waitForURL('**/snms/ui/login');
  t.is((await snms(node, 'GET', '/snms/ui/prefixes', { headers: { cookie: `idnode_console=${cookie?.value ?? ''}` } })).status, 303);
});
