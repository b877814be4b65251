import { describeResumable } from '@ssekit/conformance/resumable';
import { resumableRoutes } from '@ssekit/express';
import { expressVersions, listen } from './helpers.js';

for (const [name, express] of expressVersions) {
  describeResumable({
    name,
    start(resumable, startOf) {
      const app = express();
      const chat = resumableRoutes(resumable, (req) => startOf(req.originalUrl ?? ''));
      app.post('/chat', chat.start);
      app.get('/chat/:id/stream', chat.resume);
      app.post('/chat/:id/cancel', chat.cancel);
      return listen(app);
    },
  });
}
