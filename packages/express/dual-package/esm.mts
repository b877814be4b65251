import { type SSEStream, sse, sseOf } from '@ssekit/express';
import express from 'express';

const app = express();
app.get('/esm', sse(), (_req, res) => {
  const stream: SSEStream = res.sse;
  void stream.send('from an ES module');
  void sseOf<{ tick: { n: number } }>(res).send({ n: 1 }, { event: 'tick' });
});
