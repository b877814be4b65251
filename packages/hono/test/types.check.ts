// Compiled by `tsc` (the root tsconfig includes test/), never run: it fails the type check if the
// types a Hono event-stream route sees stop matching Hono's own handlers.
import { type SSEStream, sse, sseResponse } from '@ssekit/hono';
import { type Context, type Env, Hono } from 'hono';
import { expectTypeOf } from 'vitest';

type Events = { tick: { n: number }; note: string };
type AppEnv = { Variables: { user: string } };

const app = new Hono<AppEnv>();

// sseResponse in an inline handler: the route's path and the app's variables flow in, exactly as
// for `app.get('/rooms/:room', (c) => c.text(c.req.param('room')))`; the events' types come from
// the stream's annotation.
app.get('/rooms/:room', (c) =>
  sseResponse(
    c,
    (stream: SSEStream<Events>, context) => {
      expectTypeOf(c.req.param('room')).toEqualTypeOf<string>();
      expectTypeOf(context.req.param('room')).toEqualTypeOf<string>();
      expectTypeOf(context.get('user')).toEqualTypeOf<string>();
      expectTypeOf(stream).toEqualTypeOf<SSEStream<Events>>();
      stream.send({ n: 1 }, { event: 'tick' });
      // @ts-expect-error a tick carries { n: number }
      stream.send('one', { event: 'tick' });
    },
    {
      onError: (_error, stream, context) => {
        expectTypeOf(stream).toEqualTypeOf<SSEStream<Events>>();
        expectTypeOf(context.req.param('room')).toEqualTypeOf<string>();
      },
    },
  ),
);

// The handler form: typed events; the context is Hono's, but TypeScript cannot carry the route's
// path into a handler made by a call (nor can Hono's createMiddleware), so a param may be missing.
app.get(
  '/rooms/:room/plain',
  sse<Events>((stream, c) => {
    expectTypeOf(stream).toEqualTypeOf<SSEStream<Events>>();
    expectTypeOf(c.req.param('room')).toEqualTypeOf<string | undefined>();
  }),
);

// Naming the route in the context's type gives the handler form the route's types too.
app.get(
  '/rooms/:room/named',
  sse((_stream, c: Context<Env, '/rooms/:room/named'>) => {
    expectTypeOf(c.req.param('room')).toEqualTypeOf<string>();
  }),
);
