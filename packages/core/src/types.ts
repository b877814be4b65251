/**
 * Turns a non-string `data` value into the text of an event. Strings are never passed to it:
 * they are sent verbatim. Must return a string; anything else is refused.
 */
export type Serializer = (data: unknown) => string;

/** The fields of one event block, as `encodeEvent` and `SSEStream.send` take them. */
export interface EventFields {
  /**
   * The event's data. A string is sent verbatim (split into `data:` lines at every CR, LF and
   * CRLF); any other value goes through the serializer (`JSON.stringify` by default).
   * `undefined` writes no data line, so the block dispatches no event (a control block).
   */
  data?: unknown;
  /** The event type (`event:` field). Must not contain CR or LF. Empty or absent means "message". */
  event?: string;
  /**
   * The event id (`id:` field). Must not contain CR, LF or NUL. `''` is written and resets the
   * client's last event id; `undefined` writes no id, so the client keeps its last one.
   */
  id?: string;
  /** Reconnection time hint in milliseconds (`retry:` field): a whole number from 0 to 2147483647. */
  retry?: number;
  /** A comment written before the fields; each of its lines becomes its own `:` line. */
  comment?: string;
}

/** Per-event options of `SSEStream.send`: every field of an event except its data. */
export type SendOptions = Omit<EventFields, 'data' | 'comment'>;

/** The data type of unnamed (`message`) events for an event map. */
export type MessageData<Events> = 'message' extends keyof Events ? Events['message'] : never;

/**
 * The arguments of a `send` for an event map. Untyped (`Record<string, unknown>`): any data and
 * options. Typed: each event name takes its own data type, unnamed sends take the `message` type,
 * and names outside the map are refused at compile time.
 */
export type SendArgs<Events, Options extends { event?: string | undefined }> = string extends keyof Events
  ? [data: unknown, options?: Options]
  :
      | {
          [Name in keyof Events & string]: [
            data: Events[Name],
            options: Omit<Options, 'event'> & { event: Name },
          ];
        }[keyof Events & string]
      | ('message' extends keyof Events
          ? [data: Events['message'], options?: Omit<Options, 'event'>]
          : never);
