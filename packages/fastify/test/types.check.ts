// Compiled by `tsc` (the root tsconfig includes test/), never run: it fails the type check if the
// plugin, `reply.sse`, `app.sse`, `config.sse` or `sse(handler)` stop fitting Fastify 5's types.
import { type DrainableStreams, type SSEStream, sse, sseOf, ssePlugin } from '@ssekit/fastify';
import Fastify, { type FastifyRequest } from 'fastify';

const app = Fastify();
await app.register(ssePlugin);
await app.register(ssePlugin, {
  heartbeat: false,
  onError: (_error, stream, { request }) => void [stream, request.url],
});
// @ts-expect-error not a stream option
await app.register(ssePlugin, { heartbeat: 'often' });

app.get('/a', (_request, reply) => {
  const stream: SSEStream = reply.sse;
  void stream.send('x');
});
app.get('/b', { config: { sse: { retry: 1000, headers: { 'x-a': 'b' } } } }, (_request, reply) =>
  reply.sse.close(),
);
// @ts-expect-error config.sse takes stream options
app.get('/c', { config: { sse: { retry: 'soon' } } }, (_request, reply) => reply.sse.close());
app.get('/d', (_request, reply) => {
  // @ts-expect-error reply.sse is read-only: the plugin owns it
  reply.sse = {} as SSEStream;
});
const drainable: DrainableStreams = app.sse;
void drainable.close({ retry: 5000, over: 10_000 });

app.get(
  '/e',
  sse((stream, request, reply) => {
    void [stream.send(request.url), reply.statusCode];
  }),
);
app.get<{ Params: { id: string } }>(
  '/f/:id',
  sse((stream, request: FastifyRequest<{ Params: { id: string } }>) => stream.send(request.params.id)),
);

// An event map types the handler form's stream, its onError, and reply.sse read through sseOf.
type Events = { tick: { n: number }; note: string };
app.get(
  '/typed',
  sse<Events>(
    (stream) => {
      void stream.send({ n: 1 }, { event: 'tick' });
      // @ts-expect-error data of the wrong shape for its event
      void stream.send('one', { event: 'tick' });
    },
    {
      onError: (_error, stream, { request, reply }) => {
        void stream.send('failed', { event: 'note' });
        void [request.url, reply.raw];
      },
    },
  ),
);
app.get('/typed-reply', (_request, reply) => {
  void sseOf<Events>(reply).send({ n: 2 }, { event: 'tick' });
  // @ts-expect-error an event the map does not name
  void sseOf<Events>(reply).send('x', { event: 'other' });
});

// The same on an HTTP/2 server.
const h2 = Fastify({ http2: true });
await h2.register(ssePlugin);
h2.get('/h2', (_request, reply) => reply.sse.close());
h2.get(
  '/h2-handler',
  sse((stream) => stream.close()),
);
