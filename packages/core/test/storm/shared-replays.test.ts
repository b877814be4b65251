// Replay reads shared by a reconnect storm: resumers asking for the same page at about the same time
// cost the history one read, and every resumer still gets every event it missed, once, in order.
// The history is a real `memoryHistory` wrapped to count (and, where said, hold back) its answers.
import {
  type ChannelMessage,
  createChannel,
  type HistoryStore,
  memoryHistory,
  type ReplayResult,
} from '@ssekit/core';
import { deferred, describeStormFromOneId, type StormClient, stormSession, waitFor } from '@ssekit/test-kit';
import { describe, expect, it } from 'vitest';

const RESUMERS = 200;
const storm = stormSession();

/**
 * A memory history that counts `after` calls; while `held` is pending, its answers (read at once,
 * as a store answers the state at the time of asking) are handed back only when `held` resolves,
 * as a slow shared store's would.
 */
function countingHistory(size: number, held?: Promise<void>) {
  const store = memoryHistory({ size, epoch: 'e' });
  const counted = {
    reads: [] as string[],
    append: (message: ChannelMessage) => store.append(message),
    compare: (a: string, b: string) => store.compare(a, b),
    after(id: string, options?: { limit?: number }): ReplayResult | Promise<ReplayResult> {
      counted.reads.push(id);
      const answer = store.after(id, options);
      return held ? held.then(() => answer) : answer;
    },
  } satisfies HistoryStore & { reads: string[] };
  return counted;
}

/** The sequence numbers of `client`'s events (ids `e-<n>`). */
const sequences = (client: StormClient) => client.events.map((event) => Number(event.lastEventId.slice(2)));

/** `from + 1` to `to`, the events a resumer from `e-<from>` must get when `e-<to>` is the newest. */
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + 1 + i);

/** `channel` on `history`, with events 1 to `count` sent, served over HTTP for this test. */
async function served<H extends HistoryStore>(history: H, count: number) {
  const channel = createChannel({ history });
  for (let i = 1; i <= count; i++) await channel.send(`event ${i}`);
  const { url } = await storm.serve(channel);
  return { history, channel, url };
}

describeStormFromOneId({
  name: 'memory history',
  available: true,
  open: async () => memoryHistory({ size: 1000 }),
});

describe('replays shared by a reconnect storm (real HTTP, memory history)', () => {
  it('resumers from ten ids share a read of each page, and each gets every event once, in order', async () => {
    const gate = deferred<void>();
    const { history, channel, url } = await served(countingHistory(1000, gate.promise), 300);
    const from = Array.from({ length: RESUMERS }, (_, i) => (i % 10) * 25);
    const clients = await storm.openAll(
      url,
      from.map((id) => `e-${id}`),
    );
    await waitFor(() => channel.size === RESUMERS, 'every resumer to join', 30_000);
    gate.resolve();
    await Promise.all(clients.map((c) => c.until((c) => sequences(c).at(-1) === 300, 'the last event')));
    clients.forEach((client, i) => {
      expect(sequences(client)).toEqual(range(from[i] as number, 300));
    });
    // Two or three pages per id (16 events, then up to 256), none read twice.
    expect(new Set(history.reads).size).toBe(history.reads.length);
    expect(history.reads.length).toBeLessThanOrEqual(30);
    await channel.close();
  });

  it('resumers from many ids, with broadcasts during the storm, each get every event once, in order', async () => {
    const { channel, url } = await served(countingHistory(1000), 300);
    const from = Array.from({ length: RESUMERS }, (_, i) => (i % 10) * 25);
    let sent = 300;
    let clients: StormClient[] = [];
    const live = setInterval(() => void channel.send(`event ${++sent}`), 2);
    try {
      clients = await storm.openAll(
        url,
        from.map((id) => `e-${id}`),
      );
      await waitFor(() => channel.size === RESUMERS, 'every resumer to join', 30_000);
    } finally {
      clearInterval(live);
    }
    await channel.send(`event ${++sent}`);
    const last = sent;
    await Promise.all(clients.map((c) => c.until((c) => sequences(c).at(-1) === last, 'the last event')));
    clients.forEach((client, i) => {
      expect(sequences(client)).toEqual(range(from[i] as number, last));
    });
    await channel.close();
  });

  it('does not give a resumer a page read before a broadcast it joined after', async () => {
    const gate = deferred<void>();
    const { history, channel, url } = await served(countingHistory(100, gate.promise), 10);
    const first = await storm.open(url, 'e-5');
    await waitFor(() => channel.size === 1, 'the first resumer to join');
    // Read for the first resumer (events 6 to 10), not yet answered; event 11 is delivered, then
    // a second resumer asks for the same page: the page lacks 11, and 11 was not held for it.
    await channel.send('event 11');
    const second = await storm.open(url, 'e-5');
    await waitFor(() => channel.size === 2, 'the second resumer to join');
    gate.resolve();
    for (const client of [first, second]) await client.until((c) => sequences(c).at(-1) === 11, 'event 11');
    expect(sequences(first)).toEqual(range(5, 11));
    expect(sequences(second)).toEqual(range(5, 11));
    expect(history.reads).toEqual(['e-5', 'e-5']);
    await channel.close();
  });
});
