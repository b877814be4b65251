import type { DrainableStreams, SSEOptions, SSEStream } from '@ssekit/core';

declare module 'fastify' {
  interface FastifyReply {
    /**
     * This request's event stream, in a scope where `ssePlugin` from `@ssekit/fastify` is
     * registered. The first read opens it (status 200 and the event-stream headers go out at once,
     * and Fastify hands the response over); later reads return the same stream. A route that never
     * reads it answers as usual. Read it typed with your event map through `sseOf<Events>(reply)`.
     */
    readonly sse: SSEStream;
  }

  interface FastifyInstance {
    /**
     * The open streams of the scope where `ssePlugin` is registered, for a graceful shutdown:
     * `size`, and `close(options)`, which drains them (a last event, a retry hint, spread over
     * `over` ms). `app.close()` closes whatever is still open.
     */
    readonly sse: DrainableStreams;
  }

  interface FastifyContextConfig {
    /**
     * This route's stream options (`@ssekit/fastify`): each one given replaces the plugin's
     * (`headers` are merged by name). Checked when the route is declared.
     */
    sse?: SSEOptions;
  }
}
