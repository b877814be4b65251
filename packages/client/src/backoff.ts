import { numberOption } from './options.js';

/** How long a client waits before each new attempt. Times in milliseconds. */
export interface BackoffOptions {
  /** Ceiling of the first reconnection's delay. Default 1000. */
  initial?: number;
  /** Largest ceiling the exponential growth reaches. Default 30000. */
  max?: number;
  /** Growth of the ceiling per consecutive failed attempt, >= 1. Default 2. */
  factor?: number;
}

/**
 * The delay before attempt `failures + 1`, where `failures` counts the attempts that failed since the
 * last open stream (1 for the first reconnection). Exponential backoff with full jitter: the ceiling
 * is `min(max, initial × factor^(failures − 1))` and the delay is picked uniformly below it, so many
 * clients cut at once do not return at once. The server's `retry:` is a floor: the delay is
 * `retry + random × (ceiling − retry)` (just `retry` while the ceiling is lower), so a server that asks
 * for 5 s always gets at least 5 s, as a browser's EventSource gives it. A `Retry-After` (429, 503)
 * is a floor too: the delay is at least that.
 */
export type BackoffDelay = (
  failures: number,
  serverRetry?: number,
  retryAfter?: number,
  random?: () => number,
) => number;

/**
 * Checks backoff options where they are given (`connect` or `new EventSource`) and returns the
 * delay function they define.
 *
 * @throws SSERangeError (`ERR_SSE_INVALID_OPTION`) for a negative, NaN or inverted value.
 */
export function resolveBackoff(options: BackoffOptions = {}): BackoffDelay {
  const initial = numberOption('backoff.initial', options.initial, 1000, 0);
  const max = numberOption('backoff.max', options.max, Math.max(30_000, initial), initial);
  const factor = numberOption('backoff.factor', options.factor, 2, 1, 1000);
  return (failures, serverRetry = 0, retryAfter = 0, random = Math.random) => {
    const ceiling = Math.min(max, initial * factor ** (failures - 1));
    return Math.round(Math.max(serverRetry + random() * Math.max(0, ceiling - serverRetry), retryAfter));
  };
}

/**
 * The `Retry-After` header of a response in milliseconds (delta-seconds or an HTTP date), or 0 when
 * it is absent, past or unreadable.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-retry-after
 */
export function retryAfterMs(headers: Headers, now: number): number {
  const value = headers.get('retry-after');
  // Delta-seconds, else an HTTP date; absent is 0 (Number(null)), unreadable NaN: both no floor.
  return Math.max(0, Number(value) * 1000 || Date.parse(value as string) - now) || 0;
}
