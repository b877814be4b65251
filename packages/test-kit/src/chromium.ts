// A headless Chromium for the browser tests (Debian's `chromium` package), through playwright-core.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's `chromium` package; CHROMIUM_PATH points elsewhere (or at nothing, to see the skip). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Throws `message` unless `have`: in CI a missing browser or redis-server is a broken setup. */
export function requireInstalled(have: boolean, message: string): void {
  if (!have) throw new Error(`CI=true but ${message}`);
}

/** Whether a Chromium is installed at `CHROMIUM`. */
export const haveChromium = existsSync(CHROMIUM);

/**
 * Whether a file's browser tests run: with a Chromium, or in CI, where a missing one is a broken
 * setup that `requireChromium` fails. Elsewhere they are a skip, said out loud (`what` was skipped).
 */
export function chromiumTestsRun(what: string): boolean {
  const run = haveChromium || process.env.CI === 'true';
  if (!run) {
    console.warn(
      `${what} skipped: no Chromium at ${CHROMIUM}. Install the Debian package \`chromium\` (apt-get install chromium) to run them.`,
    );
  }
  return run;
}

/** Fails (in CI, the only place browser tests run without one) when no Chromium is installed. */
export function requireChromium(): void {
  requireInstalled(
    haveChromium,
    `no Chromium at ${CHROMIUM}: install the Debian package \`chromium\` (.ci/run does).`,
  );
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
