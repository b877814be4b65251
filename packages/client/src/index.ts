export type { BackoffOptions } from './backoff.js';
export type { ConnectOptions, SSEClient } from './connect.js';
export { connect } from './connect.js';
export type { ParseOption } from './decode.js';
export type { SSEClientErrorCode } from './errors.js';
export { SSEClientError, SSEResponseError } from './errors.js';
export type { EventSourceInit } from './event-source.js';
export { EventSource } from './event-source.js';
export type { PauseControl, Pauser } from './pause.js';
export { pauseWhenHidden } from './pause.js';
export type { AttemptContext, BodyValue, RequestOptions } from './request.js';
export type { TabHandlers, TabShare, TabSharing } from './tabs.js';
export { shareAcrossTabs } from './tabs.js';
export type {
  ClientEvent,
  ClientEventOf,
  ClientState,
  EventSchemas,
  GapInfo,
  InvalidEvent,
  StateChange,
} from './types.js';
