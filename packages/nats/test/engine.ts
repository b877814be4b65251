// NATS JetStream as the engine of test-kit's shared test bodies (describeReplayMemory,
// describeStalledInstance): a fresh nats-server for each suite, published to directly.
import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { EngineHarness } from '@ssekit/test-kit';
import { type NatsServer, natsAvailable, packageRoot, startNatsServer } from './nats-server.js';

const stream = 'engine';
let nats: NatsServer | undefined;
let admin: NatsConnection | undefined;
let js: JetStreamClient;

export const natsEngine: EngineHarness = {
  name: 'real nats-server',
  pkg: 'nats',
  packageRoot,
  available: natsAvailable(),
  async start(keep) {
    nats = await startNatsServer();
    admin = await connect({ servers: nats.url });
    js = jetstream(admin);
    return { NATS_URL: nats.url, STREAM: stream, MAX_MSGS: String(keep) };
  },
  /** Publishes a thousand at a time; an id is the stream's epoch (from `probeId`) and the sequence. */
  async fill(count, prefix, data, probeId) {
    const epoch = probeId.split('-')[0];
    const ids: string[] = [];
    for (let done = 0; done < count; done += 1000) {
      const batch = Array.from({ length: Math.min(1000, count - done) }, (_, i) =>
        js.publish(`ssekit.${stream}`, `${prefix}${done + i}:${data}`),
      );
      for (const ack of await Promise.all(batch)) ids.push(`${epoch}-${ack.seq}`);
    }
    return ids;
  },
  async stop() {
    await admin?.close();
    await nats?.dispose();
  },
};
