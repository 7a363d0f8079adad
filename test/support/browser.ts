// Headless Chromium (Debian's package) driven by playwright-core, for the tests of pages people look at.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Chromium with a fresh profile, closed with the test. Fails the test clearly when Chromium is not installed. */
export async function openBrowser(t: ExecutionContext): Promise<{ browser: Browser; context: BrowserContext }> {
  if (!existsSync(CHROMIUM)) t.fail(`${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`);
  const profile = mkdtempSync(join(tmpdir(), 'idnode-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const browser = context.browser();
  return { browser: browser as Browser, context };
}

/**
 * Where screenshots go: docs/img with UPDATE_SCREENSHOTS=1 (to refresh the documentation), else a temp folder, so a
 * test run never changes the working tree.
 */
export function screenshotDir(t: ExecutionContext): string {
  if (process.env.UPDATE_SCREENSHOTS === '1') return new URL('../../../docs/img/', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'idnode-screens-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
