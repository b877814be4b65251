// Backoff, jitter, the server's retry, Retry-After and stall detection on a fake clock: the client
// talks to the Hono app through `app.request` (its `fetch` option), so no socket or real timer is
// involved and every delay is exact.
import {
  connect,
  type SSEClientError,
  SSEResponseError,
  type StateChange,
  shareAcrossTabs,
} from '@ssekit/client';
import { SSEFieldError } from '@ssekit/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveBackoff, retryAfterMs } from '../src/backoff.js';
import { type AppState, createState, honoApp } from './servers.js';

describe('the backoff delay', () => {
  const backoffDelay = resolveBackoff({ initial: 1000, max: 8000, factor: 2 });

  it('grows the ceiling exponentially up to max and picks uniformly below it (full jitter)', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map((failures) =>
      backoffDelay(failures, undefined, undefined, () => 1),
    );
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffDelay(3, undefined, undefined, () => 0)).toBe(0);
    expect(backoffDelay(3, undefined, undefined, () => 0.25)).toBe(1000);
  });

  it("takes the server's retry as a floor and jitters above it", () => {
    // Ceiling 1000 is below the server's 2500: exactly 2500, as a browser waits.
    expect(backoffDelay(1, 2500, undefined, () => 0.9)).toBe(2500);
    // Ceiling 4000: 2500 + 0.5 × 1500.
    expect(backoffDelay(3, 2500, undefined, () => 0.5)).toBe(3250);
    // retry: 0 keeps full jitter.
    expect(backoffDelay(1, 0, undefined, () => 0.5)).toBe(500);
  });

  it('waits at least Retry-After', () => {
    expect(backoffDelay(1, undefined, 5000, () => 1)).toBe(5000);
    expect(backoffDelay(5, undefined, 10, () => 1)).toBe(8000);
  });

  it('reads Retry-After as seconds or an HTTP date, and 0 when absent, past or unreadable', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }), now)).toBe(7000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(now + 3000).toUTCString() }), now)).toBe(3000);
    // Unreadable, absent or past: no floor.
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBe(0);
    expect(retryAfterMs(new Headers(), now)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(now - 3000).toUTCString() }), now)).toBe(0);
  });

  it('refuses options it cannot use, naming them', () => {
    expect(() => resolveBackoff({ initial: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'backoff.initial', value: -1 }),
    );
    expect(() => resolveBackoff({ initial: 5000, max: 100 })).toThrow(/backoff\.max must be/);
    expect(() => connect('http://x/', { stallTimeout: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'stallTimeout' }),
    );
    expect(() => connect('http://x/', { lastEventId: 'a\nb' })).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'lastEventId' }),
    );
  });

  it('throws from connect for a URL it cannot resolve, instead of failing every attempt', () => {
    // Node has no page location to resolve '/events' against, as fetch has none.
    expect(() => connect('/events')).toThrow(TypeError);
  });

  it('refuses a pause or share that is not a function (the flags they replace), naming the fix', () => {
    for (const [field, value] of [
      ['pause', true],
      ['share', 'tabs'],
      ['fetch', {}],
    ] as const) {
      const call = () => connect('http://x/', { [field]: value } as never);
      expect(call).toThrow(SSEFieldError);
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field, value }));
      expect(call).toThrow(`${field} must be a function, got `);
    }
    expect(() => shareAcrossTabs('')).toThrow(
      expect.objectContaining({ code: 'ERR_SSE_INVALID_OPTION', field: 'shareAcrossTabs(name)', value: '' }),
    );
  });
});

describe('connect on a fake clock (Hono app.request)', () => {
  let state: AppState;
  let request: (request: Request) => Promise<Response>;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    state = createState();
    const app = honoApp(state);
    request = async (req) => app.request(req);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  const hits = (route: string) => state.hits[route] ?? 0;

  it('retries a 503 no sooner than its Retry-After, then gives up at maxAttempts', async () => {
    const client = connect('http://test/status?code=503&retryAfter=5', { fetch: request, maxAttempts: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(hits('status')).toBe(1);
    await vi.advanceTimersByTimeAsync(4999);
    expect(hits('status')).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(hits('status')).toBe(2);
    const error = (await client.done) as SSEClientError;
    expect(error.code).toBe('ERR_SSE_RETRIES_EXHAUSTED');
    expect((error.cause as SSEResponseError).status).toBe(503);
    expect(client.readyState).toBe('closed');
  });

  it('backs off exponentially with full jitter between failed attempts', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const changes: StateChange[] = [];
    const client = connect('http://test/status?code=500', {
      fetch: request,
      backoff: { initial: 100, max: 1000, factor: 3 },
      maxAttempts: 6,
    });
    client.onState((change) => changes.push(change));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(changes.filter((c) => c.state === 'reconnecting').map((c) => c.delay)).toEqual([
      50, 150, 450, 500, 500,
    ]);
    expect(hits('status')).toBe(6);
    expect(await client.done).toMatchObject({ code: 'ERR_SSE_RETRIES_EXHAUSTED' });
  });

  it("waits the server's retry before reconnecting after the server ends the stream", async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const client = connect('http://test/retry', { fetch: request });
    await vi.advanceTimersByTimeAsync(0);
    expect(hits('retry')).toBe(1);
    await vi.advanceTimersByTimeAsync(299);
    expect(hits('retry')).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(hits('retry')).toBe(2);
    client.close();
  });

  it('gives up once maxRetryTime would be passed', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const client = connect('http://test/status?code=502', { fetch: request, maxRetryTime: 2500 });
    await vi.advanceTimersByTimeAsync(10_000);
    // Attempts at 0, 1000 and 3000 would pass 2500: two attempts only.
    expect(hits('status')).toBe(2);
    expect(await client.done).toMatchObject({ code: 'ERR_SSE_RETRIES_EXHAUSTED' });
  });

  it('reconnects a stream that sends no byte for stallTimeout', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const changes: StateChange[] = [];
    const client = connect('http://test/quiet', { fetch: request, stallTimeout: 1000 });
    client.onState((change) => changes.push(change));
    await vi.advanceTimersByTimeAsync(999);
    expect(hits('quiet')).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(changes.at(-1)?.error).toMatchObject({ code: 'ERR_SSE_STALLED' });
    await vi.advanceTimersByTimeAsync(10);
    expect(hits('quiet')).toBe(2);
    client.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.open.size).toBe(0);
  });

  it('keeps a stream whose heartbeats arrive within stallTimeout', async () => {
    const client = connect('http://test/beating', { fetch: request, stallTimeout: 1000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(hits('beating')).toBe(1);
    expect(client.readyState).toBe('open');
    client.close();
  });

  it('stops at a 401 without retrying, with the status, headers and body', async () => {
    const client = connect('http://test/status?code=401', { fetch: request });
    const error = (await client.done) as SSEResponseError;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(hits('status')).toBe(1);
    expect(error).toBeInstanceOf(SSEResponseError);
    expect(error).toMatchObject({ code: 'ERR_SSE_HTTP_STATUS', status: 401, bodyExcerpt: 'status 401' });
    expect(error.headers.get('content-type')).toBe('text/plain');
    expect(error.message).toMatch(/401/);
  });

  it('leaves no timer behind when closed while waiting to reconnect', async () => {
    const before = vi.getTimerCount();
    const client = connect('http://test/status?code=503', { fetch: request, stallTimeout: 1000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.readyState).toBe('reconnecting');
    expect(vi.getTimerCount()).toBe(before + 1);
    client.close();
    expect(vi.getTimerCount()).toBe(before);
    expect(await client.done).toBeUndefined();
  });
});
