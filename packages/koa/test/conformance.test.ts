import { Router } from '@koa/router';
import { describeConformance } from '@ssekit/conformance';
import { createConformanceApp, SHUTDOWN_DRAIN } from '@ssekit/conformance/app';
import { sse } from '../src/index.js';
import { koas, listen } from './helpers.js';

for (const [name, Koa] of koas) {
  describeConformance({
    name: `${name} (node ${process.versions.node.split('.')[0]})`,
    async start() {
      const conformance = createConformanceApp();
      const app = new Koa();
      // Shows that routes which never read ctx.sse (/state, /plain) are untouched by it.
      const global = sse();
      app.use(global);
      conformance.addDrainable(global);
      const router = new Router();
      for (const route of conformance.routes) {
        const handler = sse((stream, ctx) => route.handle(stream, { url: ctx.url }), {
          ...route.options,
          onError: (error: unknown) => conformance.onError(error),
        });
        conformance.addDrainable(handler);
        router.get(route.path, handler);
      }
      router.get('/state', (ctx) => {
        ctx.body = conformance.state();
      });
      router.get('/plain', (ctx) => {
        ctx.type = 'text/plain';
        ctx.body = 'plain';
      });
      app.use(router.routes());
      return listen(app, () => conformance.drain(SHUTDOWN_DRAIN));
    },
  });
}
