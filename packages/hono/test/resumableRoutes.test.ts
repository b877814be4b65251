import { describeResumable } from '@ssekit/conformance/resumable';
import { resumableRoutes } from '@ssekit/hono';
import { Hono } from 'hono';
import { serveNode } from './node-server.js';

describeResumable({
  name: `hono on @hono/node-server (node ${process.versions.node.split('.')[0]})`,
  start(resumable, startOf) {
    const app = new Hono();
    const chat = resumableRoutes(resumable, (c) => {
      const url = new URL(c.req.url);
      return startOf(url.pathname + url.search);
    });
    app.post('/chat', chat.start);
    app.get('/chat/:id/stream', chat.resume);
    app.post('/chat/:id/cancel', chat.cancel);
    return serveNode(app);
  },
});
