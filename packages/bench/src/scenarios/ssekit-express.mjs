// ssekit through its Express adapter: app.use(sse(options)), then res.sse joins a channel.
import { sse } from '@ssekit/express';
import express from 'express';
import { ssekitRegistry } from './ssekit-shared.mjs';

export const library = '@ssekit/express';

export async function start({ heartbeatMs }) {
  const registry = ssekitRegistry();
  const app = express();
  app.use(sse({ heartbeat: heartbeatMs }));
  app.get('/events', (_req, res) => registry.add(res.sse));
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, ...registry };
}
