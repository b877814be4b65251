// Compiled by `tsc` (the root tsconfig includes test/), never run: it fails the type check if
// `sse`, `res.sse` or `resumableRoutes` stop fitting the types of either Express major.
import { createResumable } from '@ssekit/core';
import type { SSEStream } from '@ssekit/express';
import { resumableRoutes, sse, sseOf } from '@ssekit/express';
import express, { type Request, type Response } from 'express';
import express4, { type Request as Request4 } from 'express4';

const app5 = express();
app5.use(sse());
app5.use(sse({ heartbeat: false }));
app5.get('/a', sse(), (_req, res) => {
  const stream: SSEStream = res.sse;
  stream.send('x');
});
app5.get(
  '/b',
  sse((stream, req: Request<{ id: string }>) => stream.send(req.params.id), { onError: () => {} }),
);
app5.get(
  '/c',
  sse((stream) => stream.close()),
);
app5.use(express.Router().get('/d', sse(), (_req, res) => res.sse.close()));

const app4 = express4();
app4.use(sse());
app4.get('/a', sse(), (_req, res) => {
  const stream: SSEStream = res.sse;
  stream.send('x');
});
app4.get(
  '/b',
  sse((stream, req: Request4<{ id: string }>) => stream.send(req.params.id)),
);
app4.use(express4.Router().get('/d', sse(), (_req, res) => res.sse.close()));

app5.get('/e', (_req, res) => {
  // @ts-expect-error res.sse is read-only: the middleware owns it
  res.sse = {} as SSEStream;
});
// @ts-expect-error onError belongs to the handler form, where there is user code to fail
sse({ onError: () => {} });

// An event map types the handler form's stream, its onError, and res.sse read through sseOf.
type Events = { tick: { n: number }; note: string };
app5.get(
  '/typed',
  sse<Events>(
    (stream) => {
      void stream.send({ n: 1 }, { event: 'tick' });
      // @ts-expect-error data of the wrong shape for its event
      void stream.send('one', { event: 'tick' });
    },
    {
      onError: (_error, stream, { req, res }) => {
        void stream.send('failed', { event: 'note' });
        void [req.url, res.writeHead];
      },
    },
  ),
);
app5.get('/typed-mw', sse(), (_req, res) => {
  void sseOf<Events>(res).send({ n: 2 }, { event: 'tick' });
  // @ts-expect-error an event the map does not name
  void sseOf<Events>(res).send('x', { event: 'other' });
});

// Express 5's own Request and Response (its params may hold string arrays) as start's parameters.
const answers = createResumable();
const chat5 = resumableRoutes(answers, (req: Request, _res: Response) => ({
  streamId: String(req.body.id),
  producer: () => ['token'],
}));
app5.post('/chat', express.json(), chat5.start);
app5.get('/chat/:id/stream', chat5.resume);
app5.post('/chat/:id/cancel', chat5.cancel);
const chat4 = resumableRoutes(answers, (req: Request4) => ({
  streamId: String(req.body.id),
  producer: () => [],
}));
app4.post('/chat', express4.json(), chat4.start);
app4.get('/chat/:id/stream', chat4.resume);
