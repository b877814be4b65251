// What user code of an `sse` route meets: the stream, its options and the errors it throws.
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
export { SSEFieldError, SSERangeError, SSEStream } from '@ssekit/core';
export type { SSEHandler, SSEHandlerOptions } from './handler.js';
export { sse } from './handler.js';
