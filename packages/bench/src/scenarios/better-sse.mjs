// better-sse: a session per request on node:http, broadcasts through its Channel. Keep-alive set to
// 15 s like every other scenario; its default `retry: 2000` preamble is turned off.
import http from 'node:http';
import { createChannel, createSession } from 'better-sse';

export const library = 'better-sse';

export async function start({ heartbeatMs }) {
  const channel = createChannel();
  const server = http.createServer(async (req, res) => {
    if (req.url !== '/events') {
      res.writeHead(404).end();
      return;
    }
    // Resolves once the session is connected (headers sent); the channel deregisters it on disconnect.
    const session = await createSession(req, res, { keepAlive: heartbeatMs, retry: null });
    channel.register(session);
  });
  return {
    server,
    subscribers: () => channel.sessionCount,
    broadcast(m, payload) {
      for (let i = 0; i < m; i++) channel.broadcast(payload);
    },
    async sendEach(m, payload) {
      // Session.push has no backpressure signal: it writes straight to the response.
      for (const session of channel.activeSessions) for (let i = 0; i < m; i++) session.push(payload);
    },
  };
}
