// The floor: plain node:http, each broadcast encoded once into a Buffer and written to every
// response, one shared timer for keep-alive comments. Nothing a library could do cheaper.
import { once } from 'node:events';
import http from 'node:http';

export const library = 'node:http';

const HEARTBEAT = Buffer.from(':\n\n');

/**
 * The floor's clients: `open(req, res)` answers one request with an event stream held in a set; a
 * broadcast writes one Buffer to every response; one shared timer writes the keep-alives.
 */
export function floorClients(heartbeatMs) {
  const clients = new Set();
  const timer = setInterval(() => {
    for (const res of clients) res.write(HEARTBEAT);
  }, heartbeatMs);
  timer.unref();
  return {
    open(req, res) {
      req.socket.setNoDelay(true);
      req.socket.setTimeout(0);
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.flushHeaders();
      clients.add(res);
      res.on('close', () => clients.delete(res));
    },
    subscribers: () => clients.size,
    broadcast(m, payload) {
      for (let i = 0; i < m; i++) {
        const bytes = Buffer.from(`data: ${payload}\n\n`);
        for (const res of clients) res.write(bytes);
      }
    },
    async sendEach(m, payload) {
      await Promise.all(
        [...clients].map(async (res) => {
          for (let i = 0; i < m; i++) {
            if (!res.write(Buffer.from(`data: ${payload}\n\n`)) && !res.destroyed) await once(res, 'drain');
          }
        }),
      );
    },
  };
}

export async function start({ heartbeatMs }) {
  const { open, ...clients } = floorClients(heartbeatMs);
  const server = http.createServer((req, res) => {
    if (req.url === '/events') open(req, res);
    else res.writeHead(404).end();
  });
  return { server, ...clients };
}
