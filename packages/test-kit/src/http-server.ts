// The one way tests serve a node:http request listener (an Express app, Koa's callback, a bare
// handler): on 127.0.0.1 and a free port, closed afterwards without waiting for open streams.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

/** A node:http server a test started. */
export interface TestServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  server: Server;
  /** Closes the server, cutting every connection still open (so an open stream never holds it). */
  close(): Promise<void>;
  /** Runs `drain`, then closes the server gracefully (cutting nothing); resolves once it has closed. */
  shutdown(): Promise<void>;
}

/** Serves `listener` on 127.0.0.1 and a free port; `drain` is what `shutdown()` runs first. */
export async function serveHttp(
  listener: RequestListener,
  drain: () => Promise<void> = async () => {},
): Promise<TestServer> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    shutdown: async () => {
      await drain();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** Closes `server` (cutting what is still open) once the running test has finished; returns it. */
export function closeAfterTest<S extends { close(): Promise<void> }>(server: S): S {
  onTestFinished(() => server.close());
  return server;
}
