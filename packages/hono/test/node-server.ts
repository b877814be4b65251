import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { afterEach, vi } from 'vitest';

/** A Hono app served by `@hono/node-server` on 127.0.0.1, in this process. */
export interface NodeServer {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** The underlying `node:http` server. */
  server: Server;
  /** Closes the server and every connection still open on it (event streams never end by themselves). */
  close(): Promise<void>;
}

/** Serves `app` with `@hono/node-server` on a free port, as `serve({ fetch: app.fetch })` does for users. */
export function serveNode(app: Hono): Promise<NodeServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    }) as Server;
  });
}

/**
 * For a test file whose tests each serve an app: `start(app)` serves it and returns its base URL;
 * after each test the server is closed, the functions passed to `defer` run and mocks are restored.
 */
export function serverPerTest(): { start(app: Hono): Promise<string>; defer(cleanup: () => void): void } {
  let server: NodeServer | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    vi.restoreAllMocks();
    await server?.close();
    server = undefined;
  });
  return {
    start: async (app) => {
      server = await serveNode(app);
      return server.url;
    },
    defer: (cleanup) => cleanups.push(cleanup),
  };
}
