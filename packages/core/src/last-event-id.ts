/** Default name of the query parameter read when a client cannot set the `Last-Event-ID` header. */
export const DEFAULT_LAST_EVENT_ID_QUERY = 'lastEventId';

// Pure: a bundle that imports nothing from this module drops it.
const utf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A header value as the client sent it. Browsers send the last event id as UTF-8 bytes (§9.2.3,
 * "UTF-8 encoded"), but Node's `IncomingMessage` and fetch's `Headers` hand header bytes over one
 * character per byte (latin1), so `café` arrives as `cafÃ©`. Such a value is decoded again as
 * UTF-8; one that is not valid UTF-8, or already holds characters above U+00FF (a runtime that
 * decoded it), is kept as it came.
 */
function decodeHeaderBytes(value: string): string {
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff) return value;
    if (code > 0x7f) ascii = false;
  }
  if (ascii) return value;
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i);
  try {
    return utf8.decode(bytes);
  } catch {
    return value;
  }
}

/**
 * The id a reconnecting client last saw: the `Last-Event-ID` request header, or else the query
 * parameter `queryName` of `url` (for EventSource polyfills that cannot set headers). An empty value
 * counts as absent, since clients send none when their last event id is empty. A header holding
 * UTF-8 bytes as latin1 characters (as Node and fetch give them) is decoded back to what was sent;
 * the query parameter is percent-encoded, so URL decoding already yields it.
 *
 * @param header the raw header value (a repeated header's values joined or first, as the framework gives)
 * @param url the request URL, absolute or path-and-query
 * @param queryName the query parameter to fall back to; `false` reads the header only
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-last-event-id-header
 */
export function readLastEventId(
  header: string | string[] | null | undefined,
  url: string | undefined,
  queryName: string | false = DEFAULT_LAST_EVENT_ID_QUERY,
): string | undefined {
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader) return decodeHeaderBytes(fromHeader);
  if (queryName === false || !url) return undefined;
  // The fragment ends the URL and may itself contain '?': cut it off before looking for the query.
  const hashStart = url.indexOf('#');
  const beforeHash = hashStart === -1 ? url : url.slice(0, hashStart);
  const queryStart = beforeHash.indexOf('?');
  if (queryStart === -1) return undefined;
  const query = beforeHash.slice(queryStart + 1);
  return new URLSearchParams(query).get(queryName) || undefined;
}
