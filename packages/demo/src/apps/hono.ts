import { type SSEOptions, sse } from '@ssekit/hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Hub } from '../hub.js';
import { BEARER_CHALLENGE, hasDemoToken, UNAUTHORIZED_BODY } from '../token.js';

/**
 * The Hono app under `/hono`. Its events route is the adapter's handler form: Hono returns the
 * web `Response` at once and the callback runs with the open stream. The demo server runs it on
 * Node through `@hono/node-server`'s request listener. The same route answers a POST (the page's
 * client mode) once a middleware has checked its bearer token.
 */
export function honoApp(hub: Hub, options: SSEOptions): Hono {
  const app = new Hono().basePath('/hono');

  const join = sse((stream, c) => {
    hub.connect('hono', c.req.query('client'), c.req.header('last-event-id'), stream, c.req.method);
  }, options);
  app.get('/events', join);
  app.post(
    '/events',
    async (c, next) => {
      // Before the stream: a request without the token gets a plain 401, not an event stream.
      if (!hasDemoToken(c.req.header('authorization'))) {
        return c.text(UNAUTHORIZED_BODY, 401, { 'www-authenticate': BEARER_CHALLENGE });
      }
      await next();
    },
    join,
  );

  app.post('/broadcast', bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    const result = await hub.broadcast(await c.req.text());
    return result.ok ? c.json(result, 201) : c.text(result.error, result.status);
  });

  app.post('/drop', (c) => c.body(null, hub.drop(c.req.query('client')) ? 204 : 404));

  return app;
}
