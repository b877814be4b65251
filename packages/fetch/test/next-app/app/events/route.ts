import { sse } from '@ssekit/fetch';
import { track } from '../state';

// Never prerendered or cached: every request streams.
export const dynamic = 'force-dynamic';

/**
 * Three numbered events 50 ms apart, resuming after the client's Last-Event-ID; then the stream
 * ends and the client reconnects (after `retry`) for the next three. With `?hold`, one event and
 * the stream stays open until the client leaves.
 */
export const GET = sse(
  (stream, request) => {
    track(stream);
    const hold = new URL(request.url).searchParams.has('hold');
    let n = Number(stream.lastEventId ?? 0);
    const last = hold ? n + 1 : n + 3;
    const timer = setInterval(() => {
      if (n === last) return hold ? undefined : stream.close();
      n += 1;
      stream.send({ n }, { event: 'tick', id: String(n) });
    }, 50);
    stream.onClose(() => clearInterval(timer));
  },
  { retry: 100 },
);
