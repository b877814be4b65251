// Heap per idle connection of the frameworks alone (holding an open response, no ssekit) next to
// the same frameworks with ssekit and a channel, and ssekit on plain node:http: shows how much of a
// scenario's memory per connection is the framework's own and how much is ssekit's. Each variant
// runs in a child process started with --expose-gc.
//
//   node packages/bench/src/framework-memory.mjs [connections=3000] [variant...]
//
// The last column is ssekit's own heap per connection: a `*-ssekit` variant minus its `*-bare` one
// (`node-ssekit` minus `floor`), when both ran. The bare variants answer with the head ssekit
// sends (`Content-Type`, `Cache-Control`, `X-Accel-Buffering`), so that the difference is ssekit's
// objects, not the framework's copy of longer headers: Express, having set `X-Powered-By`, makes
// Node keep every header of the response in a table for its life, about 225 bytes for ssekit's two
// beyond `Content-Type`. `--content-type-only` gives the bare variants `Content-Type` alone, as
// this probe did before 2026-12-01's third session.
//
//   node packages/bench/src/framework-memory.mjs [--content-type-only] [connections=3000] [variant...]
import { fork } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPE_ONLY = '--content-type-only';
const contentTypeOnly = process.argv.includes(CONTENT_TYPE_ONLY);
/** The arguments other than the flag, which the children get too. */
const args = process.argv.slice(2).filter((arg) => arg !== CONTENT_TYPE_ONLY);
/** The head of every bare variant's response: the one ssekit sends (see above). */
const HEAD = contentTypeOnly
  ? { 'content-type': 'text/event-stream' }
  : {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    };

/** Rounds of 50 connections opened and closed before the baseline. */
const WARM_UP_ROUNDS = Number(process.env.WARM ?? 10);

const VARIANTS = [
  'floor',
  'node-ssekit',
  'express-bare',
  'express-ssekit',
  'koa-bare',
  'koa-ssekit',
  'hono-bare',
  'hono-ssekit',
  'fastify-bare',
  'fastify-ssekit',
];

/** Opens an event stream for one request, the way each variant does. */
async function handlerFor(variant) {
  const held = new Set();
  const hold = (res) => {
    res.writeHead(200, HEAD);
    res.flushHeaders();
    held.add(res);
    res.on('close', () => held.delete(res));
  };
  if (variant === 'floor') return (_req, res) => hold(res);
  const { createChannel, nodeResponseTransport, openSSEStream } = await import('@ssekit/core');
  const channel = createChannel();
  if (variant === 'node-ssekit') {
    return (req, res) =>
      channel.add(
        openSSEStream({
          transport: nodeResponseTransport(res, req.socket),
          url: req.url,
          connectionHeader: true,
        }),
      );
  }
  if (variant.startsWith('hono')) {
    const { Hono } = await import('hono');
    const { getRequestListener } = await import('@hono/node-server');
    const app = new Hono();
    if (variant === 'hono-bare') {
      // An open body with one comment in it, as a streaming route holds it.
      const comment = new TextEncoder().encode(':\n\n');
      app.get('/', () => {
        const body = new ReadableStream({ start: (controller) => controller.enqueue(comment) });
        return new Response(body, { headers: HEAD });
      });
    } else {
      const { sse } = await import('@ssekit/hono');
      app.get(
        '/',
        sse((stream) => channel.add(stream)),
      );
    }
    return getRequestListener(app.fetch);
  }
  if (variant.startsWith('fastify')) {
    const Fastify = (await import('fastify')).default;
    // Fastify makes its server through the factory: keep its request listener for ours.
    let listener;
    const app = Fastify({
      serverFactory: (handler) => {
        listener = handler;
        return http.createServer();
      },
    });
    if (variant === 'fastify-bare') {
      app.get('/', (_request, reply) => {
        reply.hijack();
        hold(reply.raw);
      });
    } else {
      const { ssePlugin } = await import('@ssekit/fastify');
      await app.register(ssePlugin);
      app.get('/', (_request, reply) => {
        channel.add(reply.sse);
      });
    }
    await app.ready();
    return listener;
  }
  if (variant.startsWith('express')) {
    const express = (await import('express')).default;
    const app = express();
    if (variant === 'express-bare') app.get('/', (_req, res) => hold(res));
    else {
      const { sse } = await import('@ssekit/express');
      app.use(sse());
      app.get('/', (_req, res) => channel.add(res.sse));
    }
    return app;
  }
  const Koa = (await import('koa')).default;
  const app = new Koa();
  if (variant === 'koa-bare') {
    app.use((ctx) => {
      ctx.respond = false;
      hold(ctx.res);
    });
  } else {
    const { sse } = await import('@ssekit/koa');
    app.use(sse());
    app.use((ctx) => channel.add(ctx.sse));
  }
  return app.callback();
}

async function serve(variant) {
  const server = http.createServer(await handlerFor(variant));
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', () => {
    globalThis.gc();
    globalThis.gc();
    process.send({ heap: process.memoryUsage().heapUsed });
  });
}

function open(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.once('data', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function measure(variant, count) {
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--serve', variant, ...(contentTypeOnly ? [CONTENT_TYPE_ONLY] : [])],
    { execArgv: ['--expose-gc'] },
  );
  const ask = () => new Promise((resolve) => child.once('message', resolve) && child.send('mem'));
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  // Enough requests that the code on the path is compiled and optimized before the baseline: what
  // the JIT allocates while the connections are measured is noise of up to 0.1 KiB per connection.
  for (let round = 0; round < WARM_UP_ROUNDS; round++)
    for (const socket of await Promise.all(Array.from({ length: 50 }, () => open(port)))) socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = await ask();
  const sockets = [];
  for (let i = 0; i < count; i++) sockets.push(await open(port));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await ask();
  for (const socket of sockets) socket.destroy();
  child.kill();
  return (after.heap - before.heap) / count / 1024;
}

if (args[0] === '--serve') await serve(args[1]);
else {
  const count = Number(args[0] ?? 3000);
  const asked = args.slice(1);
  const unknown = asked.filter((variant) => !VARIANTS.includes(variant));
  if (unknown.length > 0)
    throw new Error(`unknown variant ${unknown.join(', ')}; one of ${VARIANTS.join(', ')}`);
  const results = new Map();
  for (const variant of asked.length > 0 ? asked : VARIANTS)
    results.set(variant, await measure(variant, count));
  const floor = results.get('floor');
  const ratio = (kib) => (floor === undefined ? '' : `${(kib / floor).toFixed(2)}×`);
  const own = (variant, kib) => {
    const bare = results.get(variant === 'node-ssekit' ? 'floor' : variant.replace('-ssekit', '-bare'));
    return variant.endsWith('-ssekit') && bare !== undefined ? (kib - bare).toFixed(2) : '';
  };
  console.log(
    `| variant (${count} idle connections${contentTypeOnly ? ', bare: Content-Type only' : ''}) | heap KiB/conn | vs floor | ssekit's own KiB/conn |\n| --- | ---: | ---: | ---: |`,
  );
  for (const [variant, kib] of results)
    console.log(`| ${variant} | ${kib.toFixed(2)} | ${ratio(kib)} | ${own(variant, kib)} |`);
}
