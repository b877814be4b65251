import { DEFAULT_HEARTBEAT_MS, type SSEOptions, type SSEStream } from '@ssekit/core';

// Cloudflare Workers' quirks for an event stream, checked against workerd 2026-11-17 (the
// @cloudflare/workerd-linux-64 package; packages/fetch/test/workerd.test.ts).
//
// Workers run each request in a context of its own: a timer belongs to the request that set it and
// is cancelled when that request ends, and a request with nothing pending in its context (no
// timer, no I/O it awaits) is cancelled as hung, its client cut, even while its body is open. The
// core's heartbeats share one timer among all streams, set by whichever request came first; here
// each stream must have its own.

/** Whether the code runs on Cloudflare Workers (workerd), which names itself in `navigator.userAgent`. */
export const onWorkers: boolean =
  typeof navigator !== 'undefined' &&
  (navigator as { userAgent?: string }).userAgent === 'Cloudflare-Workers';

/** Timers cannot wait longer. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The stream options for Workers: no shared heartbeat (see above); `keepAlive` runs it per stream.
 */
export function workersOptions(options: SSEOptions): SSEOptions {
  return { ...options, heartbeat: false };
}

/**
 * Gives `stream` a timer in its own request's context until it closes: a comment every `heartbeat`
 * milliseconds, which also keeps the request from being taken for hung; with `heartbeat: false`, a
 * timer that only does that.
 */
export function keepAlive(stream: SSEStream<never>, heartbeat: SSEOptions['heartbeat']): void {
  const interval = heartbeat ?? DEFAULT_HEARTBEAT_MS;
  const timer =
    interval === false ? setInterval(() => {}, MAX_TIMER_MS) : setInterval(() => stream.comment(), interval);
  stream.onClose(() => clearInterval(timer));
}
