import { describe, expect, test } from 'vitest';
import type { ServerGetter } from './poll.js';
import { openEventStream } from './reader.js';

/** Input the format cannot carry is refused with a typed error before a byte is written (§9.2.6). */
export function badInputTests(server: ServerGetter): void {
  describe('bad input', () => {
    test('refuses bad fields and unserializable data with typed errors and keeps the stream usable', async () => {
      const reader = await openEventStream(`${server().url}/sse/bad-input`);
      expect((await reader.waitForEnd()).error).toBeUndefined();
      const events = reader.events().map(({ type, data, lastEventId }) => ({
        type,
        data: type === 'refused' ? JSON.parse(data) : data,
        lastEventId,
      }));
      // Nothing of a refused event reached the wire: no injected event, no id.
      expect(events).toEqual([
        {
          type: 'refused',
          data: { name: 'SSEFieldError', code: 'ERR_SSE_NEWLINE_IN_FIELD', field: 'event' },
          lastEventId: '',
        },
        {
          type: 'refused',
          data: { name: 'SSEFieldError', code: 'ERR_SSE_UNSERIALIZABLE_DATA', field: 'data' },
          lastEventId: '',
        },
        {
          type: 'refused',
          data: { name: 'SSEFieldError', code: 'ERR_SSE_NUL_IN_ID', field: 'id' },
          lastEventId: '',
        },
        { type: 'ok', data: 'still open', lastEventId: '' },
      ]);
    });
  });
}
