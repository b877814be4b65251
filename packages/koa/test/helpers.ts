import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Koa2 from 'koa2';

/** Every Koa major the adapter supports; each test file runs its cases against all of them. */
export const koas = [
  ['koa 3', Koa],
  ['koa 2', Koa2],
] as const;

export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1 and a free port. `close` also drops open streams, so it never hangs. */
export async function listen(app: Koa): Promise<Listening> {
  const server = createServer(app.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export { connect, type EventClient } from '@ssekit/test-kit';
