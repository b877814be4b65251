/** Machine-readable reason a client stopped or retried; match on it instead of parsing messages. */
export type SSEClientErrorCode =
  /** A status the client does not retry: a 4xx other than 408 and 429, or a 3xx fetch did not follow. */
  | 'ERR_SSE_HTTP_STATUS'
  /** A 2xx whose Content-Type is not `text/event-stream`. */
  | 'ERR_SSE_NOT_EVENT_STREAM'
  /** A retried status (408, 429, 5xx) when the client gives up or may not retry. */
  | 'ERR_SSE_RETRYABLE_STATUS'
  /** No byte for `stallTimeout` milliseconds. */
  | 'ERR_SSE_STALLED'
  /** `maxAttempts` or `maxRetryTime` ran out; `cause` is the last attempt's error. */
  | 'ERR_SSE_RETRIES_EXHAUSTED'
  /** A non-idempotent request (POST) ended and is not resumable; `cause` is why it ended. */
  | 'ERR_SSE_NOT_REPLAYABLE';

/** Base of every error the client reports: a `code` to match on and a message a user can act on. */
export class SSEClientError extends Error {
  /** Why the client stopped or retried. */
  declare readonly code: SSEClientErrorCode;

  constructor(code: SSEClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SSEClientError';
    this.code = code;
  }
}

/** Longest body excerpt an `SSEResponseError` keeps, in characters. */
export const BODY_EXCERPT_CHARS = 512;

/**
 * The server answered with something that is not an event stream: a status the client does not
 * retry, a 2xx with another Content-Type, or a retried status it gave up on. It carries what a
 * user needs to see why: the status, the headers and the start of the body.
 */
export class SSEResponseError extends SSEClientError {
  /** The HTTP status. */
  declare readonly status: number;
  /** The response headers. */
  declare readonly headers: Headers;
  /** The first 512 characters of the body (`''` if it had none or could not be read). */
  declare readonly bodyExcerpt: string;
  /** The URL that answered. */
  declare readonly url: string;

  constructor(code: SSEClientErrorCode, response: Response, bodyExcerpt: string, message: string) {
    super(code, message);
    this.name = 'SSEResponseError';
    this.status = response.status;
    this.headers = response.headers;
    this.bodyExcerpt = bodyExcerpt;
    this.url = response.url;
  }
}

/**
 * The first chunk of a refused response's body, up to `BODY_EXCERPT_CHARS`; the rest is cancelled, so
 * an endless body of the wrong type does not hold the connection.
 */
export async function bodyExcerpt(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  try {
    const { value } = (await reader?.read()) ?? {};
    return new TextDecoder().decode(value).slice(0, BODY_EXCERPT_CHARS);
  } catch {
    return '';
  } finally {
    reader?.cancel().catch(() => {});
  }
}

/** Checks a response and returns the error that refuses it, or `undefined` for an event stream. */
export async function refusal(response: Response): Promise<SSEResponseError | undefined> {
  const { status, ok } = response;
  const type = response.headers.get('content-type');
  // No Content-Type (null) reads as "null", which does not match.
  if (ok && /^text\/event-stream\s*(;|$)/i.test(type as string)) return undefined;
  // 408, 429 and 5xx are worth another attempt; any other non-2xx is the request's fault.
  const retryable = status === 408 || status === 429 || status >= 500;
  return new SSEResponseError(
    ok ? 'ERR_SSE_NOT_EVENT_STREAM' : retryable ? 'ERR_SSE_RETRYABLE_STATUS' : 'ERR_SSE_HTTP_STATUS',
    response,
    await bodyExcerpt(response),
    `The server answered ${status} (${type}): ${ok ? 'not an event stream, check the URL' : retryable ? 'retried' : 'fix the request (URL, credentials, headers)'}.`,
  );
}
