// Clients resuming from far back that never read: what the instance holds for them stays bounded.
import { createConnection, type Socket } from 'node:net';
import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { ChannelStats } from '@ssekit/core';
import { type ChildServer, connect as connectClient, ensureBuilt, startChildServer } from '@ssekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, natsAvailable, packageRoot, startNatsServer } from './nats-server.js';

const describeNats = natsAvailable() ? describe : describe.skip;

const MESSAGES = 10_000;
const RESUMERS = 16;
const PAYLOAD = 'x'.repeat(1024);
const MIB = 1024 * 1024;

type Memory = { heapUsed: number; arrayBuffers: number };

describeNats('resumers that never read (separate process, real nats-server, real HTTP)', () => {
  let nats: NatsServer;
  let admin: NatsConnection;
  let js: JetStreamClient;
  let instance: ChildServer;
  const stream = `replay-memory-${process.pid}`;
  const sockets: Socket[] = [];

  const get = async <T>(path: string): Promise<T> =>
    (await fetch(`${instance.url}${path}`)).json() as Promise<T>;
  const stats = () => get<ChannelStats>('/stats');
  const live = async () => {
    const { heapUsed, arrayBuffers } = await get<Memory>('/memory');
    return heapUsed + arrayBuffers;
  };
  /** Publishes straight to the stream, as many sends would, a thousand at a time. */
  async function fill(count: number, prefix: string): Promise<string[]> {
    const sequences: number[] = [];
    for (let done = 0; done < count; done += 1000) {
      const batch = Array.from({ length: Math.min(1000, count - done) }, (_, i) =>
        js.publish(`ssekit.${stream}`, `${prefix}${done + i}:${PAYLOAD}`),
      );
      for (const ack of await Promise.all(batch)) sequences.push(ack.seq);
    }
    return sequences.map(String);
  }

  beforeAll(async () => {
    ensureBuilt(['core', 'nats']);
    nats = await startNatsServer();
    admin = await connect({ servers: nats.url });
    js = jetstream(admin);
    instance = await startChildServer(process.execPath, ['--expose-gc', 'test/fixtures/instance.mjs'], {
      cwd: packageRoot,
      env: {
        NATS_URL: nats.url,
        STREAM: stream,
        MAX_MSGS: String(MESSAGES * 2),
        HEARTBEAT_MS: '60000',
        // Sixteen replays and the follower share two busy cores here: no read may time out.
        COMMAND_TIMEOUT_MS: '10000',
      },
    });
  }, 60_000);
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await instance?.close();
    await admin?.close();
    await nats?.dispose();
  });

  it('holds a bounded amount for each, drops them as slow once live events pass their bound, and lets one resume later', async () => {
    const epoch = (await sendOne()).split('-')[0];
    const sequences = await fill(MESSAGES, 'h');
    // The follower has delivered them all (to no one) before the resumers come.
    await expect.poll(async () => (await stats()).eventsSent, { timeout: 20_000 }).toBe(MESSAGES + 1);
    const from = `${epoch}-${sequences[0]}`;
    const baseline = await live();

    for (let i = 0; i < RESUMERS; i++) {
      const socket = createConnection(Number(new URL(instance.url).port), '127.0.0.1');
      socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: ${from}\r\n\r\n`);
      socket.pause(); // never reads: the kernel buffers fill, then the server's
      sockets.push(socket);
    }
    await expect.poll(async () => (await stats()).replaysServed, { timeout: 20_000 }).toBe(RESUMERS);
    let held = 0;
    for (let round = 0, previous = -1; round < 20; round++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      held = (await live()) - baseline;
      if (Math.abs(held - previous) < MIB && round > 3) break;
      previous = held;
    }
    // Each is held to about its 1 MiB bound; reading each whole range would hold ~10 MiB each.
    expect(held / MIB).toBeLessThan(RESUMERS * 1.25);
    expect((await stats()).streams).toBe(RESUMERS);

    // Live events queue behind each replay; past the bound, the resumer is dropped as slow.
    const liveSequences = await fill(1100, 'l');
    await expect.poll(async () => (await stats()).droppedSlow, { timeout: 10_000 }).toBe(RESUMERS);

    // A dropped client resumes later and gets everything, in order.
    const resumed = await connectClient(`${instance.url}/events`, { 'last-event-id': from });
    const received: string[] = [];
    const expected = [...sequences.slice(1), ...liveSequences].map((seq) => `${epoch}-${seq}`);
    while (received.length < expected.length) received.push((await resumed.next())?.lastEventId as string);
    resumed.leave();
    expect(received).toEqual(expected);
  }, 90_000);

  /** Sends one event through the instance; its id tells the stream's epoch. */
  async function sendOne(): Promise<string> {
    const response = await fetch(`${instance.url}/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: 'probe' }),
    });
    return ((await response.json()) as { id: string }).id;
  }
});
