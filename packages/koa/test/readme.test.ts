// The README's resumable-streams snippet, run as written on Koa with @koa/router.
import Router from '@koa/router';
import * as ssekit from '@ssekit/koa';
import { describeReadmeResumableSnippet, runReadmeSnippet, wordModel } from '@ssekit/test-kit';
import Koa from 'koa';
import { listen } from './helpers.js';

/** The body parser the snippet names: JSON bodies only; without a body, `ctx.request.body` stays unset. */
function bodyParser(): Koa.Middleware {
  return async (ctx, next) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    if (chunks.length > 0)
      (ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString());
    await next();
  };
}

describeReadmeResumableSnippet('Koa', () => {
  const app = new Koa();
  const router = new Router();
  runReadmeSnippet(
    new URL('../README.md', import.meta.url),
    'resumableRoutes(answers',
    { '@ssekit/koa': ssekit },
    { app, router, bodyParser, model: wordModel },
  );
  app.use(router.routes());
  return listen(app);
});
