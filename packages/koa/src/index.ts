import './augment.js';

export type {
  CloseReason,
  MessageData,
  PipeSource,
  SendOptions,
  Serializer,
  SSEErrorCode,
  SSEField,
  SSEOptions,
} from '@ssekit/core';
export { heartbeatStats, SSEFieldError, SSERangeError, SSEStream } from '@ssekit/core';
export type { SSEKoaOptions } from './middleware.js';
export { sse } from './middleware.js';
