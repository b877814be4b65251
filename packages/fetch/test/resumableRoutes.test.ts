import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { describeResumable } from '@ssekit/conformance/resumable';
import { resumableRoutes } from '@ssekit/fetch';

// The fetch entry on Node, through @hono/node-server's Request/Response bridge (what a Node host of
// a fetch handler does); Bun, Deno and Workers serve the same handlers natively.
describeResumable({
  name: `fetch (node ${process.versions.node.split('.')[0]})`,
  async start(resumable, startOf) {
    const chat = resumableRoutes(resumable, (request) => {
      const url = new URL(request.url);
      return startOf(url.pathname + url.search);
    });
    const server = serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch(request) {
        const [, chatPath, id, action] = new URL(request.url).pathname.split('/');
        if (chatPath !== 'chat') return new Response(null, { status: 404 });
        if (id === undefined && request.method === 'POST') return chat.start(request);
        if (action === 'stream') return chat.resume(request, id as string);
        if (action === 'cancel' && request.method === 'POST') return chat.cancel(request, id as string);
        return new Response(null, { status: 404 });
      },
    });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      async close() {
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
});
