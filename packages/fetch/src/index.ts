// Everything of the core (streams, channels, errors, types), so one import serves an app.
export * from '@ssekit/core';
export type { EventStreamCallOptions, EventStreamHandler, EventStreamOptions } from './event-stream.js';
export { eventStream, sse } from './event-stream.js';
export type { ResumableRoutes } from './resumable.js';
export { resumableRoutes } from './resumable.js';
export type { SubscribeOptions } from './subscribe.js';
export { subscribe } from './subscribe.js';
