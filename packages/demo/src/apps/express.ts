import { type SSEOptions, sse } from '@ssekit/express';
import express from 'express';
import type { Hub } from '../hub.js';

/**
 * The Express app: `app.use('/express', router)`, where `sse(options)` gives the events route
 * `res.sse`. Express strips the mount path from `req.url`; the adapter reads `originalUrl`, so the
 * `lastEventId` query parameter still reaches the stream.
 */
export function expressApp(hub: Hub, options: SSEOptions): express.Express {
  const router = express.Router();

  router.get('/events', sse(options), (req, res) => {
    hub.connect('express', req.query.client, req.get('last-event-id'), res.sse);
  });

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
