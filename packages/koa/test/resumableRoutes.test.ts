import Router from '@koa/router';
import { describeResumable } from '@ssekit/conformance/resumable';
import { resumableRoutes } from '@ssekit/koa';
import { koas, listen } from './helpers.js';

for (const [name, Koa] of koas) {
  describeResumable({
    name,
    start(resumable, startOf) {
      const app = new Koa();
      const router = new Router();
      const chat = resumableRoutes(resumable, (ctx) => startOf(ctx.originalUrl));
      router.post('/chat', chat.start);
      router.get('/chat/:id/stream', chat.resume);
      router.post('/chat/:id/cancel', chat.cancel);
      app.use(router.routes());
      return listen(app);
    },
  });
}
