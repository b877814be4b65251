/** Machine-readable reason a value was refused; match on it instead of parsing messages. */
export type SSEErrorCode =
  | 'ERR_SSE_NEWLINE_IN_FIELD'
  | 'ERR_SSE_NUL_IN_ID'
  | 'ERR_SSE_LONE_SURROGATE'
  | 'ERR_SSE_INVALID_RETRY'
  | 'ERR_SSE_UNSERIALIZABLE_DATA'
  | 'ERR_SSE_INVALID_OPTION'
  | 'ERR_SSE_EVENT_TOO_LARGE'
  | 'ERR_SSE_INVALID_STREAM_ID';

/** The part of an event (or the option) a refused value was given for. */
export type SSEField = 'data' | 'event' | 'id' | 'retry' | 'comment' | (string & {});

/**
 * Thrown synchronously by the call that was given a value the event-stream format cannot carry
 * exactly (a newline in an event name or id, NUL in an id, data the serializer cannot turn into
 * a string). Nothing has been written when it is thrown, so the stream stays usable.
 */
export class SSEFieldError extends TypeError {
  /** Why the value was refused. */
  declare readonly code: SSEErrorCode;
  /** Which field or option the value was given for. */
  declare readonly field: SSEField;
  /** The refused value, as given. */
  declare readonly value: unknown;

  constructor(code: SSEErrorCode, field: SSEField, value: unknown, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SSEFieldError';
    this.code = code;
    this.field = field;
    this.value = value;
  }
}

/**
 * Thrown synchronously for a number outside what the format or the clients accept: a `retry` that
 * is not a whole number of milliseconds from 0 to 2147483647, or a numeric option out of range.
 * A parser also throws it (`ERR_SSE_EVENT_TOO_LARGE`, field `maxEventBytes`, value the size reached)
 * from `feed` when the server sends a line or an event larger than its `maxEventBytes`.
 */
export class SSERangeError extends RangeError {
  /** Why the value was refused. */
  declare readonly code: SSEErrorCode;
  /** Which field or option the value was given for. */
  declare readonly field: SSEField;
  /** The refused value, as given. */
  declare readonly value: unknown;

  constructor(code: SSEErrorCode, field: SSEField, value: unknown, message: string) {
    super(message);
    this.name = 'SSERangeError';
    this.code = code;
    this.field = field;
    this.value = value;
  }
}

/** Quotes a refused value for an error message, short enough to read. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
