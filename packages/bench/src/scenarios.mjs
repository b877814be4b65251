// Every scenario the harness runs (a server in src/scenarios/<name>.mjs), in report order; floor comes first.
export const SCENARIOS = [
  'floor',
  'better-sse',
  'hono-streamsse',
  'fastify-sse',
  'express-floor',
  'ssekit-express',
  'ssekit-koa',
  'ssekit-hono',
  'ssekit-fastify',
];
