// One small app, written once per server kind the client is tested against: ssekit's Express, Koa
// and Hono adapters and a bare node:http server on core's openSSEStream. Every kind mounts the same
// routes over the same state, so a test body runs unchanged against each.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import Router from '@koa/router';
import { type Channel, createChannel, nodeStreamRequest, openSSEStream, type SSEStream } from '@ssekit/core';
import { sse as expressSse } from '@ssekit/express';
import { sse as honoSse } from '@ssekit/hono';
import { sse as koaSse } from '@ssekit/koa';
import express from 'express';
import { Hono } from 'hono';
import Koa from 'koa';

/** The event map the server's channel and the tests' clients share. */
export type TestEvents = {
  tick: { n: number };
  note: string;
};

/** What the routes record and use; the tests read and drive it. */
export interface AppState {
  channel: Channel<TestEvents>;
  /** Requests per route name. */
  hits: Record<string, number>;
  /** The `Last-Event-ID` header of each `/events` request, in order (`null` when absent). */
  lastEventIds: (string | null)[];
  /** The `authorization` header of each `/events` request, in order. */
  authorizations: (string | null)[];
  /** Streams open now, across routes. */
  open: Set<SSEStream<never>>;
}

export function createState(): AppState {
  return {
    channel: createChannel<TestEvents>({ history: 100 }),
    hits: {},
    lastEventIds: [],
    authorizations: [],
    open: new Set(),
  };
}

/**
 * What a route does with its stream. `/events`: joins the channel. `/chat` (POST): two notes, then the
 * server ends the stream. Plain routes: `/status?code=N[&retryAfter=S]` answers that status with a
 * body; `/json` answers a 200 that is not an event stream.
 */
function onEvents(state: AppState, stream: SSEStream<never>, headers: (name: string) => string | null): void {
  state.hits.events = (state.hits.events ?? 0) + 1;
  state.lastEventIds.push(headers('last-event-id'));
  state.authorizations.push(headers('authorization'));
  track(state, stream);
  state.channel.add(stream);
}

function onChat(state: AppState, stream: SSEStream<TestEvents>): void {
  state.hits.chat = (state.hits.chat ?? 0) + 1;
  track(state, stream as SSEStream<never>);
  void stream.send('first', { event: 'note' });
  void stream.send('second', { event: 'note' });
  stream.close();
}

function track(state: AppState, stream: SSEStream<never>): void {
  state.open.add(stream);
  stream.onClose(() => state.open.delete(stream));
}

function plain(state: AppState, url: URL): { status: number; headers: Record<string, string>; body: string } {
  const name = url.pathname.slice(1);
  state.hits[name] = (state.hits[name] ?? 0) + 1;
  if (name === 'json')
    return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"a":1}' };
  const headers: Record<string, string> = { 'content-type': 'text/plain' };
  const retryAfter = url.searchParams.get('retryAfter');
  if (retryAfter !== null) headers['retry-after'] = retryAfter;
  return {
    status: Number(url.searchParams.get('code')),
    headers,
    body: `status ${url.searchParams.get('code')}`,
  };
}

export type ServerKind = 'express' | 'koa' | 'hono' | 'node:http';
export const SERVER_KINDS: ServerKind[] = ['express', 'koa', 'hono', 'node:http'];

/** A running test server. */
export interface RunningApp {
  url: string;
  port: number;
  /** Closes the server and cuts every connection (the streams' clients see a dropped connection). */
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<RunningApp> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(running(server)));
  });
}

function running(server: Server): RunningApp {
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** The Hono app of the test routes (also used directly through `app.request`). */
export function honoApp(state: AppState): Hono {
  const app = new Hono();
  app.get(
    '/events',
    honoSse((stream, c) => onEvents(state, stream as SSEStream<never>, (name) => c.req.header(name) ?? null)),
  );
  app.post(
    '/chat',
    honoSse<TestEvents>((stream) => onChat(state, stream)),
  );
  app.get('/status', (c) => {
    const { status, headers, body } = plain(state, new URL(c.req.url));
    return new Response(body, { status, headers });
  });
  // Quiet streams for stall detection: one that never writes, one whose heartbeat keeps it alive.
  const quiet = (name: string) => (stream: SSEStream) => {
    state.hits[name] = (state.hits[name] ?? 0) + 1;
    track(state, stream as SSEStream<never>);
  };
  app.get('/quiet', honoSse(quiet('quiet'), { heartbeat: false }));
  app.get('/beating', honoSse(quiet('beating'), { heartbeat: 500 }));
  // Asks for a 300 ms reconnection time and ends the stream at once.
  app.get(
    '/retry',
    honoSse(
      (stream) => {
        state.hits.retry = (state.hits.retry ?? 0) + 1;
        stream.close();
      },
      { retry: 300, heartbeat: false },
    ),
  );
  app.get('/json', (c) => {
    const { status, headers, body } = plain(state, new URL(c.req.url));
    return new Response(body, { status, headers });
  });
  return app;
}

function sendPlain(state: AppState, req: IncomingMessage, res: ServerResponse): void {
  const { status, headers, body } = plain(state, new URL(req.url ?? '/', 'http://x'));
  res.writeHead(status, headers).end(body);
}

/** Starts the test app on `kind`, on `port` (0: a free one; a port again: a restart). */
export async function startApp(kind: ServerKind, state: AppState, port = 0): Promise<RunningApp> {
  if (kind === 'express') {
    const app = express();
    app.get(
      '/events',
      expressSse((stream, req: express.Request) =>
        onEvents(state, stream as SSEStream<never>, (n) => req.get(n) ?? null),
      ),
    );
    app.post(
      '/chat',
      expressSse<TestEvents>((stream) => onChat(state, stream)),
    );
    app.get(['/status', '/json'], (req, res) => sendPlain(state, req, res));
    return listen(createServer(app), port);
  }
  if (kind === 'koa') {
    const app = new Koa();
    const router = new Router();
    router.get(
      '/events',
      koaSse((stream, ctx) => onEvents(state, stream as SSEStream<never>, (n) => ctx.get(n) || null)),
    );
    router.post(
      '/chat',
      koaSse<TestEvents>((stream) => onChat(state, stream)),
    );
    router.get(['/status', '/json'], (ctx) => {
      const { status, headers, body } = plain(state, new URL(ctx.url, 'http://x'));
      ctx.status = status;
      ctx.set(headers);
      ctx.body = body;
    });
    app.use(router.routes());
    return listen(createServer(app.callback()), port);
  }
  if (kind === 'hono') {
    return new Promise((resolve) => {
      const server = serve({ fetch: honoApp(state).fetch, hostname: '127.0.0.1', port }, () =>
        resolve(running(server)),
      ) as Server;
    });
  }
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/events' || (path === '/chat' && req.method === 'POST')) {
      const stream = openSSEStream(nodeStreamRequest(req, res, req.url), {});
      if (path === '/chat') onChat(state, stream as SSEStream<TestEvents>);
      else onEvents(state, stream, (name) => (req.headers[name] as string | undefined) ?? null);
    } else sendPlain(state, req, res);
  });
  return listen(server, port);
}
