// A headless Chromium for the browser tests (Debian's `chromium` package), through playwright-core.
import { type Browser, chromium } from 'playwright-core';

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
