/**
 * Event ids of a NATS channel: `<epoch>-<sequence>`. The sequence is the message's JetStream stream
 * sequence (contiguous, from 1); the epoch is the stream's creation time, so an id issued by a
 * stream that has since been deleted and created again is recognised as from another epoch.
 */

/** An id taken apart. */
export interface EventId {
  readonly epoch: string;
  readonly sequence: number;
}

// Canonical form only (no leading zeros), so an id a client sends back is byte-identical to one
// this package issued, or not one of ours.
const EVENT_ID = /^([0-9a-z]{1,20})-(0|[1-9][0-9]{0,15})$/;

/** The id of the message at `sequence` in the stream of `epoch` (sequence 0: before every message). */
export function formatEventId(epoch: string, sequence: number): string {
  return `${epoch}-${sequence}`;
}

/** The parts of an id this package issues, or `undefined` for anything else. */
export function parseEventId(id: string): EventId | undefined {
  const match = EVENT_ID.exec(id);
  if (!match) return undefined;
  const sequence = Number(match[2]);
  return Number.isSafeInteger(sequence) ? { epoch: match[1] as string, sequence } : undefined;
}

/**
 * The epoch of a stream created at `created` (JetStream's RFC 3339 time, nanosecond precision):
 * the nanoseconds since 1970 in base 36. A stream created again gets another one.
 */
export function epochOf(created: string): string {
  const fraction = /\.([0-9]+)Z$/.exec(created)?.[1] ?? '';
  const ms = Date.parse(created);
  const nanos = Number.isFinite(ms)
    ? BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, '0').slice(3, 9))
    : 0n;
  return nanos.toString(36);
}

/** Orders two ids by sequence: negative if `a` came first, 0 if equal, positive if later. Malformed ids count as 0. */
export function compareEventIds(a: string, b: string): number {
  return (parseEventId(a)?.sequence ?? 0) - (parseEventId(b)?.sequence ?? 0);
}
