import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { expressApp } from './apps/express.js';
import { honoApp } from './apps/hono.js';
import { koaApp } from './apps/koa.js';
import { type Framework, Hub } from './hub.js';

/** Options of `startDemo`. */
export interface DemoOptions {
  /** Port to listen on; 0 picks a free one. Default 3000. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`: the demo is for this machine only. */
  host?: string;
  /** Reconnection time sent to every browser (`retry:`), in ms. Default 2000, long enough to watch. */
  retry?: number;
  /** Milliseconds between `tick` events. Default 1000. */
  tickInterval?: number;
  /** Where connect and disconnect lines go. Default `console.log`. */
  log?: (line: string) => void;
}

/** A running demo. */
export interface Demo {
  /** The page's address, e.g. `http://127.0.0.1:3000/`. */
  url: string;
  port: number;
  /** The shared state: the channel, the events sent and the connections seen. */
  hub: Hub;
  /**
   * Drains and stops: every browser gets a last `retry` hint and its stream is closed (spread over
   * `over` ms so they do not all come back at once), then the HTTP server closes.
   */
  close(options?: { retry?: number; over?: number }): Promise<void>;
}

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
// The same relative path works from src/ (tests) and from dist/ (the built `pnpm demo`).
const PUBLIC_DIR = new URL('../public/', import.meta.url);

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Starts the demo: one HTTP server that serves the page and hands `/express/*`, `/koa/*` and
 * `/hono/*` to an Express app, a Koa app and a Hono app, all three adding their streams to the same
 * channel. A client can therefore switch adapters mid-stream and resume by Last-Event-ID.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const { port = 3000, host = '127.0.0.1', retry = 2000, tickInterval = 1000, log = console.log } = options;
  const hub = new Hub(log);
  const streamOptions = { retry };
  const apps: Record<Framework, Listener> = {
    express: expressApp(hub, streamOptions),
    koa: koaApp(hub, streamOptions).callback(),
    hono: getRequestListener(honoApp(hub, streamOptions).fetch),
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const framework = path.split('/')[1];
    if (framework === 'express' || framework === 'koa' || framework === 'hono') {
      apps[framework](req, res);
    } else {
      void servePage(path, req, res);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  hub.startTicker(tickInterval);

  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}/`,
    port: address.port,
    hub,
    close({ retry: drainRetry = 5000, over = 0 } = {}) {
      closing ??= (async () => {
        await hub.close({ retry: drainRetry, over });
        // server.close() also ends idle keep-alive sockets (Node >= 19); a busy one gets a moment.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const force = setTimeout(() => server.closeAllConnections(), 2000);
        await closed;
        clearTimeout(force);
      })();
      return closing;
    },
  };
}

async function servePage(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const entry = PAGE_FILES[path === '/index.html' ? '/' : path];
  if (!entry || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  try {
    const body = await readFile(new URL(entry.file, PUBLIC_DIR));
    // Read from disk on every request and never cached, so an edit shows on reload.
    res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(String(error));
  }
}
