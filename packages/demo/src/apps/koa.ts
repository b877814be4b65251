import Router from '@koa/router';
import { type SSEOptions, sse } from '@ssekit/koa';
import Koa from 'koa';
import type { Hub } from '../hub.js';

/**
 * The Koa app: a router under `/koa` whose events route runs behind `sse(options)` and reads
 * `ctx.sse`. Koa has no body parser of its own; the broadcast body is short text, read by hand.
 */
export function koaApp(hub: Hub, options: SSEOptions): Koa {
  const router = new Router({ prefix: '/koa' });

  router.get('/events', sse(options), (ctx) => {
    // ctx.get answers '' for a missing header; the record keeps "none" apart from "empty".
    const header = ctx.req.headers['last-event-id'];
    hub.connect('koa', ctx.query.client, typeof header === 'string' ? header : undefined, ctx.sse);
  });

  router.post('/broadcast', async (ctx) => {
    const text = await readText(ctx.req, 16 * 1024);
    const result = await hub.broadcast(text);
    ctx.status = result.ok ? 201 : result.status;
    ctx.body = result.ok ? result : result.error;
  });

  router.post('/drop', (ctx) => {
    ctx.status = hub.drop(ctx.query.client) ? 204 : 404;
  });

  const app = new Koa();
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** The request body as UTF-8 text, or `undefined` once it passes `limit` bytes. */
async function readText(body: AsyncIterable<Buffer>, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
