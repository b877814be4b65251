/** The prefix of every benchmark event's data: the load client counts an event when it sees it. */
export const MARKER = 'Zq7~';

/** Event data of exactly `bytes` bytes (ASCII), starting with MARKER. */
export function payloadOf(bytes) {
  if (bytes < MARKER.length) throw new Error(`event size must be at least ${MARKER.length} bytes`);
  return MARKER + 'x'.repeat(bytes - MARKER.length);
}
