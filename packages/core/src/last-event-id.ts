/** Default name of the query parameter read when a client cannot set the `Last-Event-ID` header. */
export const DEFAULT_LAST_EVENT_ID_QUERY = 'lastEventId';

/**
 * The id a reconnecting client last saw: the `Last-Event-ID` request header, or else the query
 * parameter `queryName` of `url` (for EventSource polyfills that cannot set headers). An empty value
 * counts as absent, since clients send none when their last event id is empty.
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
  if (fromHeader) return fromHeader;
  if (queryName === false || !url) return undefined;
  // The fragment ends the URL and may itself contain '?': cut it off before looking for the query.
  const hashStart = url.indexOf('#');
  const beforeHash = hashStart === -1 ? url : url.slice(0, hashStart);
  const queryStart = beforeHash.indexOf('?');
  if (queryStart === -1) return undefined;
  const query = beforeHash.slice(queryStart + 1);
  return new URLSearchParams(query).get(queryName) || undefined;
}
