import Fastify = require('fastify');
import ssekit = require('@ssekit/fastify');

const app = Fastify.default();
void app.register(ssekit.ssePlugin).after(() => {
  app.get('/cjs', (_request, reply) => {
    const stream: ssekit.SSEStream = reply.sse;
    void stream.send('from a CommonJS module');
  });
  void app.sse.size;
});
