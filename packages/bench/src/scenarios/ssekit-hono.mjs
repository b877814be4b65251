// ssekit through its Hono adapter on @hono/node-server: the handler's stream joins a channel.
import { serve } from '@hono/node-server';
import { sse } from '@ssekit/hono';
import { Hono } from 'hono';
import { ssekitRegistry } from './ssekit-shared.mjs';

export const library = '@ssekit/hono';

export async function start({ heartbeatMs }) {
  const registry = ssekitRegistry();
  const app = new Hono();
  app.get(
    '/events',
    sse((stream) => registry.add(stream), { heartbeat: heartbeatMs }),
  );
  const server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return { server, ...registry };
}
