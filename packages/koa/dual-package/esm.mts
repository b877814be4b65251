import { type SSEStream, sse, sseOf } from '@ssekit/koa';
import Koa from 'koa';

const app = new Koa();
app.use(sse());
app.use((ctx) => {
  const stream: SSEStream = ctx.sse;
  void stream.send('from an ES module');
  void sseOf<{ tick: { n: number } }>(ctx).send({ n: 1 }, { event: 'tick' });
});
