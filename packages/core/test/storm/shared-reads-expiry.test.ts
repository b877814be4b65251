// What shared replay reads keep once the storm has passed: nothing, within two seconds, and no timer.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryHistory } from '../../src/history.js';
import { SharedReads } from '../../src/replay-reads.js';

afterEach(() => {
  vi.useRealTimers();
});

function counted() {
  const store = memoryHistory({ size: 100, epoch: 'e' });
  for (let i = 1; i <= 20; i++) store.append({ data: `event ${i}` });
  let reads = 0;
  return {
    store: {
      ...store,
      after(id: string, options?: { limit?: number }) {
        reads++;
        return store.after(id, options);
      },
    },
    reads: () => reads,
  };
}

describe('shared replay reads, after the storm', () => {
  it('are let go within two seconds of the last read, and their one timer stops', async () => {
    vi.useFakeTimers();
    const { store, reads } = counted();
    const shared = new SharedReads(store, true);
    await shared.page('e-2', 16, undefined);
    await shared.page('e-2', 16, undefined);
    expect(reads()).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(vi.getTimerCount()).toBe(0);
    // Nothing kept: the next resumer reads the store again.
    await shared.page('e-2', 16, undefined);
    expect(reads()).toBe(2);
  });

  it('are let go at once, timer and all, when the channel clears them', async () => {
    vi.useFakeTimers();
    const { store, reads } = counted();
    const shared = new SharedReads(store, true);
    await shared.page('e-2', 16, undefined);
    shared.clear();
    expect(vi.getTimerCount()).toBe(0);
    await shared.page('e-2', 16, undefined);
    expect(reads()).toBe(2);
  });
});
