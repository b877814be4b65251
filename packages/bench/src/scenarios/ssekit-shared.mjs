// What the three ssekit scenarios share: one channel for broadcasts, the open streams for per-stream
// sends, exactly as an application would hold them.
import { createChannel } from '@ssekit/core';
import { benchMonitor } from './otel-monitor.mjs';

const monitor = await benchMonitor();

export function ssekitRegistry() {
  const channel = createChannel({ monitor });
  const streams = new Set();
  return {
    add(stream) {
      channel.add(stream);
      streams.add(stream);
      stream.onClose(() => streams.delete(stream));
    },
    subscribers: () => channel.size,
    broadcast(m, payload) {
      for (let i = 0; i < m; i++) channel.send(payload);
    },
    async sendEach(m, payload) {
      await Promise.all(
        [...streams].map(async (stream) => {
          for (let i = 0; i < m; i++) await stream.send(payload);
        }),
      );
    },
  };
}
