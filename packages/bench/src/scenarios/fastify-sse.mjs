// @fastify/sse on Fastify 5: its own per-connection heartbeat (15 s); broadcast by sending to each
// open reply.sse, which is all the plugin offers (no channel).
import fastifySSE from '@fastify/sse';
import Fastify from 'fastify';

export const library = '@fastify/sse';

export async function start({ heartbeatMs }) {
  const streams = new Set();
  const app = Fastify({ logger: false });
  await app.register(fastifySSE, { heartbeatInterval: heartbeatMs });
  app.get('/events', { sse: 'only' }, async (_request, reply) => {
    reply.sse.keepAlive();
    reply.sse.sendHeaders();
    const sse = reply.sse;
    streams.add(sse);
    sse.onClose(() => streams.delete(sse));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    server: app.server,
    subscribers: () => streams.size,
    broadcast(m, payload) {
      for (let i = 0; i < m; i++) for (const sse of streams) sse.send(payload).catch(() => {});
    },
    async sendEach(m, payload) {
      await Promise.all(
        [...streams].map(async (sse) => {
          for (let i = 0; i < m; i++) await sse.send(payload);
        }),
      );
    },
  };
}
