import { describeConformance } from '@ssekit/conformance';
import { createConformanceApp } from '@ssekit/conformance/app';
import { runtimes, startChildServer } from './child-server.js';
import { createTestApp } from './fixtures/app.js';
import { serveNode } from './node-server.js';

describeConformance({
  name: `hono on node ${process.versions.node} (@hono/node-server)`,
  start: () => serveNode(createTestApp(createConformanceApp())),
});

// Bun and Deno own the Connection header and leave it out of the response.
for (const runtime of [runtimes.bun, runtimes.deno]) {
  describeConformance({
    name: `hono on ${runtime.name}`,
    connectionHeader: false,
    start: () => startChildServer(runtime.command, runtime.args('conformance')),
  });
}
