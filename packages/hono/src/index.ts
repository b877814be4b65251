// Everything of the core (streams, channels, errors, types), so one import serves an app.
export * from '@ssekit/core';
export type { SSEHandler, SSEHandlerOptions } from './handler.js';
export { sse, sseResponse } from './handler.js';
export { resumableRoutes } from './resumable.js';
