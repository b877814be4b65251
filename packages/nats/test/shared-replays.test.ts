// A reconnect storm on a NATS JetStream channel: resumers asking for the same page together share
// one history read (the real natsChannel's `after`, counted), and each gets every event once, in order.
import { createChannel, type HistoryStore } from '@ssekit/core';
import { type NatsChannel, natsChannel } from '@ssekit/nats';
import {
  type ChannelServer,
  deferred,
  openClient,
  type StormClient,
  serveChannel,
  waitFor,
} from '@ssekit/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, natsAvailable, startNatsServer } from './nats-server.js';

const describeNats = natsAvailable() ? describe : describe.skip;
const RESUMERS = 200;

describeNats('replays shared by a reconnect storm (real nats-server, real HTTP)', () => {
  let nats: NatsServer;
  let server: ChannelServer | undefined;
  let clients: StormClient[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterEach(async () => {
    for (const client of clients) client.leave();
    clients = [];
    await server?.close();
    server = undefined;
  });
  afterAll(async () => {
    await nats.dispose();
  });

  /** `shared` with its `after` calls counted, their answers handed back once `held` resolves. */
  function counted(shared: NatsChannel, held: Promise<void>): HistoryStore & { reads: number } {
    let reads = 0;
    return new Proxy(shared, {
      get(target, name) {
        if (name === 'reads') return reads;
        if (name === 'after') {
          return (id: string, options?: { limit?: number }) => {
            reads++;
            const answer = target.after(id, options);
            return held.then(() => answer);
          };
        }
        const value = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as unknown as HistoryStore & { reads: number };
  }

  it(`${RESUMERS} resumers from one id cause one read per page`, async () => {
    const shared = natsChannel({ nats: nats.url, stream: `storm-${process.pid}`, commandTimeout: 10_000 });
    await shared.ready();
    const gate = deferred<void>();
    const history = counted(shared, gate.promise);
    const channel = createChannel({ history });
    const ids: (string | undefined)[] = [];
    for (let i = 1; i <= 45; i++) ids.push(await channel.send(`event ${i}`));
    server = await serveChannel(channel);
    const url = server.url;
    clients = await Promise.all(Array.from({ length: RESUMERS }, () => openClient(url, ids[4])));
    await waitFor(() => channel.size === RESUMERS, 'every resumer to join', 30_000);
    gate.resolve();
    await Promise.all(clients.map((c) => c.until((c) => c.events.length >= 40, 'the whole replay')));
    const expected = Array.from({ length: 40 }, (_, i) => `event ${i + 6}`);
    for (const client of clients) expect(client.events.map((e) => e.data)).toEqual(expected);
    // A first page of 16 events, then the other 24.
    expect(history.reads).toBe(2);
    await channel.close();
  });
});
