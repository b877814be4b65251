import './augment.js';

export type {
  CloseReason,
  EventFields,
  MessageData,
  PipeSource,
  SendOptions,
  Serializer,
  SSEErrorCode,
  SSEField,
  SSEOptions,
} from '@ssekit/core';
export {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  encodeEvent,
  heartbeatStats,
  SSEFieldError,
  SSERangeError,
  SSEStream,
} from '@ssekit/core';
export type { SSEHandler, SSEHandlerOptions, SSEMiddleware, SSENext, SSERequestLike } from './middleware.js';
export { sse } from './middleware.js';
