import './augment.js';

// Everything of the core (streams, channels, errors, types), so one import serves an app.
export * from '@ssekit/core';

export type { SSEErrorContext, SSEFastifyHandler, SSEFastifyOptions, SSERouteHandler } from './plugin.js';
export { sse, ssePlugin } from './plugin.js';
