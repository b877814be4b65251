import { describeConformance } from '@ssekit/conformance';
import { createConformanceApp, SHUTDOWN_DRAIN } from '@ssekit/conformance/app';
import { runtimes, startChildServer } from './child-server.js';
import { createTestApp } from './fixtures/app.js';
import { serveNode } from './node-server.js';

describeConformance({
  name: `hono on node ${process.versions.node} (@hono/node-server)`,
  async start() {
    const conformance = createConformanceApp();
    const node = await serveNode(createTestApp(conformance));
    const shutdown = async () => {
      await conformance.drain(SHUTDOWN_DRAIN);
      await new Promise<void>((resolve, reject) =>
        node.server.close((error) => (error ? reject(error) : resolve())),
      );
    };
    return { url: node.url, close: node.close, shutdown };
  },
});

// Bun and Deno own the Connection header and leave it out of the response.
for (const runtime of [runtimes.bun, runtimes.deno]) {
  describeConformance({
    name: `hono on ${runtime.name}`,
    connectionHeader: false,
    start: () => startChildServer(runtime.command, runtime.args('conformance')),
  });
}
