import { type SSEOptions, sse } from '@ssekit/hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Hub } from '../hub.js';

/**
 * The Hono app under `/hono`. Its events route is the adapter's handler form: Hono returns the
 * web `Response` at once and the callback runs with the open stream. The demo server runs it on
 * Node through `@hono/node-server`'s request listener.
 */
export function honoApp(hub: Hub, options: SSEOptions): Hono {
  const app = new Hono().basePath('/hono');

  app.get(
    '/events',
    sse((stream, c) => {
      hub.connect('hono', c.req.query('client'), c.req.header('last-event-id'), stream);
    }, options),
  );

  app.post('/broadcast', bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    const result = await hub.broadcast(await c.req.text());
    return result.ok ? c.json(result, 201) : c.text(result.error, result.status);
  });

  app.post('/drop', (c) => c.body(null, hub.drop(c.req.query('client')) ? 204 : 404));

  return app;
}
