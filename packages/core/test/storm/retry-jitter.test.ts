// Jittered `retry` hints, on open and on drain, over real HTTP: clients that lose their streams
// together are told to come back at different times.
import { createChannel, SSERangeError, validateSSEOptions } from '@ssekit/core';
import { stormSession } from '@ssekit/test-kit';
import { describe, expect, it } from 'vitest';

const CLIENTS = 100;
const storm = stormSession();

/** The distinct values of `values`: spread hints take many, one shared hint takes one. */
const distinct = (values: number[]) => new Set(values).size;

describe('retryJitter on open', () => {
  it('gives each stream its own retry hint, a whole number from retry * (1 - jitter) to retry', async () => {
    const channel = createChannel();
    const { url } = await storm.serve(channel, { retry: 10_000, retryJitter: 0.5 });
    const clients = await storm.openAll(url, CLIENTS);
    await Promise.all(clients.map((c) => c.until((c) => c.retries.length > 0, 'the retry hint')));
    const hints = clients.map((c) => c.retries[0] as number);
    for (const hint of hints) {
      expect(Number.isInteger(hint)).toBe(true);
      expect(hint).toBeGreaterThanOrEqual(5_000);
      expect(hint).toBeLessThanOrEqual(10_000);
    }
    // 100 draws from 5 001 values: fewer than 50 distinct would take an astronomically bad run.
    expect(distinct(hints)).toBeGreaterThan(50);
    await channel.close();
  });

  it('sends retry itself to every stream without jitter', async () => {
    const channel = createChannel();
    const { url } = await storm.serve(channel, { retry: 7_000 });
    const clients = await storm.openAll(url, 10);
    await Promise.all(clients.map((c) => c.until((c) => c.retries.length > 0, 'the retry hint')));
    expect(clients.map((c) => c.retries)).toEqual(clients.map(() => [7_000]));
    await channel.close();
  });

  it.each([
    ['a fraction above 1', { retry: 1000, retryJitter: 1.5 }],
    ['a negative fraction', { retry: 1000, retryJitter: -0.1 }],
    ['NaN', { retry: 1000, retryJitter: Number.NaN }],
    ['a jitter without retry', { retryJitter: 0.5 }],
  ])('refuses %s when the options are checked', (_, options) => {
    expect(() => validateSSEOptions(options)).toThrow(
      expect.objectContaining({
        name: 'SSERangeError',
        code: 'ERR_SSE_INVALID_OPTION',
        field: 'retryJitter',
      }),
    );
  });
});

describe('retryJitter on drain', () => {
  /** A channel served to CLIENTS clients that have each received one live event. */
  async function liveClients() {
    const channel = createChannel();
    const server = await storm.serve(channel);
    const clients = await storm.openAll(server.url, CLIENTS);
    await channel.send('live');
    await Promise.all(clients.map((c) => c.until((c) => c.events.length === 1, 'the live event')));
    return { channel, server, clients };
  }

  it('channel.close gives each stream its own hint with the one last event', async () => {
    const { channel, clients } = await liveClients();
    await channel.close({ event: { data: 'bye', event: 'shutdown' }, retry: 8_000, retryJitter: 1 });
    await Promise.all(clients.map((c) => c.ended));
    for (const client of clients) {
      expect(client.events.map((e) => e.data)).toEqual(['live', 'bye']);
      expect(client.retries).toHaveLength(1);
      expect(client.retries[0]).toBeGreaterThanOrEqual(0);
      expect(client.retries[0]).toBeLessThanOrEqual(8_000);
    }
    expect(distinct(clients.map((c) => c.retries[0] as number))).toBeGreaterThan(50);
  });

  it('a group drain spreads the hints too', async () => {
    const { channel, server, clients } = await liveClients();
    await server.drain({ retry: 4_000, retryJitter: 0.25 });
    await Promise.all(clients.map((c) => c.ended));
    const hints = clients.map((c) => c.retries[0] as number);
    for (const hint of hints) expect(hint).toBeGreaterThanOrEqual(3_000);
    for (const hint of hints) expect(hint).toBeLessThanOrEqual(4_000);
    expect(distinct(hints)).toBeGreaterThan(50);
    await channel.close();
  });

  it('refuses a jitter out of range, or without retry, before anything changes', async () => {
    const channel = createChannel();
    const client = await storm.open((await storm.serve(channel)).url);
    for (const options of [{ retry: 1000, retryJitter: 2 }, { retryJitter: 0.5 }]) {
      expect(() => channel.close(options)).toThrow(SSERangeError);
      expect(() => channel.close(options)).toThrow(expect.objectContaining({ field: 'retryJitter' }));
    }
    await channel.send('still live');
    await client.until((c) => c.events.length === 1, 'the live event');
    await channel.close();
  });
});
