// A runtime sends a response's body by reading it, which locks the stream. A body nobody has started
// to read a while after the handler returned it will never be read: a middleware replaced the
// response (`c.res = new Response(...)`), or something else dropped it. Neither Bun (1.4) nor a
// Worker tells us: the body is not cancelled and the request's AbortSignal does not abort (Deno 2
// aborts it today, as a legacy behaviour it means to drop). Without this check such a stream would
// keep its heartbeat, its handler and its channel memberships for as long as the process lives.

import { unrefTimer } from '@ssekit/core/internal';
/** How long a runtime may take to start reading a body the handler returned. */
export const UNREAD_BODY_GRACE_MS = 5_000;

/**
 * Bodies to check, oldest first, with the time after which an unread one is cancelled. Held
 * weakly: a stream that closed meanwhile and was let go must not be kept for the check.
 */
const watched: Array<{ body: WeakRef<ReadableStream<Uint8Array>>; deadline: number }> = [];
/** One timer for every watched body, running only while there are some. */
let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * Cancels `body` if no reader has locked it within `UNREAD_BODY_GRACE_MS`: cancelling the body of
 * a `webStreamTransport` closes its event stream as a client gone.
 */
export function cancelIfNeverRead(body: ReadableStream<Uint8Array>): void {
  watched.push({ body: new WeakRef(body), deadline: Date.now() + UNREAD_BODY_GRACE_MS });
  if (timer === undefined) schedule();
}

function schedule(): void {
  const first = watched[0];
  if (first === undefined) {
    timer = undefined;
    return;
  }
  // Never the reason a process stays up.
  timer = unrefTimer(setTimeout(sweep, Math.max(0, first.deadline - Date.now())));
}

function sweep(): void {
  const now = Date.now();
  while (watched.length > 0 && (watched[0]?.deadline ?? now) <= now) {
    const body = watched.shift()?.body.deref();
    if (body !== undefined && !body.locked) body.cancel().catch(() => {});
  }
  schedule();
}
