// Holds the browser bundle to its budget (the BUILT package: `pnpm build` first), so a change that
// pulls more of core in, or grows the client, shows up here rather than in users' bundles.
import { expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script without declarations
import { BUNDLES, bundleSize } from '../scripts/size.mjs';

// The target is 5 KiB for connect(); with pauseWhenHidden, shareAcrossTabs and core's faster
// parser (byte decoding, the event bound) it measures 6.13 KiB (BENCHMARKS.md). The budgets hold
// today's size with ~100 B of room, so growth is a decision.
it('bundles connect() in at most 6.25 KiB min+gzip, and the whole entry in at most 6.65 KiB', async () => {
  const connectOnly = await bundleSize(BUNDLES['@ssekit/client (connect only)']);
  const whole = await bundleSize(BUNDLES['@ssekit/client (whole entry)']);
  expect(connectOnly.gzip).toBeLessThanOrEqual(6.25 * 1024);
  expect(whole.gzip).toBeLessThanOrEqual(6.65 * 1024);
});
