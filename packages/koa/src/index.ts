import './augment.js';

// Everything of the core (streams, channels, errors, types), so one import serves an app.
export * from '@ssekit/core';

export type { SSEKoaHandler, SSEKoaOptions } from './middleware.js';
export { sse } from './middleware.js';
export { resumableRoutes } from './resumable.js';
