// A reference, not a library: the floor's own code (pre-encoded Buffers, one keep-alive timer)
// answering from an Express route, so that Express's own cost per connection shows apart from ssekit's.
import express from 'express';
import { floorClients } from './floor.mjs';

export const library = 'express';

export async function start({ heartbeatMs }) {
  const { open, ...clients } = floorClients(heartbeatMs);
  const app = express();
  app.get('/events', open);
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, ...clients };
}
