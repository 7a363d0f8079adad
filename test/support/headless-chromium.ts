// Debian's Chromium driven by playwright-core, for the tests of pages people look at (docs/proxy.md).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser tests run: always under CI (where a missing Chromium fails them, .ci/run installs it), and
 * elsewhere only when Chromium is installed (`apt-get install -y chromium`).
 */
export const BROWSER_TESTS = existsSync(CHROMIUM) || process.env.CI !== undefined;

export interface ContextOptions {
  readonly viewport: { readonly width: number; readonly height: number };
  readonly locale: string;
  readonly javaScriptEnabled?: boolean;
  readonly isMobile?: boolean;
}

/**
 * A fresh Chromium profile (its own user-data-dir, removed with the test) with the flags a shared, offline machine
 * needs. Fails the test when Chromium is missing.
 */
export async function openChromium(t: ExecutionContext, options: ContextOptions): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) t.fail(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const profile = mkdtempSync(join(tmpdir(), 'idnode-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: options.viewport,
    locale: options.locale,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    isMobile: options.isMobile ?? false,
    hasTouch: options.isMobile ?? false,
  });
  t.teardown(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}

/**
 * Where screenshots go: docs/img with UPDATE_SCREENSHOTS=1 (to refresh the documentation's pictures), else a
 * temporary folder, so a test run never changes the working tree.
 */
export function screenshotDir(t: ExecutionContext): string {
  if (process.env.UPDATE_SCREENSHOTS === '1') return new URL('../../../docs/img/', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'idnode-screens-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
