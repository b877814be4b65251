import { describeConformance } from '@ssekit/conformance';
import { createConformanceApp, SHUTDOWN_DRAIN } from '@ssekit/conformance/app';
import { sse, ssePlugin } from '@ssekit/fastify';
import Fastify from 'fastify';
import { listen } from './helpers.js';

describeConformance({
  name: `fastify 5 (node ${process.versions.node.split('.')[0]})`,
  async start() {
    const conformance = createConformanceApp();
    const app = Fastify();
    // Registered for the whole app, to show that /state and /plain, which never read reply.sse, are untouched.
    await app.register(ssePlugin, { onError: (error) => conformance.onError(error) });
    conformance.addDrainable(app.sse);
    for (const route of conformance.routes) {
      app.get(
        route.path,
        sse((stream, request) => route.handle(stream, { url: request.originalUrl }), route.options),
      );
    }
    app.get('/state', async () => conformance.state());
    app.get('/plain', async (_request, reply) => reply.type('text/plain').send('plain'));
    return listen(app, () => conformance.drain(SHUTDOWN_DRAIN));
  },
});
