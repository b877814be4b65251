// Holds the browser bundle to its budget (the BUILT package: `pnpm build` first), so a change that
// pulls more of core in, or grows the client, shows up here rather than in users' bundles.
import { expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script without declarations
import { BUNDLES, bundleSize } from '../scripts/size.mjs';

it('bundles connect() in at most 5 KiB min+gzip, and the whole entry in at most 5.5 KiB', async () => {
  const connectOnly = await bundleSize(BUNDLES['@ssekit/client (connect only)']);
  const whole = await bundleSize(BUNDLES['@ssekit/client (whole entry)']);
  expect(connectOnly.gzip).toBeLessThanOrEqual(5 * 1024);
  expect(whole.gzip).toBeLessThanOrEqual(5.5 * 1024);
});
