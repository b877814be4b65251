import { describeConformance } from '@ssekit/conformance';
import { createConformanceApp, SHUTDOWN_DRAIN } from '@ssekit/conformance/app';
import { sse } from '@ssekit/express';
import type { Request } from 'express';
import { expressVersions, listen } from './helpers.js';

for (const [name, express] of expressVersions) {
  describeConformance({
    name: `${name} (node ${process.versions.node.split('.')[0]})`,
    async start() {
      const conformance = createConformanceApp();
      const app = express();
      // Applied globally too, to show that /state and /plain, which never read res.sse, are untouched.
      const global = sse();
      app.use(global);
      conformance.addDrainable(global);
      for (const route of conformance.routes) {
        const onError = (error: unknown) => conformance.onError(error);
        const handler = sse((stream, req: Request) => route.handle(stream, { url: req.originalUrl }), {
          ...route.options,
          onError,
        });
        conformance.addDrainable(handler);
        app.get(route.path, handler);
      }
      app.get('/state', (_req, res) => {
        res.json(conformance.state());
      });
      app.get('/plain', (_req, res) => {
        res.type('text/plain').send('plain');
      });
      return listen(app, () => conformance.drain(SHUTDOWN_DRAIN));
    },
  });
}
