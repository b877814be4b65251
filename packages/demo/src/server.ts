import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { type Channel, type ChannelMonitor, createChannel } from '@ssekit/core';
import { redisChannel } from '@ssekit/redis';
import { type Answers, answerApp } from './answers.js';
import { expressApp } from './apps/express.js';
import { honoApp } from './apps/hono.js';
import { koaApp } from './apps/koa.js';
import { type DemoEvents, type Framework, Hub } from './hub.js';
import { demoMetrics } from './metrics.js';

/** The Redis Stream every demo instance on the same Redis shares: one key, one channel. */
export const REDIS_KEY = 'ssekit:demo';
/** How long `startDemo` waits for Redis to answer before it gives up, in ms. */
const REDIS_START_TIMEOUT = 5000;
/** While Redis is away the follower retries every couple of seconds; the same error is logged at most this often, in ms. */
const REDIS_ERROR_LOG_INTERVAL = 10_000;

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
  /**
   * A Redis URL (`redis://[user:password@]host:port[/db]`). When given, the channel's history and
   * bus are the Redis Stream `ssekit:demo` (`@ssekit/redis`), so every demo instance started with
   * the same URL serves one channel: a broadcast on one reaches the pages of all, and a page resumes
   * by Last-Event-ID on any. Default: none, the channel lives in this process's memory.
   */
  redis?: string;
  /** Milliseconds between two tokens of the answer page's fake model. Default 100. */
  tokenInterval?: number;
  /** Tokens in one answer of the answer page. Default 200. */
  tokenCount?: number;
}

/** Who served the page, as `GET /instance.json` tells it. */
export interface InstanceInfo {
  /** `host:port` of this instance. */
  instance: string;
  /** The Redis Stream key the channel is shared through, or `null` for an in-memory channel. */
  redisKey: string | null;
}

/** A running demo. */
export interface Demo {
  /** The page's address, e.g. `http://127.0.0.1:3000/`. */
  url: string;
  port: number;
  /** Who this instance is and how its channel is shared (also served as `/instance.json`). */
  info: InstanceInfo;
  /** The shared state: the channel, the events sent and the connections seen. */
  hub: Hub;
  /** The answer page's resumable answers: their routes and the tokens each producer sent. */
  answers: Answers;
  /**
   * Drains and stops: every browser gets a last `retry` hint and its stream is closed (spread over
   * `over` ms so they do not all come back at once), then the Redis connections (if any) and the
   * HTTP server close.
   */
  close(options?: { retry?: number; over?: number }): Promise<void>;
}

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/client-mode.js': { file: 'client-mode.js', type: 'text/javascript; charset=utf-8' },
  '/feed.js': { file: 'feed.js', type: 'text/javascript; charset=utf-8' },
  '/answer.html': { file: 'answer.html', type: 'text/html; charset=utf-8' },
  '/answer.js': { file: 'answer.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
// The same relative path works from src/ (tests) and from dist/ (the built `pnpm demo`).
const PUBLIC_DIR = new URL('../public/', import.meta.url);

// Found the way Node finds the demo's dependencies, so it is the package the demo depends on.
const packageDist = (name: string) =>
  new URL('dist/', pathToFileURL(createRequire(import.meta.url).resolve(`${name}/package.json`)));
/**
 * The built ES modules the page's import map points at: `@ssekit/client` and `@ssekit/core` (which
 * the client imports), as `pnpm build` left them, so the page runs the packages users install.
 */
const MODULE_DIRS: Record<string, URL> = {
  '/modules/client/': packageDist('@ssekit/client'),
  '/modules/core/': packageDist('@ssekit/core'),
};
/** A built file's name: no slash, so a request cannot leave its package's dist folder. */
const MODULE_FILE = /^[\w.-]+\.js(\.map)?$/;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Starts the demo: one HTTP server that serves the page and hands `/express/*`, `/koa/*` and
 * `/hono/*` to an Express app, a Koa app and a Hono app, all three adding their streams to the same
 * channel. A client can therefore switch adapters mid-stream and resume by Last-Event-ID. With
 * `redis`, that channel is shared with every other instance on the same Redis.
 *
 * @throws when `redis` is not a redis:// URL, when Redis does not answer within 5 s, or when the
 *   port is taken (`code: 'EADDRINUSE'`)
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const { port = 3000, host = '127.0.0.1', retry = 2000, tickInterval = 1000, log = console.log } = options;
  const metrics = demoMetrics();
  // Redis first: a page must not connect before this instance follows the shared stream.
  const channel =
    options.redis === undefined ? undefined : await sharedChannel(options.redis, log, metrics.monitor);
  const hub = new Hub(log, { channel, monitor: metrics.monitor });
  const answers = answerApp({
    redis: options.redis,
    tokenInterval: options.tokenInterval,
    tokenCount: options.tokenCount,
  });
  const streamOptions = { retry };
  const apps: Record<Framework, Listener> = {
    express: expressApp(hub, streamOptions),
    koa: koaApp(hub, streamOptions).callback(),
    hono: getRequestListener(honoApp(hub, streamOptions).fetch),
  };

  const info: InstanceInfo = { instance: host, redisKey: channel ? REDIS_KEY : null };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const framework = path.split('/')[1];
    if (framework === 'express' || framework === 'koa' || framework === 'hono') {
      apps[framework](req, res);
    } else if (path === '/chat' || path.startsWith('/chat/')) {
      answers.app(req, res);
    } else if (path === '/metrics' && req.method === 'GET') {
      metrics.serve(req, res);
    } else if (path === '/instance.json' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(info));
    } else if (path.startsWith('/modules/')) {
      void serveModule(path, req, res);
    } else {
      void servePage(path, req, res);
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // The Redis connections would otherwise keep the process alive after a failed start.
    await Promise.all([hub.channel.close(), answers.close()]);
    throw error;
  }
  const address = server.address() as AddressInfo;
  info.instance = `${host}:${address.port}`;
  hub.startTicker(tickInterval, channel ? info.instance : undefined);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}/`,
    port: address.port,
    info,
    hub,
    answers,
    close({ retry: drainRetry = 5000, over = 0 } = {}) {
      closing ??= (async () => {
        // Answers first: their readers get `cancelled` and end, so no stream holds the server open.
        await answers.close();
        await hub.close({ retry: drainRetry, over });
        // server.close() also ends idle keep-alive sockets (Node >= 19); a busy one gets a moment.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const force = setTimeout(() => server.closeAllConnections(), 2000);
        await closed;
        clearTimeout(force);
        await metrics.close();
      })();
      return closing;
    },
  };
}

/**
 * A channel whose history and bus are the Redis Stream `REDIS_KEY`, once this instance follows it.
 * `channel.close()` closes its Redis connections.
 */
async function sharedChannel(
  url: string,
  log: (line: string) => void,
  monitor: ChannelMonitor,
): Promise<Channel<DemoEvents>> {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {}
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new TypeError(
      `REDIS_URL must be a Redis URL such as redis://127.0.0.1:6379, got ${JSON.stringify(url)}.`,
    );
  }
  let lastError: Error | undefined;
  let started = false;
  const loggedAt = new Map<string, number>();
  const shared = redisChannel({
    redis: url,
    key: REDIS_KEY,
    onError: (error) => {
      lastError = error;
      // Before the start the follower may fail its first read while still connecting and simply
      // retries; a start that fails for good says why in the error startDemo throws.
      if (!started) return;
      const now = Date.now();
      if (now - (loggedAt.get(error.message) ?? 0) < REDIS_ERROR_LOG_INTERVAL) return;
      loggedAt.set(error.message, now);
      log(`redis      ${error.message}`);
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ready = await Promise.race([
    shared.ready().then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), REDIS_START_TIMEOUT);
    }),
  ]);
  clearTimeout(timer);
  started = ready;
  if (!ready) {
    await shared.close();
    const why = lastError ? ` (${lastError.message})` : '';
    throw new Error(
      `Redis at ${redactedUrl(url)} did not answer within ${REDIS_START_TIMEOUT / 1000} s${why}. Is redis-server running there?`,
    );
  }
  return createChannel<DemoEvents>({ history: shared, monitor });
}

/** The URL without its password, fit for a log line. */
export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

function servePage(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const entry = PAGE_FILES[path === '/index.html' ? '/' : path];
  return serveFile(entry && new URL(entry.file, PUBLIC_DIR), entry?.type, req, res);
}

/** One file of a package's build, e.g. `/modules/client/index.js`; a package not built yet answers 404. */
function serveModule(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const prefix = Object.keys(MODULE_DIRS).find((dir) => path.startsWith(dir));
  const name = prefix === undefined ? '' : path.slice(prefix.length);
  const file =
    prefix !== undefined && MODULE_FILE.test(name) ? new URL(name, MODULE_DIRS[prefix]) : undefined;
  const type = name.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8';
  return serveFile(file, type, req, res, 'Not found (run `pnpm build` to build the packages)');
}

async function serveFile(
  file: URL | undefined,
  type: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  missing = 'Not found',
): Promise<void> {
  const notFound = () => res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(missing);
  if (!file || !type || (req.method !== 'GET' && req.method !== 'HEAD')) return void notFound();
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return void notFound();
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(String(error));
    return;
  }
  // Read from disk on every request and never cached, so an edit (or a rebuild) shows on reload.
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
