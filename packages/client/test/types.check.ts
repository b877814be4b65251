// Compiled by `tsc` (the root tsconfig includes test/), never run: one event map types both ends, the
// server's channel and the client, and fails the type check when they stop agreeing.
import { connect, type GapInfo } from '@ssekit/client';
import { createChannel } from '@ssekit/core';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';

type Events = { tick: { n: number }; note: string };

const channel = createChannel<Events>();
channel.send({ n: 1 }, { event: 'tick' });
const client = connect<Events>('/events', {
  schemas: { tick: z.object({ n: z.number() }) },
});

client.on('tick', (event) => expectTypeOf(event.data).toEqualTypeOf<{ n: number }>());
client.on('note', (event) => expectTypeOf(event.data).toEqualTypeOf<string>());
client.on('gap', (event) => expectTypeOf(event.data).toEqualTypeOf<GapInfo>());
// @ts-expect-error not an event of the map
client.on('tock', () => {});

async function loop(): Promise<void> {
  for await (const event of client) {
    if (event.type === 'tick') expectTypeOf(event.data).toEqualTypeOf<{ n: number }>();
    else if (event.type === 'note') expectTypeOf(event.data).toEqualTypeOf<string>();
    else expectTypeOf(event.data).toEqualTypeOf<GapInfo>();
  }
}
void loop;

// A schema must produce the event's type.
// @ts-expect-error a note is a string
connect<Events>('/events', { schemas: { note: z.number() } });

// Untyped: any event name, data unknown.
const untyped = connect('/events');
untyped.on('anything', (event) => expectTypeOf(event.data).toEqualTypeOf<unknown>());
