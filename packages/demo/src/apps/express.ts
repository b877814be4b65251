import { type SSEOptions, sse } from '@ssekit/express';
import express from 'express';
import type { Hub } from '../hub.js';
import { BEARER_CHALLENGE, hasDemoToken, UNAUTHORIZED_BODY } from '../token.js';

/**
 * The Express app: `app.use('/express', router)`, where `sse(options)` gives the events route
 * `res.sse`. Express strips the mount path from `req.url`; the adapter reads `originalUrl`, so the
 * `lastEventId` query parameter still reaches the stream. The same route answers a POST (the page's
 * client mode) once a middleware has checked its bearer token.
 */
export function expressApp(hub: Hub, options: SSEOptions): express.Express {
  const router = express.Router();

  const join: express.RequestHandler = (req, res) => {
    hub.connect('express', req.query.client, req.get('last-event-id'), res.sse, req.method);
  };
  router.get('/events', sse(options), join);
  router.post('/events', requireToken, sse(options), join);

  router.post('/broadcast', express.text({ limit: '16kb' }), async (req, res) => {
    const result = await hub.broadcast(req.body);
    if (result.ok) res.status(201).json(result);
    else res.status(result.status).type('text').send(result.error);
  });

  router.post('/drop', (req, res) => {
    res.sendStatus(hub.drop(req.query.client) ? 204 : 404);
  });

  const app = express();
  app.disable('x-powered-by');
  app.use('/express', router);
  return app;
}

/** Lets a request with the demo token through; answers any other with 401, before a stream opens. */
const requireToken: express.RequestHandler = (req, res, next) => {
  if (hasDemoToken(req.get('authorization'))) return next();
  res.status(401).set('www-authenticate', BEARER_CHALLENGE).type('text').send(UNAUTHORIZED_BODY);
};
