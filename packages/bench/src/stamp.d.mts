/** Microseconds since the epoch, to a fraction, on the clock every process of the machine shares. */
export function nowMicros(): number;
/** Event data of exactly `bytes` bytes: the marker, the current time in whole microseconds, padding. */
export function stampedPayload(bytes: number): string;
/** The stamp (µs) at `at` in `buf` (just past the marker); `NaN` if the bytes there are not a stamp. */
export function readStamp(buf: Uint8Array, at: number): number;
