import './augment.js';

// Everything of the core (streams, channels, errors, types), so one import serves an app.
export * from '@ssekit/core';

export type { SSEFastifyHandler, SSERouteHandler } from './handler.js';
export { sse } from './handler.js';
export type { SSEErrorContext, SSEFastifyOptions } from './options.js';
export { ssePlugin } from './plugin.js';
export type { ResumableRouteHandler } from './resumable.js';
export { resumableRoutes } from './resumable.js';
