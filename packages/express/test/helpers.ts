import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import express4 from 'express4';

/**
 * Every test body runs against both Express majors. Express 4 is typed as 5 here so one body fits
 * both; `types.check.ts` checks `sse` against Express 4's own types.
 */
export const expressVersions: ReadonlyArray<readonly [string, typeof express]> = [
  ['express 5', express],
  ['express 4', express4 as unknown as typeof express],
];

/** A running server on 127.0.0.1 and a free port. */
export interface TestServer {
  url: string;
  /** Closes the server, cutting every connection still open. */
  close(): Promise<void>;
  /** Runs `drain`, then closes the server gracefully (cutting nothing); resolves once it has closed. */
  shutdown(): Promise<void>;
}

export async function listen(
  app: RequestListener,
  drain: () => Promise<void> = async () => {},
): Promise<TestServer> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
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

export { connect, type EventClient } from '@ssekit/test-kit';
