import Router from '@koa/router';
import { type SSEOptions, sse } from '@ssekit/koa';
import Koa from 'koa';
import type { Hub } from '../hub.js';
import { BEARER_CHALLENGE, hasDemoToken, UNAUTHORIZED_BODY } from '../token.js';

/**
 * The Koa app: a router under `/koa` whose events route runs behind `sse(options)` and reads
 * `ctx.sse`. Koa has no body parser of its own; the broadcast body is short text, read by hand. The
 * same route answers a POST (the page's client mode) once a middleware has checked its bearer token.
 */
export function koaApp(hub: Hub, options: SSEOptions): Koa {
  const router = new Router({ prefix: '/koa' });

  const join: Koa.Middleware = (ctx) => {
    // ctx.get answers '' for a missing header; the record keeps "none" apart from "empty".
    const header = ctx.req.headers['last-event-id'];
    hub.connect(
      'koa',
      ctx.query.client,
      typeof header === 'string' ? header : undefined,
      ctx.sse,
      ctx.method,
    );
  };
  router.get('/events', sse(options), join);
  router.post('/events', requireToken, sse(options), join);

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

/** Lets a request with the demo token through; answers any other with 401, before a stream opens. */
const requireToken: Koa.Middleware = async (ctx, next) => {
  if (hasDemoToken(ctx.get('authorization'))) return next();
  ctx.status = 401;
  ctx.set('www-authenticate', BEARER_CHALLENGE);
  ctx.body = UNAUTHORIZED_BODY;
};

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
