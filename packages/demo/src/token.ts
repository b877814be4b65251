/**
 * The bearer token the demo's POST event route asks for. It is printed on the page: it shows a
 * request header the browser's `EventSource` cannot send, and protects nothing.
 */
export const DEMO_TOKEN = 'demo';

/** Sent with every 401, so a client (and a person with curl) learns which header opens the stream. */
export const UNAUTHORIZED_BODY = `Send the header "Authorization: Bearer ${DEMO_TOKEN}" to open this stream.`;
/** The challenge a 401 must carry (RFC 9110 §11.6.1), naming the Bearer scheme. */
export const BEARER_CHALLENGE = 'Bearer realm="ssekit-demo"';

/** Whether an `Authorization` header carries the demo token; the scheme name is case-insensitive (RFC 9110 §11.1). */
export function hasDemoToken(authorization: string | undefined): boolean {
  return /^bearer +(\S+)\s*$/i.exec(authorization ?? '')?.[1] === DEMO_TOKEN;
}
