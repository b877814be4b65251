import { describe, expect, test } from 'vitest';
import { PACED_EVENTS, SLOW_EVENT_BYTES, SLOW_MAX_BUFFERED_BYTES, type SlowClientRecord } from './app.js';
import { readRecord, type ServerGetter, uniqueId, until } from './poll.js';
import { rawGet, waitForClose } from './raw-socket.js';
import { openEventStream } from './reader.js';

/** A client that stops reading cannot make the server buffer without bound. */
export function slowClientTests(server: ServerGetter): void {
  describe('slow client', () => {
    test('drops a client that stops reading at its buffer bound', async () => {
      const id = uniqueId('slow');
      const socket = await rawGet(server(), `/sse/slow?id=${id}`);
      // Never read: once the kernel buffers on both ends are full, bytes pile up on the server.
      socket.pause();
      const record = await until(
        async () => {
          const seen = await readRecord<SlowClientRecord>(server(), id);
          return seen?.done ? seen : undefined;
        },
        'the route to stop sending',
        10_000,
        50,
      );
      expect(record.closeReason).toBe('slow');
      // The bound is checked against what is queued either just before an event is written (the
      // queue never passes it) or just after (the event that passed it is the last one queued):
      // either way the server held at most one event more than the bound, and the client was not
      // dropped before its queue came within one event of it.
      expect(record.maxBufferedBytes).toBeLessThanOrEqual(SLOW_MAX_BUFFERED_BYTES + SLOW_EVENT_BYTES);
      expect(record.maxBufferedBytes).toBeGreaterThan(SLOW_MAX_BUFFERED_BYTES - SLOW_EVENT_BYTES);
      // The server tore the connection down: reading again reaches its end.
      socket.resume();
      await waitForClose(socket);
    });

    test('paces a producer that awaits send instead of dropping it, at a bound below the transport buffer', async () => {
      const reader = await openEventStream(`${server().url}/sse/paced`);
      const end = await reader.waitForEnd();
      expect(end.error).toBeUndefined();
      expect(reader.events().map((event) => Number(event.data.split(':')[0]))).toEqual(
        Array.from({ length: PACED_EVENTS }, (_, i) => i),
      );
    });
  });
}
