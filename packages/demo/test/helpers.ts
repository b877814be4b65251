// What the demo's browser and Redis tests share: a headless Chromium, the demo page in it, and a
// broadcast sent over HTTP the way any client can.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Demo } from '../src/server.js';

export {
  CHROMIUM,
  chromiumTestsRun,
  haveChromium,
  launchChromium,
  requireChromium,
  requireInstalled,
} from '@ssekit/test-kit/chromium';

/**
 * Opens the demo page on `framework` in a fresh browser context (added to `contexts`, for the caller to
 * close) and waits for both its streams to be open: the EventSource's and the client mode's.
 */
export async function openDemoPage(
  browser: Browser,
  demo: Demo,
  framework: string,
  contexts: BrowserContext[] = [],
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${demo.url}?fw=${framework}`);
  await page.locator('#state[data-state="open"]').waitFor({ timeout: 5000 });
  await page.locator('#client-state[data-state="open"]').waitFor({ timeout: 5000 });
  return page;
}

/** Sends a broadcast to `demo` over HTTP through `framework`; returns the id the channel gave it. */
export async function broadcast(demo: Demo, framework: string, text: string): Promise<string> {
  const response = await fetch(`${demo.url}${framework}/broadcast`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=utf-8' },
    body: text,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}
