// Compiled by `tsc` (the root tsconfig includes test/), never run: it fails the type check if the
// types an event-stream route sees stop matching what Next.js, Bun and Workers pass.
import { createChannel, eventStream, type SSEStream, sse, subscribe } from '@ssekit/fetch';
import { expectTypeOf } from 'vitest';

type Events = { tick: { n: number }; note: string };

// A Next.js route handler: `GET(request, { params })`; the context's type flows to the handler.
type NextContext = { params: Promise<{ room: string }> };
export const GET = sse<Events, NextContext>(
  async (stream, request, context) => {
    expectTypeOf(stream).toEqualTypeOf<SSEStream<Events>>();
    expectTypeOf(request).toEqualTypeOf<Request>();
    expectTypeOf((await context.params).room).toEqualTypeOf<string>();
    stream.send({ n: 1 }, { event: 'tick' });
    // @ts-expect-error a tick carries { n: number }
    stream.send('one', { event: 'tick' });
  },
  {
    onError: (_error, stream, request) => {
      expectTypeOf(stream).toEqualTypeOf<SSEStream<Events>>();
      expectTypeOf(request).toEqualTypeOf<Request>();
    },
  },
);
expectTypeOf(GET).parameter(0).toEqualTypeOf<Request>();
expectTypeOf(GET).returns.toEqualTypeOf<Response>();
expectTypeOf(GET.size).toEqualTypeOf<number>();

// Bun.serve's fetch, `(request, server) => Response`, and Deno.serve's handler take it as it is.
const handler: (request: Request, server: { timeout(request: Request, seconds: number): void }) => Response =
  sse(() => {});
void handler;

// eventStream and subscribe: typed events, typed channel.
export function POST(request: Request): Response {
  return eventStream<Events>(request, (stream) => {
    stream.send('hi', { event: 'note' });
    // @ts-expect-error no such event
    stream.send('hi', { event: 'nope' });
  });
}
const chat = createChannel<Events>();
expectTypeOf(
  subscribe(new Request('http://127.0.0.1/'), chat, { filter: () => true }),
).toEqualTypeOf<Response>();
