/** Options for the response headers of an event stream. */
export interface HeaderOptions {
  /**
   * Whether to send `Connection: keep-alive`. Only HTTP/1.x has connection-specific headers; on
   * HTTP/2 and HTTP/3 they are forbidden (Node's http2 compatibility layer rejects them).
   */
  connectionHeader: boolean;
  /** Extra headers; they replace the defaults of the same name (compared case-insensitively). */
  headers?: Record<string, string> | undefined;
}

/**
 * The headers of an event-stream response: `Content-Type: text/event-stream; charset=utf-8` (§9.2.5),
 * `Cache-Control: no-cache, no-transform` (no proxy may cache or recompress it),
 * `X-Accel-Buffering: no` (nginx passes events through unbuffered), and `Connection: keep-alive`
 * on HTTP/1.x, followed by the user's headers.
 */
export function eventStreamHeaders({ connectionHeader, headers }: HeaderOptions): Record<string, string> {
  const result: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  };
  if (connectionHeader) result.connection = 'keep-alive';
  if (headers) {
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (!connectionHeader && lower === 'connection') continue;
      result[lower] = value;
    }
  }
  return result;
}

/**
 * The event-stream headers for `openSSEStream`: without extra headers, one frozen object per
 * `connectionHeader` value, shared by every stream. A server may keep the object for the life of
 * the response (@hono/node-server keeps the `Response` it writes, and with it its init), and a
 * copy per stream would cost it about 50 bytes. With extra headers, a fresh object, as
 * `eventStreamHeaders` gives.
 */
export function streamHeaders(
  connectionHeader: boolean,
  headers: Record<string, string> | undefined,
): Record<string, string> {
  if (headers !== undefined) return eventStreamHeaders({ connectionHeader, headers });
  return connectionHeader ? WITH_CONNECTION : WITHOUT_CONNECTION;
}

// Pure (as in slab.ts): a bundle that opens no stream, such as @ssekit/client's, drops them.
const WITH_CONNECTION = /* @__PURE__ */ Object.freeze(eventStreamHeaders({ connectionHeader: true }));
const WITHOUT_CONNECTION = /* @__PURE__ */ Object.freeze(eventStreamHeaders({ connectionHeader: false }));
