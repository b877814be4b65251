import type { SSEStream } from '@ssekit/core';

declare module 'koa' {
  // DefaultContext is the interface both @types/koa 2 and 3 keep open for middleware to extend.
  interface DefaultContext {
    /**
     * The event stream of this request, added by `sse()` from `@ssekit/koa`. The first read opens
     * it (status 200 and the event-stream headers go out at once); every later read returns the
     * same stream. Only present downstream of `sse()`.
     */
    readonly sse: SSEStream;
  }
}
