import { Agent, request } from 'node:http';
import { createChannel, heartbeatStats, type SSEStream } from '@ssekit/core';
import { sse } from '@ssekit/hono';
import { Hono, type MiddlewareHandler } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { serverPerTest } from './node-server.js';
import { headThenGet } from './raw-http.js';

// A stream whose body the server never sends must still close: otherwise it keeps its heartbeat,
// its handler and its channel membership forever (issue 11, item 2).

const { start, defer } = serverPerTest();

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The local port of the connection it came on: the same port means the same connection. */
  localPort: number | undefined;
}

/** One request on `agent` (keep-alive, one socket), read to the end; `body` is sent with it. */
function ask(agent: Agent, url: string, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent }, (res) => {
      const localPort = res.socket.localPort;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, localPort }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error(`${method} ${url} got no complete answer in 2 s`)));
    req.end(body);
  });
}

function keepAliveAgent(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  defer(() => agent.destroy());
  return agent;
}

async function waitUntil(condition: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * An app whose `/events` route (GET and POST) joins a channel; `opened` lists the streams its
 * handler got. With `readBody` the handler reads the request body (to its end) after joining.
 */
function channelApp(middleware?: MiddlewareHandler, readBody = false) {
  const channel = createChannel();
  const opened: SSEStream[] = [];
  const app = new Hono();
  if (middleware) app.use(middleware);
  app.on(
    ['GET', 'POST'],
    '/events',
    sse(async (stream, c) => {
      opened.push(stream);
      channel.add(stream);
      if (readBody) await c.req.text();
    }),
  );
  app.get('/plain', (c) => c.text('plain'));
  return { app, channel, opened };
}

describe('sse() on @hono/node-server, when the server will not send the body', () => {
  it('answers HEAD with the event-stream headers and an ended response, opening no stream', async () => {
    const baseline = heartbeatStats();
    const { app, channel, opened } = channelApp();
    const { head, next } = await headThenGet(await start(app), '/events', '/plain');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\ncontent-type: text\/event-stream; charset=utf-8\r\n/i);
    expect(head).toMatch(/\r\ncache-control: no-cache, no-transform\r\n/i);
    // The connection is still usable: the next request on it is answered.
    expect(next).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\n\r\nplain$/);
    expect(opened).toEqual([]);
    expect(channel.size).toBe(0);
    expect(heartbeatStats()).toEqual(baseline);
  });

  it('closes the stream when middleware replaces the response', async () => {
    const baseline = heartbeatStats();
    const { app, channel, opened } = channelApp(async (c, next) => {
      await next();
      if (c.req.path === '/events') c.res = new Response('replaced');
    });
    const url = await start(app);
    const agent = keepAliveAgent();
    expect((await ask(agent, `${url}/events`)).body).toBe('replaced');
    expect(opened).toHaveLength(1);
    await waitUntil(() => opened[0]?.closed === true, 1000);
    expect(opened[0]?.closeReason).toBe('client');
    expect(channel.size).toBe(0);
    expect(heartbeatStats()).toEqual(baseline);
    expect((await ask(agent, `${url}/plain`)).body).toBe('plain');
  });

  it('closes the stream when Node refuses a header and the server answers 500 instead', async () => {
    const baseline = heartbeatStats();
    const { app, channel, opened } = channelApp(async (c, next) => {
      await next();
      // Valid for a web Headers object, refused by Node's writeHead (a control character).
      if (c.req.path === '/events') c.res.headers.set('x-note', 'a\u0001b');
    });
    // The server logs the header it could not write.
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const url = await start(app);
    const answer = await ask(keepAliveAgent(), `${url}/events`);
    expect(answer.status).toBe(500);
    expect(opened).toHaveLength(1);
    await waitUntil(() => opened[0]?.closed === true, 1000);
    expect(opened[0]?.closeReason).toBe('client');
    expect(channel.size).toBe(0);
    expect(heartbeatStats()).toEqual(baseline);
  });

  // The request closes once its body is read: its `close` no longer tells when the response ends.
  for (const [who, middlewareReads] of [
    ['a middleware read before the stream opened', true],
    ['the handler read', false],
  ] as const) {
    it(`closes the stream of a POST whose body ${who}, when middleware replaces the response`, async () => {
      const baseline = heartbeatStats();
      const { app, channel, opened } = channelApp(async (c, next) => {
        if (middlewareReads) await c.req.text();
        await next();
        // Once the handler has read the body: the request has closed before the response ends.
        if (!middlewareReads) await waitUntil(() => opened.length === 1, 1000);
        await new Promise((resolve) => setTimeout(resolve, 50));
        c.res = new Response('replaced');
      }, !middlewareReads);
      const url = await start(app);
      const agent = keepAliveAgent();
      expect((await ask(agent, `${url}/events`, 'POST', 'hello')).body).toBe('replaced');
      expect(opened).toHaveLength(1);
      await waitUntil(() => opened[0]?.closed === true, 1000);
      expect(opened[0]?.closeReason).toBe('client');
      expect(channel.size).toBe(0);
      expect(heartbeatStats()).toEqual(baseline);
    });
  }
});
