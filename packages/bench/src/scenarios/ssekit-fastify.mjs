// ssekit through its Fastify plugin: app.register(ssePlugin, options), then reply.sse joins a channel.
import { ssePlugin } from '@ssekit/fastify';
import Fastify from 'fastify';
import { ssekitRegistry } from './ssekit-shared.mjs';

export const library = '@ssekit/fastify';

export async function start({ heartbeatMs }) {
  const registry = ssekitRegistry();
  const app = Fastify({ logger: false });
  await app.register(ssePlugin, { heartbeat: heartbeatMs });
  app.get('/events', (_request, reply) => registry.add(reply.sse));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { server: app.server, ...registry };
}
