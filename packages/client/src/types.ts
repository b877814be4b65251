import type { GapReason } from '@ssekit/core';
import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * The data of the typed `gap` event: the server could not replay what the client missed (a restart,
 * a trimmed history, an unknown id), so the app should refetch its state. ssekit channels send it
 * in band as `ssekit-gap`; its id is the newest event's, so the stream carries on from there.
 */
export interface GapInfo {
  /** The id the client resumed from, which could not be replayed. */
  lastEventId: string;
  /** Why: `epoch` (issued before a restart), `expired` (trimmed away) or `unknown`. */
  reason: GapReason;
}

/**
 * One event a client yields: its type, its data (decoded, and validated when a schema was given)
 * and the last event id when it was dispatched. With an event map, a discriminated union on `type`.
 */
export type ClientEvent<Events extends Record<string, unknown> = Record<string, unknown>> =
  | {
      [Type in keyof Events & string]: { type: Type; data: Events[Type]; lastEventId: string };
    }[keyof Events & string]
  | { type: 'gap'; data: GapInfo; lastEventId: string };

/** The event of one type, as `on(type, listener)` hands it over. */
export type ClientEventOf<Events extends Record<string, unknown>, Type extends string> = Type extends 'gap'
  ? { type: 'gap'; data: GapInfo; lastEventId: string }
  : string extends keyof Events
    ? { type: Type; data: unknown; lastEventId: string }
    : Extract<ClientEvent<Events>, { type: Type }>;

/** Optional runtime validation: a Standard Schema (zod, valibot, arktype, ...) per event type. */
export type EventSchemas<Events extends Record<string, unknown>> = {
  [Type in keyof Events & string]?: StandardSchemaV1<unknown, Events[Type]>;
};

/** The states of a client, in `readyState` and the `state` listener. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What `onState` listeners get with each change of `readyState`. */
export interface StateChange {
  state: ClientState;
  /**
   * `reconnecting`: the error that ended the previous attempt (an `SSEResponseError` for a retried
   * status, the network error, `SSEStalledError`), or `undefined` when the server closed the stream.
   * `closed`: the fatal error, or `undefined` for `close()`, the signal, a 204 or a finished stream.
   */
  error?: unknown;
  /** `reconnecting`: milliseconds until the next attempt. */
  delay?: number;
  /** `connecting`/`reconnecting`: the attempt number, 1 for the first request. */
  attempt?: number;
  /** `reconnecting`: `true` when the `pause` option (such as `pauseWhenHidden()`) closed the connection. */
  paused?: boolean;
}

/** An event that failed its schema or could not be decoded, as `onInvalid` listeners get it. */
export interface InvalidEvent {
  type: string;
  /** The data as it arrived (text). */
  data: string;
  lastEventId: string;
  /** The schema's issues, or the decoding error. */
  issues: readonly StandardSchemaV1.Issue[] | unknown;
}
