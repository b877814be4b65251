// Hono's own streamSSE helper on @hono/node-server. Hono has no broadcast or keep-alive of its own,
// so this is what a user writes: a Set of open streams, writeSSE to each, a comment every 15 s.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';

export const library = 'hono';

export async function start({ heartbeatMs }) {
  const streams = new Set();
  const app = new Hono();
  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      streams.add(stream);
      const timer = setInterval(() => stream.write(':\n\n'), heartbeatMs);
      await new Promise((resolve) => stream.onAbort(resolve));
      clearInterval(timer);
      streams.delete(stream);
    }),
  );
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    server,
    subscribers: () => streams.size,
    broadcast(m, payload) {
      for (let i = 0; i < m; i++) for (const stream of streams) stream.writeSSE({ data: payload });
    },
    async sendEach(m, payload) {
      await Promise.all(
        [...streams].map(async (stream) => {
          for (let i = 0; i < m; i++) await stream.writeSSE({ data: payload });
        }),
      );
    },
  };
}
