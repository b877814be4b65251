import type { SSEStream } from '@ssekit/core';

// Express's own types (@types/express 4 and 5) merge the global `Express.Response` into the
// `Response` that handlers receive, so this one declaration types `res.sse` for both majors
// without importing either.
declare global {
  namespace Express {
    interface Response {
      /**
       * This response's event stream. The first read opens it (status 200 and the event-stream
       * headers go to the client at once); later reads return the same stream. Present on every
       * response that passed through `sse()`; a handler that never reads it responds as usual.
       * Read it typed with your event map through `sseOf<Events>(res)`.
       */
      readonly sse: SSEStream;
    }
  }
}
