// The reference harness: the conformance app on a bare `node:http` server, so the core is proven
// over real HTTP without any framework in between.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createStreamGroup,
  nodeStreamRequest,
  openSSEStream,
  runHandler,
  type StreamGroup,
} from '@ssekit/core';
import { createConformanceApp, SHUTDOWN_DRAIN } from '../../conformance/src/app.js';
import { type ConformanceApp, describeConformance, type ScenarioRoute } from '../../conformance/src/index.js';

function serveRoute(
  app: ConformanceApp,
  route: ScenarioRoute,
  group: StreamGroup,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const stream = openSSEStream(nodeStreamRequest(req, res, req.url, group), route.options);
  runHandler(
    stream,
    () => route.handle(stream, { url: req.url ?? '/' }),
    (error) => app.onError(error),
  );
}

describeConformance({
  name: `node:http (node ${process.versions.node.split('.')[0]})`,
  async start() {
    const app = createConformanceApp();
    // One group for every route, as a custom adapter would keep for its streams.
    const group = createStreamGroup();
    app.addDrainable(group);
    const server = createServer((req, res) => {
      const path = req.url?.split('?')[0];
      const route = app.routes.find((candidate) => candidate.path === path);
      if (route) serveRoute(app, route, group, req, res);
      else if (path === '/state')
        res.setHeader('content-type', 'application/json').end(JSON.stringify(app.state()));
      else if (path === '/plain') res.setHeader('content-type', 'text/plain').end('plain');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const close = () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
    const shutdown = async () => {
      await app.drain(SHUTDOWN_DRAIN);
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    };
    return { url: `http://127.0.0.1:${port}`, close, shutdown };
  },
});
