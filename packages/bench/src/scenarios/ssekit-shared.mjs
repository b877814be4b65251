// What the ssekit scenarios share: one channel for broadcasts, the open streams for per-stream
// sends, exactly as an application would hold them. The channel is in-process unless
// SSEKIT_BENCH_ENGINE names a Redis or NATS server to share it through (engine-history.mjs; one
// channel per server process then, as each instance of an app has).
import { createChannel } from '@ssekit/core';
import { benchHistory } from '../engine-history.mjs';
import { benchMonitor } from './otel-monitor.mjs';

const monitor = await benchMonitor();
const history = await benchHistory();

export function ssekitRegistry() {
  const channel = createChannel({ monitor, history });
  let sendErrors = 0;
  const streams = new Set();
  return {
    add(stream) {
      channel.add(stream);
      streams.add(stream);
      stream.onClose(() => streams.delete(stream));
    },
    subscribers: () => channel.size,
    broadcast(m, payload) {
      // With an engine a send can fail (the engine did not acknowledge it): counted, not thrown.
      for (let i = 0; i < m; i++)
        channel.send(payload).catch(() => {
          sendErrors++;
        });
    },
    sendErrors: () => sendErrors,
    async sendEach(m, payload) {
      await Promise.all(
        [...streams].map(async (stream) => {
          for (let i = 0; i < m; i++) await stream.send(payload);
        }),
      );
    },
  };
}
