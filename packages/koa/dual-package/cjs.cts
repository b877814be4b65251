import Koa = require('koa');
import ssekit = require('@ssekit/koa');

const app = new Koa();
app.use(ssekit.sse());
app.use((ctx) => {
  const stream: ssekit.SSEStream = ctx.sse;
  void stream.send('from a CommonJS module');
});
