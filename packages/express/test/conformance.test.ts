import { describeConformance } from '@ssekit/conformance';
import { createConformanceApp } from '@ssekit/conformance/app';
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
      app.use(sse());
      for (const route of conformance.routes) {
        const onError = (error: unknown) => conformance.onError(error);
        app.get(
          route.path,
          sse((stream, req: Request) => route.handle(stream, { url: req.originalUrl }), {
            ...route.options,
            onError,
          }),
        );
      }
      app.get('/state', (_req, res) => {
        res.json(conformance.state());
      });
      app.get('/plain', (_req, res) => {
        res.type('text/plain').send('plain');
      });
      return listen(app);
    },
  });
}
