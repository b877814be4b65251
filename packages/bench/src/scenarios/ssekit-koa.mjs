// ssekit through its Koa adapter: app.use(sse(options)), then ctx.sse joins a channel.
import { sse } from '@ssekit/koa';
import Koa from 'koa';
import { ssekitRegistry } from './ssekit-shared.mjs';

export const library = '@ssekit/koa';

export async function start({ heartbeatMs }) {
  const registry = ssekitRegistry();
  const app = new Koa();
  app.use(sse({ heartbeat: heartbeatMs }));
  app.use((ctx) => {
    if (ctx.path === '/events') registry.add(ctx.sse);
  });
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, ...registry };
}
