import type { Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import type { DisconnectRecord } from './app.js';
import type { ConformanceHarness, RunningServer } from './harness.js';
import { readRecord, readState, type ServerGetter, uniqueId, until } from './poll.js';
import { rawGet, readHead } from './raw-socket.js';

/** Opens `/sse/disconnect` over a raw socket and waits until its route is running. */
async function openTracked(server: RunningServer): Promise<{ id: string; socket: Socket }> {
  const id = uniqueId('disconnect');
  const socket = await rawGet(server, `/sse/disconnect?id=${id}`);
  expect(await readHead(socket)).toMatch(/^HTTP\/1\.1 200 /);
  await until(
    async () => (await readRecord<DisconnectRecord>(server, id))?.open || undefined,
    'the route to run',
  );
  return { id, socket };
}

/** A client that goes away is noticed promptly and leaves nothing behind on the server. */
export function disconnectTests(server: ServerGetter, harness: ConformanceHarness): void {
  describe.skipIf(harness.noticesSilentDisconnect === false)('client disconnect', () => {
    test('notices within a second that the client left, aborts the signal and frees the buffer', async () => {
      const { id, socket } = await openTracked(server());
      socket.destroy();
      const record = await until(
        async () => {
          const seen = await readRecord<DisconnectRecord>(server(), id);
          return seen?.open === false ? seen : undefined;
        },
        'the server to notice that the client left',
        1000,
      );
      expect(record).toEqual({ open: false, closeReason: 'client', signalAborted: true, bufferedBytes: 0 });
    });

    test('stops the heartbeat of a stream whose client left', async () => {
      const heartbeat = async () => (await readState(server())).heartbeat;
      // heartbeatStats counts the whole server process: start from a server with no stream open,
      // which also shows that every client of the earlier tests left nothing behind.
      await until(async () => (await heartbeat()).streams === 0 || undefined, 'earlier streams to close');
      const { socket } = await openTracked(server());
      expect(await heartbeat()).toEqual({ streams: 1, timers: 1 });
      socket.destroy();
      await until(
        async () => {
          const { streams, timers } = await heartbeat();
          return (streams === 0 && timers === 0) || undefined;
        },
        'no stream and no heartbeat timer to be left',
        1000,
      );
    });
  });
}
