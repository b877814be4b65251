import { describeResumable } from '@ssekit/conformance/resumable';
import { resumableRoutes } from '@ssekit/fastify';
import Fastify from 'fastify';
import { listen } from './helpers.js';

describeResumable({
  name: 'fastify 5',
  start(resumable, startOf) {
    const app = Fastify();
    const chat = resumableRoutes(resumable, (request) => startOf(request.originalUrl));
    app.post('/chat', chat.start);
    app.get('/chat/:id/stream', chat.resume);
    app.post('/chat/:id/cancel', chat.cancel);
    return listen(app);
  },
});
