// A reconnect storm on a NATS JetStream channel: resumers asking for the same page together share
// one history read (the real natsChannel's `after`, counted), and each gets every event once, in order.
import { natsChannel } from '@ssekit/nats';
import { describeStormFromOneId } from '@ssekit/test-kit';
import { type NatsServer, natsAvailable, startNatsServer } from './nats-server.js';

let nats: NatsServer;
let streams = 0;

describeStormFromOneId({
  name: 'real nats-server',
  available: natsAvailable(),
  async setup() {
    nats = await startNatsServer();
  },
  async teardown() {
    await nats.dispose();
  },
  async open() {
    const shared = natsChannel({
      nats: nats.url,
      stream: `storm-${process.pid}-${++streams}`,
      commandTimeout: 10_000,
    });
    await shared.ready();
    return shared;
  },
});
