// What the demo's browser and Redis tests share: a headless Chromium, the demo page in it, and a
// broadcast sent over HTTP the way any client can.
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Demo } from '../src/server.js';

/** Debian's `chromium` package; CHROMIUM_PATH points elsewhere (or at nothing, to see the skip). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Throws `message` unless `have`: in CI a missing browser or redis-server is a broken setup. */
export function requireInstalled(have: boolean, message: string): void {
  if (!have) throw new Error(`CI=true but ${message}`);
}

/** Starts a headless Chromium at `CHROMIUM`, quiet on the network but for the pages it opens. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 15_000,
  });
}

/**
 * Opens the demo page on `framework` in a fresh browser context (added to `contexts`, for the caller to
 * close) and waits for its stream to be open.
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
