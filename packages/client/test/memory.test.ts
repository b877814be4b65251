// The client's memory over a long stream stays flat: a million events read through `for await` by
// the BUILT client in a child process (--expose-gc), sampling live heap + arrayBuffers. The same
// measurement `pnpm bench` reports beside the `eventsource` package (packages/bench/src/client-memory.mjs).
import { expect, it } from 'vitest';
import { measureClientMemory } from '../../bench/src/client-memory.mjs';

const EVENTS = 1_000_000;
const EVERY = 100_000;

it('reads 1 000 000 events with flat memory', async () => {
  const { samples, growth } = await measureClientMemory('ssekit', { events: EVENTS, every: EVERY });
  expect(samples).toHaveLength(EVENTS / EVERY);
  console.log(
    `client memory over ${EVENTS} events: samples ${samples.map((s) => (s / 2 ** 20).toFixed(2)).join(', ')} MiB; growth ${(growth / 1024).toFixed(0)} KiB`,
  );
  // Keeping even one byte per event would show as ~0.7 MiB here; keeping the events, as ~100 MiB.
  expect(growth).toBeLessThan(2 ** 20);
}, 120_000);
