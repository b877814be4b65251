import { type SSEStream, sse, sseOf, ssePlugin } from '@ssekit/fastify';
import Fastify from 'fastify';

const app = Fastify();
await app.register(ssePlugin, { heartbeat: 10_000 });
app.get('/esm', { config: { sse: { retry: 1000 } } }, (_request, reply) => {
  const stream: SSEStream = reply.sse;
  void stream.send('from an ES module');
  void sseOf<{ tick: { n: number } }>(reply).send({ n: 1 }, { event: 'tick' });
});
app.get(
  '/esm-handler',
  sse((stream) => stream.close()),
);
void app.sse.close();
