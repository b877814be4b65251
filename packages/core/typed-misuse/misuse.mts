import type { SSEStream } from '@ssekit/core';

type Events = { tick: { n: number }; note: string };
declare const stream: SSEStream<Events>;

// Line 7: an event the map does not name.
void stream.send({ n: 1 }, { event: 'unknown' });
// Line 9: data of the wrong shape for its event.
void stream.send('one', { event: 'tick' });
