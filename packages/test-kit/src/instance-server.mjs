// One server instance of a channel shared through an engine (Redis, NATS JetStream), run as its own
// process by each engine's scale-out tests (test/fixtures/instance.mjs there), loading the BUILT
// packages as users do: node:http with core's Node transport. Plain JavaScript: Node 20 runs it
// without a TypeScript loader.
//   GET  /events  an event stream in the channel (Last-Event-ID honoured)
//   GET  /stats   the channel's stats;  GET /memory  heap and array buffers after a GC (--expose-gc)
//   POST /send    {"data", "event"?} -> 200 {"id"} | 503 {"code", "message"}
//   POST /drop    closes every open event stream (its clients reconnect, as after a drain)
//   POST /burst   {"count", "intervalMs", "prefix"} -> sends one by one -> {"results": [{"data", "id"} | {"data", "code"}]}
// Prints "LISTENING <port>". SIGTERM closes the channel and the server; the process then exits by
// itself only if nothing (timer, socket, engine connection) is left open.
import { createServer } from 'node:http';
import { createChannel, nodeResponseTransport, openSSEStream } from '@ssekit/core';

/**
 * Serves a channel whose history is `shared` (the engine's delivering history) once it is ready.
 * `streamOptions` go to every event stream; the heartbeat is `$HEARTBEAT_MS` (default 1 s).
 */
export async function serveInstance(shared, streamOptions = {}) {
  await shared.ready();
  const channel = createChannel({ history: shared });
  const streams = new Set();

  async function body(req) {
    let text = '';
    for await (const chunk of req) text += chunk;
    return JSON.parse(text);
  }
  function json(res, status, value) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  }
  async function send(data, event) {
    try {
      return { data, id: await channel.send(data, event === undefined ? undefined : { event }) };
    } catch (error) {
      return { data, code: error.code ?? 'ERR', message: error.message };
    }
  }

  const server = createServer(async (req, res) => {
    const path = req.url.split('?')[0];
    if (req.method === 'GET' && path === '/events') {
      const stream = openSSEStream(
        {
          transport: nodeResponseTransport(res, req.socket),
          lastEventIdHeader: req.headers['last-event-id'],
          url: req.url,
          connectionHeader: true,
        },
        { heartbeat: Number(process.env.HEARTBEAT_MS ?? 1_000), ...streamOptions },
      );
      streams.add(stream);
      stream.onClose(() => streams.delete(stream));
      channel.add(stream);
    } else if (req.method === 'GET' && path === '/stats') {
      json(res, 200, channel.stats);
    } else if (req.method === 'GET' && path === '/memory') {
      globalThis.gc?.();
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      json(res, 200, { heapUsed, arrayBuffers });
    } else if (req.method === 'POST' && path === '/send') {
      const { data, event } = await body(req);
      const result = await send(data, event);
      json(res, result.id === undefined ? 503 : 200, result);
    } else if (req.method === 'POST' && path === '/drop') {
      for (const stream of streams) stream.close();
      json(res, 200, { dropped: streams.size });
    } else if (req.method === 'POST' && path === '/burst') {
      const { count, intervalMs, prefix } = await body(req);
      const results = [];
      for (let i = 0; i < count; i++) {
        results.push(await send(`${prefix}${i}`));
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
      json(res, 200, { results });
    } else {
      res.writeHead(404).end();
    }
  });

  let closing = false;
  process.on('SIGTERM', async () => {
    if (closing) return;
    closing = true;
    await channel.close();
    server.closeAllConnections();
    server.close();
  });

  server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
}
