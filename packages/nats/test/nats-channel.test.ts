// One process, real nats-server, real HTTP: each instance has its own NATS connection.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import {
  type Channel,
  createChannel,
  nodeResponseTransport,
  openSSEStream,
  SSEFieldError,
  SSERangeError,
} from '@ssekit/core';
import { type NatsChannel, NatsChannelError, type NatsChannelOptions, natsChannel } from '@ssekit/nats';
import { connect as connectClient, type EventClient, waitFor } from '@ssekit/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, natsAvailable, startNatsServer } from './nats-server.js';

const describeNats = natsAvailable() ? describe : describe.skip;

interface Instance {
  url: string;
  channel: Channel;
  shared: NatsChannel;
  errors: Error[];
}

describeNats('natsChannel (one process, real nats-server, real HTTP)', () => {
  let nats: NatsServer;
  let admin: NatsConnection;
  let jsm: JetStreamManager;
  let streams = 0;
  const cleanups: Array<() => Promise<void> | void> = [];
  const stream = () => `test-${process.pid}-${++streams}`;

  async function instance(options: Omit<NatsChannelOptions, 'nats'>): Promise<Instance> {
    const errors: Error[] = [];
    const shared = natsChannel({
      nats: nats.url,
      commandTimeout: 1_000,
      maxRetryDelay: 100,
      onError: (error) => errors.push(error),
      ...options,
    });
    await shared.ready();
    const channel = createChannel({ history: shared, onError: (error) => errors.push(error as Error) });
    const server = createServer((req, res) => {
      const stream = openSSEStream({
        transport: nodeResponseTransport(res, req.socket),
        lastEventIdHeader: req.headers['last-event-id'],
        url: req.url,
        connectionHeader: true,
      });
      channel.add(stream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      await channel.close();
      await new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
    });
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
      channel,
      shared,
      errors,
    };
  }
  async function client(url: string, lastEventId?: string): Promise<EventClient> {
    const opened = await connectClient(
      url,
      lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
    );
    cleanups.push(() => opened.leave());
    return opened;
  }
  async function take(c: EventClient, count: number) {
    const events = [];
    for (let i = 0; i < count; i++) events.push(await c.next());
    return events;
  }

  beforeAll(async () => {
    nats = await startNatsServer();
    admin = await connect({ servers: nats.url });
    jsm = await jetstreamManager(admin);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await admin?.close();
    await nats?.dispose();
  });

  it('replays exactly the events a reconnecting client missed, sent on another instance, then continues live', async () => {
    const name = stream();
    const [a, b] = [await instance({ stream: name }), await instance({ stream: name })];
    const first = await a.channel.send('one');
    await a.channel.send('two', { event: 'update' });
    await a.channel.send('three');
    const c = await client(b.url, first);
    expect(await take(c, 2)).toMatchObject([
      { type: 'update', data: 'two' },
      { type: 'message', data: 'three' },
    ]);
    await a.channel.send('four');
    const [four] = await take(c, 1);
    expect(four?.data).toBe('four');
    expect(four?.lastEventId).toMatch(/^[0-9a-z]+-4$/);
    expect(first).toMatch(/^[0-9a-z]+-1$/);
  });

  it('sends the gap event, reason expired and the newest id, for an id whose successors were trimmed (maxMsgs)', async () => {
    const a = await instance({ stream: stream(), maxMsgs: 10 });
    const first = await a.channel.send('0');
    let newest: string | undefined;
    for (let i = 1; i < 30; i++) newest = await a.channel.send(String(i));
    const c = await client(a.url, first);
    expect(await c.next()).toEqual({
      type: 'ssekit-gap',
      data: JSON.stringify({ lastEventId: first, reason: 'expired' }),
      lastEventId: newest,
    });
    // The id just before the oldest kept message is still answered exactly.
    const kept = await client(a.url, newest?.replace(/-\d+$/, '-20'));
    expect((await take(kept, 10)).map((event) => event?.data)).toEqual(
      Array.from({ length: 10 }, (_, i) => String(20 + i)),
    );
    expect(a.channel.stats.gapsSignalled).toBe(1);
  });

  it('sends the gap event, reason epoch, for an id of the stream before it was deleted and created again', async () => {
    const name = stream();
    const a = await instance({ stream: name });
    const live = await client(a.url);
    const old = (await a.channel.send('before')) as string;
    expect((await take(live, 1)).map((event) => event?.data)).toEqual(['before']);
    await jsm.streams.delete(name);
    // The follower notices, creates the stream again and follows the new one from its start.
    let fresh: string | undefined;
    await waitFor(
      async () => {
        fresh = await a.channel.send('after').catch(() => undefined);
        return fresh !== undefined;
      },
      'a send to succeed on the new stream',
      10_000,
    );
    expect(fresh?.split('-')[0]).not.toBe(old.split('-')[0]);
    expect(fresh).toMatch(/-1$/);
    const c = await client(a.url, old);
    const [gap] = await take(c, 1);
    expect(gap).toEqual({
      type: 'ssekit-gap',
      data: JSON.stringify({ lastEventId: old, reason: 'epoch' }),
      lastEventId: fresh,
    });
    // The client that stayed connected got the new stream's event live.
    const received = await take(live, 1);
    expect(received.map((event) => event?.data)).toEqual(['after']);
  });

  it('sends the gap event, reason unknown, for a malformed id and one ahead of the newest', async () => {
    const a = await instance({ stream: stream() });
    const newest = (await a.channel.send('only')) as string;
    const ahead = newest.replace(/-\d+$/, '-99');
    for (const id of ['garbage', ahead, `${newest}0 `]) {
      const c = await client(a.url, id);
      const [gap] = await take(c, 1);
      expect(gap).toMatchObject({ type: 'ssekit-gap', lastEventId: newest });
      expect(JSON.parse(gap?.data as string)).toMatchObject({ reason: 'unknown' });
    }
  });

  it('skips and reports messages another program published that no event can carry, live and in replays, and keeps serving', async () => {
    const name = stream();
    const a = await instance({ stream: name });
    const live = await client(a.url);
    const first = (await a.channel.send('first')) as string;
    const subject = `ssekit.${name}`;
    const js = (await import('@nats-io/jetstream')).jetstream(admin);
    // Not UTF-8: no event can carry it.
    await js.publish(subject, new Uint8Array([0xff, 0xfe, 0x00, 0xc3]));
    // Plain text from another program is an event like any other; an event name with a space is too.
    const typed = headers();
    typed.set('Ssekit-Event', 'from elsewhere');
    await js.publish(subject, 'foreign text', { headers: typed });
    const last = (await a.channel.send('last')) as string;

    expect((await take(live, 3)).map((event) => [event?.type, event?.data])).toEqual([
      ['message', 'first'],
      ['from elsewhere', 'foreign text'],
      ['message', 'last'],
    ]);
    const replayed = await client(a.url, first);
    expect((await take(replayed, 2)).map((event) => [event?.type, event?.data, event?.lastEventId])).toEqual([
      ['from elsewhere', 'foreign text', last.replace(/-\d+$/, '-3')],
      ['message', 'last', last],
    ]);
    // Reported once for the live delivery and once for the replay that read it.
    const foreign = a.errors.filter((error) => error instanceof NatsChannelError);
    expect(foreign).toHaveLength(2);
    expect(foreign[0]).toMatchObject({ code: 'ERR_SSE_NATS_FOREIGN_MESSAGE', stream: name });
    expect(foreign[0]?.message).toMatch(/Message 2 of stream .* is not UTF-8 text/);
  });

  it('rejects a send at once while NATS is down, never publishes it later, and resumes delivery once NATS is back', async () => {
    const a = await instance({ stream: stream() });
    const live = await client(a.url);
    await a.channel.send('before');
    expect((await take(live, 1)).map((event) => event?.data)).toEqual(['before']);
    await nats.stop();
    // The instance notices the connection is gone (the server's socket was closed by the kill).
    await waitFor(
      async () => (await a.channel.send('probe').catch((error) => error.code)) === 'ERR_SSE_NATS_UNAVAILABLE',
      'a send to be refused',
      5_000,
    );
    const began = Date.now();
    await expect(a.channel.send('during')).rejects.toMatchObject({
      name: 'NatsChannelError',
      code: 'ERR_SSE_NATS_UNAVAILABLE',
      stream: a.shared.stream,
    });
    // At once, not after commandTimeout (1 000 ms here) in the client's reconnect buffer.
    expect(Date.now() - began).toBeLessThan(500);
    await nats.start();
    await waitFor(
      async () => (await a.channel.send('after').catch(() => undefined)) !== undefined,
      'a send after the restart',
      15_000,
    );
    // Delivery resumed; the refused event never arrives (a probe sent before the loss was noticed may).
    const seen: string[] = [];
    for (let event = await live.next(); event && event.data !== 'after'; event = await live.next()) {
      seen.push(event.data);
    }
    expect(seen).not.toContain('during');
  }, 40_000);

  it('refuses bad options with a typed error naming the option', () => {
    const base = { nats: 'nats://127.0.0.1:4222', stream: 'chat' };
    const cases: Array<[Partial<NatsChannelOptions>, object]> = [
      [{ stream: '' }, { name: 'SSEFieldError', code: 'ERR_SSE_INVALID_OPTION', field: 'stream', value: '' }],
      [{ stream: 'a.b' }, { name: 'SSEFieldError', field: 'stream', value: 'a.b' }],
      [{ subject: 'ssekit.*' }, { name: 'SSEFieldError', field: 'subject', value: 'ssekit.*' }],
      [{ nats: 42 as never }, { name: 'SSEFieldError', field: 'nats', value: 42 }],
      [{ maxMsgs: 0 }, { name: 'SSERangeError', code: 'ERR_SSE_INVALID_OPTION', field: 'maxMsgs', value: 0 }],
      [{ commandTimeout: 1.5 }, { name: 'SSERangeError', field: 'commandTimeout', value: 1.5 }],
      [{ onError: 'log' as never }, { name: 'SSEFieldError', field: 'onError', value: 'log' }],
    ];
    for (const [bad, error] of cases) {
      expect(() => natsChannel({ ...base, ...bad })).toThrow(expect.objectContaining(error));
    }
    expect(() => natsChannel({ ...base, maxMsgs: -1 })).toThrow(SSERangeError);
    expect(() => natsChannel({ ...base, stream: 'a b' })).toThrow(SSEFieldError);
    expect(() => natsChannel({ ...base, maxMsgs: -1 })).toThrow(
      /maxMsgs must be a whole number of events > 0, got -1/,
    );
  });

  it('rejects a send on a closed channel with ERR_SSE_NATS_CLOSED', async () => {
    const shared = natsChannel({ nats: nats.url, stream: stream() });
    await shared.ready();
    await shared.close();
    await expect(shared.append({ data: 'late' })).rejects.toMatchObject({
      name: 'NatsChannelError',
      code: 'ERR_SSE_NATS_CLOSED',
    });
  });
});
