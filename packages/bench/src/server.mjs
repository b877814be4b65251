// One scenario server process: `node --expose-gc src/server.mjs <scenario> [heartbeatMs]`.
// Starts the scenario's SSE server on 127.0.0.1 and a control server beside it (plain node:http,
// identical for every scenario, so its cost cancels out), then prints one JSON line
// `{"ssePort", "controlPort"}` on stdout. Control calls:
//   GET  /stats                   { subscribers, sockets, sendErrors }: streams registered, TCP
//                                 connections open, sends an engine did not acknowledge
//   GET  /mem                     { rss, heapUsed, heapTotal, external, arrayBuffers } after forced GC
//   GET  /cpu                     process.cpuUsage() in µs
//   POST /broadcast?m=100&b=100   broadcasts m events of b bytes of data to every stream; answers
//                                 when the loop has run (delivery is measured by the client)
//   POST /each?m=200000&b=100     sends m events to each stream with the per-stream API, awaiting
//                                 backpressure where the library offers it; answers when done
//   POST /pace?at=&every=&count=&deadline=&b=100
//                                 broadcasts `count` single events, one every `every` ms from the
//                                 wall-clock time `at` (ms), each carrying its send time
//                                 (stamp.mjs), stopping at `deadline` (ms) if it cannot keep up;
//                                 answers when done with how many it sent and how late it ran
//   POST /exit                    exits
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendPaced } from './pace.mjs';
import { payloadOf } from './payload.mjs';
import { stampedPayload } from './stamp.mjs';

const [name, heartbeatArg] = process.argv.slice(2);
if (!name) throw new Error('usage: server.mjs <scenario> [heartbeatMs]');
if (typeof globalThis.gc !== 'function') throw new Error('run the scenario server with --expose-gc');

const scenario = await import(`./scenarios/${name}.mjs`);
const app = await scenario.start({ heartbeatMs: Number(heartbeatArg ?? 15_000) });
const { server } = app;

let sockets = 0;
server.on('connection', (socket) => {
  sockets++;
  socket.once('close', () => sockets--);
});
if (!server.listening) await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
// The load client opens thousands of connections at once.
server.maxConnections = Infinity;

async function memory() {
  // Several passes: weak maps and finalizers free more on a second pass.
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(20);
  }
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}

const control = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://control');
  const m = Number(url.searchParams.get('m') ?? 100);
  const b = Number(url.searchParams.get('b') ?? 100);
  let body;
  try {
    switch (url.pathname) {
      case '/stats':
        body = { subscribers: app.subscribers(), sockets, sendErrors: app.sendErrors?.() ?? 0 };
        break;
      case '/mem':
        body = await memory();
        break;
      case '/cpu':
        body = process.cpuUsage();
        break;
      case '/broadcast': {
        const started = performance.now();
        app.broadcast(m, payloadOf(b));
        body = { loopMs: performance.now() - started };
        break;
      }
      case '/each': {
        const started = performance.now();
        await app.sendEach(m, payloadOf(b));
        body = { ms: performance.now() - started };
        break;
      }
      case '/pace': {
        const param = (key) => Number(url.searchParams.get(key));
        body = await sendPaced({
          at: param('at'),
          every: param('every'),
          count: param('count'),
          deadline: url.searchParams.has('deadline') ? param('deadline') : undefined,
          send: () => app.broadcast(1, stampedPayload(b)),
        });
        break;
      }
      case '/exit':
        res.end('{}');
        process.exit(0);
        return;
      default:
        res.writeHead(404).end();
        return;
    }
  } catch (error) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: String(error?.stack ?? error) }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
});
await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));

process.stdout.write(
  `${JSON.stringify({ ssePort: server.address().port, controlPort: control.address().port })}\n`,
);
