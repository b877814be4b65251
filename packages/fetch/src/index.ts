// Everything of the core (streams, channels, errors, types), so one import serves an app.
export * from '@ssekit/core';
export type { EventStreamCallOptions, EventStreamHandler, EventStreamOptions } from './event-stream.js';
export { eventStream, sse } from './event-stream.js';
// For ssekit's adapters on fetch-style servers (@ssekit/hono): not a stable API.
export type { RespondOptions } from './respond.js';
export { reportFailure, respondWithEventStream } from './respond.js';
export type { SubscribeOptions } from './subscribe.js';
export { subscribe } from './subscribe.js';
