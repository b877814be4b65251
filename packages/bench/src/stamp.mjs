// Send-time stamps carried in a benchmark event's data, so that a load client in another process
// measures latency from `send` to receipt on one clock. Both ends read the wall clock through
// `performance.timeOrigin + performance.now()`: sub-millisecond, and the same clock in every
// process of the machine (Date.now() has only millisecond steps).
import { MARKER } from './payload.mjs';

/** Digits of the stamp: microseconds since the epoch (2026: 16 digits, exact in a double). */
const DIGITS = 16;
const ZERO = 0x30;

/** Microseconds since the epoch, to a fraction. */
export function nowMicros() {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/**
 * Event data of exactly `bytes` bytes: MARKER, the current time in whole microseconds, padding.
 * Build it just before the send call: the stamp is the latency's start.
 */
export function stampedPayload(bytes) {
  const head = MARKER + String(Math.round(nowMicros())).padStart(DIGITS, '0');
  if (bytes < head.length) throw new Error(`a stamped event needs at least ${head.length} bytes`);
  return head + 'x'.repeat(bytes - head.length);
}

/**
 * The stamp (µs) written at `at` in `buf`, where `at` is just past the marker; `NaN` if the bytes
 * there are not a stamp (an event cut short).
 */
export function readStamp(buf, at) {
  if (at + DIGITS > buf.length) return Number.NaN;
  let value = 0;
  for (let i = at; i < at + DIGITS; i++) {
    const digit = buf[i] - ZERO;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}
